namespace LiveTracker.Actors.Hocon;

/// <summary>
/// A string, number, boolean or null. The text is kept exactly as written (after unescaping), so
/// typed getters decide what <c>30s</c> or <c>8 MiB</c> mean, not the reader.
/// </summary>
public sealed class HoconScalar : HoconValue
{
    public HoconScalar(string? text, HoconScalarKind kind, HoconSource source)
        : base(source)
    {
        if (kind == HoconScalarKind.Null != text is null)
        {
            throw new ArgumentException("Only a null scalar has no text.", nameof(text));
        }

        Text = text;
        Kind = kind;
    }

    /// <summary>The value's text; <c>null</c> only for <see cref="HoconScalarKind.Null"/>.</summary>
    public string? Text { get; }

    public HoconScalarKind Kind { get; }

    public override string ToString() => Text ?? "null";
}
