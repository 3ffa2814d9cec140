namespace LiveTracker.Actors.Hocon;

/// <summary>An ordered list of values.</summary>
public sealed class HoconArray : HoconValue
{
    private readonly List<HoconValue> _items;

    internal HoconArray(List<HoconValue> items, HoconSource source)
        : base(source) => _items = items;

    public IReadOnlyList<HoconValue> Items => _items;

    // Only the resolver touches the list, replacing substitutions by what they resolved to.
    internal List<HoconValue> MutableItems => _items;
}
