namespace LiveTracker.Actors.Configuration;

/// <summary>One problem found while loading settings.</summary>
/// <param name="Key">The setting's path in HOCON notation, e.g. <c>livetracker.http.port</c>.</param>
/// <param name="Location">Where it was set, e.g. <c>akka.hocon line 14</c>; null when it was not set anywhere.</param>
/// <param name="Message">The full sentence shown to the operator, location first.</param>
public sealed record ConfigurationError(string Key, string? Location, string Message)
{
    public override string ToString() => Message;
}
