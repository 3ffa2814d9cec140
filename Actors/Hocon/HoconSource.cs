namespace LiveTracker.Actors.Hocon;

/// <summary>
/// Where a HOCON value was written: the file (display name), 1-based line and column, and — when the
/// value came in through a substitution — what it came through, so an operator who set an
/// environment variable is told that, rather than being sent to a line that looks fine.
/// </summary>
public readonly record struct HoconSource(string File, int Line, int Column, string? Via = null)
{
    /// <summary>Compiler-style position, e.g. <c>akka.hocon:12:7</c>.</summary>
    public override string ToString() => $"{File}:{Line}:{Column}";

    /// <summary>Human wording for settings errors, e.g. <c>akka.hocon line 14 (from environment variable X)</c>.</summary>
    public string Describe() => Via is null ? $"{File} line {Line}" : $"{File} line {Line} (from {Via})";
}
