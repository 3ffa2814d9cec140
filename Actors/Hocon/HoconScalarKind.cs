namespace LiveTracker.Actors.Hocon;

/// <summary>
/// What a scalar looked like in the text. Kept so tools can tell <c>true</c> from <c>"true"</c>;
/// the configuration source flattens every scalar to its text anyway.
/// </summary>
public enum HoconScalarKind
{
    String,
    Number,
    Boolean,
    Null,
}
