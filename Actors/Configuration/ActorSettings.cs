namespace LiveTracker.Actors.Configuration;

/// <summary><c>livetracker.actors</c>: how long the web node waits for an entity.</summary>
public sealed record ActorSettings
{
    /// <summary>Default time an <c>Ask</c> waits for a reply before failing.</summary>
    public required TimeSpan AskTimeout { get; init; }

    internal static ActorSettings Read(SettingsReader actors) => new()
    {
        AskTimeout = actors.GetDuration("ask-timeout", TimeSpan.FromSeconds(5), TimeSpan.FromMilliseconds(1), TimeSpan.FromHours(1)),
    };
}
