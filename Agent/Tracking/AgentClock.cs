using System.Globalization;

namespace LiveTracker.Agent.Tracking;

/// <summary>
/// The agent's time: the system clock, or, for demos, end-to-end tests and the benchmark, a clock that runs
/// <see cref="Speed"/> times faster from a given instant (so ten-minute segments pass in seconds). A node given the
/// same clock agrees with the agent to the millisecond. Real durations measured outside it (the X server's idle
/// time) are scaled with <see cref="Scale"/>.
/// </summary>
public sealed class AgentClock : TimeProvider
{
    private readonly DateTimeOffset realStart;
    private readonly long realStartTimestamp = System.GetTimestamp();
    private readonly DateTimeOffset start;

    public AgentClock(double speed, DateTimeOffset start, DateTimeOffset realStart)
    {
        if (speed is < 1 or > 10_000 || double.IsNaN(speed))
        {
            throw new ArgumentOutOfRangeException(nameof(speed), speed, "speed is between 1 and 10000");
        }

        Speed = speed;
        this.start = start;
        this.realStart = realStart;
    }

    public static AgentClock Real { get; } = new(1, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch);

    public double Speed { get; }

    /// <summary>The value of <c>LIVETRACKER_AGENT_CLOCK</c> that gives another process this clock.</summary>
    public string Describe() => string.Create(CultureInfo.InvariantCulture, $"{Speed}@{start:O}@{realStart:O}");

    /// <summary>Parses <c>SPEED@START@REALSTART</c> (ISO instants); null or empty is the real clock.</summary>
    public static AgentClock Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return Real;
        }

        var parts = text.Split('@');
        if (parts.Length == 3
            && double.TryParse(parts[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var speed) && speed is >= 1 and <= 10_000
            && DateTimeOffset.TryParse(parts[1], CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var at)
            && DateTimeOffset.TryParse(parts[2], CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var real))
        {
            return new AgentClock(speed, at, real);
        }

        throw new FormatException($"LIVETRACKER_AGENT_CLOCK = {text} is not SPEED@START@REALSTART (e.g. 120@2026-11-18T10:00:00Z@2026-11-22T09:00:00Z)");
    }

    public TimeSpan Scale(TimeSpan real) => Speed == 1 ? real : real * Speed;

    public override DateTimeOffset GetUtcNow() =>
        Speed == 1 ? System.GetUtcNow() : start + (System.GetUtcNow() - realStart) * Speed;

    public override long GetTimestamp() =>
        Speed == 1 ? System.GetTimestamp() : realStartTimestamp + (long)((System.GetTimestamp() - realStartTimestamp) * Speed);

    public override long TimestampFrequency => System.TimestampFrequency;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
        Speed == 1 ? System.CreateTimer(callback, state, dueTime, period) : new ScaledTimer(System.CreateTimer(callback, state, ToReal(dueTime), ToReal(period)), this);

    private TimeSpan ToReal(TimeSpan scaled) => scaled == Timeout.InfiniteTimeSpan ? scaled : scaled / Speed;

    private sealed class ScaledTimer(ITimer inner, AgentClock clock) : ITimer
    {
        public bool Change(TimeSpan dueTime, TimeSpan period) => inner.Change(clock.ToReal(dueTime), clock.ToReal(period));

        public void Dispose() => inner.Dispose();

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}
