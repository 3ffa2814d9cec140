namespace LiveTracker.Actors.Hocon;

/// <summary>A node of a parsed HOCON tree: an object, an array or a scalar.</summary>
public abstract class HoconValue
{
    private protected HoconValue(HoconSource source) => Source = source;

    /// <summary>Where the value starts in the text it was read from.</summary>
    public HoconSource Source { get; }
}
