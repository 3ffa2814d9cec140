namespace LiveTracker.Actors.Configuration;

/// <summary>One problem found while loading settings.</summary>
/// <param name="Key">The setting's path, e.g. <c>livetracker.http.port</c>; empty for a syntax error, which belongs to no one setting.</param>
/// <param name="Location">
/// Where it was set: <c>akka.hocon</c>, <c>akka.hocon (from environment variable X)</c>, or for a syntax error
/// <c>akka.hocon line 14</c> when the line is known; null when it was not set anywhere.
/// </param>
/// <param name="Message">The full sentence shown to the operator, location first.</param>
public sealed record ConfigurationError(string Key, string? Location, string Message)
{
    public override string ToString() => Message;
}
