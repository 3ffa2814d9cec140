using LiveTracker.Agent.Local;

namespace LiveTracker.Agent.Tracking;

/// <summary>
/// Gives memory back to the system (ADR 0007's footprint): after each capture, the agent's one big burst, and every
/// ten minutes all the same. Without a capture (not tracking, an idle pause) a day signed in would otherwise let the
/// small garbage of the session syncs fill the GC's first generation, whose budget the runtime sizes from the CPU
/// cache (tens of MB on some).
/// </summary>
internal sealed class MemoryRelease
{
    private static readonly TimeSpan Every = TimeSpan.FromMinutes(10);
    private DateTimeOffset last;

    public void Now(DateTimeOffset now)
    {
        ProcessMemory.Release();
        last = now;
    }

    public void IfDue(DateTimeOffset now)
    {
        if (now - last >= Every)
        {
            Now(now);
        }
    }
}
