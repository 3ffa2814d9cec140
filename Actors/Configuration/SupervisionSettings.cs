namespace LiveTracker.Actors.Configuration;

/// <summary>
/// <c>livetracker.actors.supervision</c>: a failing actor restarts with exponential backoff between
/// <see cref="MinBackoff"/> and <see cref="MaxBackoff"/>, and stops for good after
/// <see cref="MaxRestarts"/> failures within <see cref="Within"/>.
/// </summary>
public sealed record SupervisionSettings
{
    public required int MaxRestarts { get; init; }

    public required TimeSpan Within { get; init; }

    public required TimeSpan MinBackoff { get; init; }

    public required TimeSpan MaxBackoff { get; init; }

    internal static SupervisionSettings Read(SettingsReader supervision)
    {
        var settings = new SupervisionSettings
        {
            MaxRestarts = supervision.GetInt("max-restarts", 10, 0, 1000),
            Within = supervision.GetDuration("within", TimeSpan.FromMinutes(1), TimeSpan.FromSeconds(1), TimeSpan.FromDays(1)),
            MinBackoff = supervision.GetDuration("min-backoff", TimeSpan.FromMilliseconds(100), TimeSpan.Zero, TimeSpan.FromMinutes(10)),
            MaxBackoff = supervision.GetDuration("max-backoff", TimeSpan.FromSeconds(10), TimeSpan.Zero, TimeSpan.FromHours(1)),
        };

        if (settings.MaxBackoff < settings.MinBackoff)
        {
            supervision.Report(
                "max-backoff",
                $"({Hocon.HoconDuration.Format(settings.MaxBackoff)}) must not be shorter than min-backoff ({Hocon.HoconDuration.Format(settings.MinBackoff)})",
                anchorKey: "min-backoff");
        }

        return settings;
    }
}
