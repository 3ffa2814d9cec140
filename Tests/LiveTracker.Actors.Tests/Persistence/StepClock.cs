namespace LiveTracker.Actors.Tests.Persistence;

/// <summary>
/// A clock that moves forward one millisecond at every reading, so every journal batch (which reads the
/// clock once) gets its own <c>created_at</c>: tests can tell which events were committed together.
/// Timers are the real ones (inherited from <see cref="TimeProvider"/>).
/// </summary>
public sealed class StepClock : TimeProvider
{
    private long _utcTicks = new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero).UtcTicks;

    public override DateTimeOffset GetUtcNow() =>
        new(Interlocked.Add(ref _utcTicks, TimeSpan.TicksPerMillisecond), TimeSpan.Zero);

    /// <summary>The last value handed out.</summary>
    public DateTimeOffset Current => new(Interlocked.Read(ref _utcTicks), TimeSpan.Zero);
}
