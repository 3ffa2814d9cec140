namespace LiveTracker.Actors.Hocon;

/// <summary>
/// A HOCON text could not be read: a syntax error or a substitution that cannot be resolved.
/// The message always starts with <c>file:line:column</c> so editors and terminals can jump to it.
/// </summary>
public sealed class HoconException : Exception
{
    public HoconException(HoconSource source, string reason)
        : base($"{source}: {reason}")
    {
        Position = source;
        Reason = reason;
    }

    /// <summary>Where the problem is.</summary>
    public HoconSource Position { get; }

    /// <summary>The message without the position prefix.</summary>
    public string Reason { get; }
}
