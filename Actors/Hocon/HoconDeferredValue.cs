namespace LiveTracker.Actors.Hocon;

/// <summary>
/// A reference to another setting or an environment variable, as <c>${path}</c> or <c>${?path}</c>.
/// <see cref="Path"/> is split into segments for config look-ups; <see cref="Name"/> is the same path
/// joined with dots, which is also the environment variable's name.
/// </summary>
internal sealed record HoconSubstitution(IReadOnlyList<string> Path, bool Optional, HoconSource Source)
{
    public string Name => string.Join('.', Path);

    public string Expression => Optional ? $"${{?{Name}}}" : $"${{{Name}}}";
}

/// <summary>One piece of a value concatenation: literal text (including the whitespace between pieces) or a substitution.</summary>
internal readonly record struct HoconPart(string? Text, HoconSubstitution? Substitution, bool Quoted);

/// <summary>
/// A value that contains substitutions and so can only be known once the whole text has been read
/// (a substitution may point at a key that appears later). <see cref="Previous"/> is what the same key
/// held before this assignment: an absent <c>${?VAR}</c> falls back to it, and a self-reference such as
/// <c>path = ${path}":/extra"</c> reads it.
/// </summary>
internal sealed class HoconDeferredValue : HoconValue
{
    public HoconDeferredValue(IReadOnlyList<HoconPart> parts, HoconSource source)
        : base(source) => Parts = parts;

    public IReadOnlyList<HoconPart> Parts { get; }

    public HoconValue? Previous { get; set; }

    public bool IsResolved { get; private set; }

    public HoconValue? Resolution { get; private set; }

    public void MarkResolved(HoconValue? resolution)
    {
        IsResolved = true;
        Resolution = resolution;
    }
}
