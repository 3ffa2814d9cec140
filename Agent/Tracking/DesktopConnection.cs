using LiveTracker.Agent.Local;
using LiveTracker.Agent.X11;
using static LiveTracker.Agent.Tracking.Moments;

namespace LiveTracker.Agent.Tracking;

/// <summary>
/// The X display the tracker watches. It is opened when first needed and, while it cannot be, tried again every
/// ~10 s. Every X call goes through <see cref="Guard{T}"/>: a failure closes the display and reports it as lost (the
/// tracker pauses) instead of failing; the next <see cref="Ensure"/> opens a new one.
/// </summary>
internal sealed class DesktopConnection(Func<TrackedDesktop> open, AgentClock clock, AgentLog log, Action<DateTimeOffset> lost) : IDisposable
{
    private TrackedDesktop? desktop;
    private DateTimeOffset nextTry;

    /// <summary>A display was opened (its input counter starts empty).</summary>
    public event Action<DateTimeOffset>? Opened;

    public bool IsOpen => desktop is not null;

    /// <summary>Why there is no display (null while there is one).</summary>
    public string? Problem { get; private set; }

    /// <summary>The display, opened now if it is missing and a try is due; null when it cannot be opened.</summary>
    public TrackedDesktop? Ensure(DateTimeOffset now)
    {
        if (desktop is not null || now < nextTry)
        {
            return desktop;
        }

        try
        {
            desktop = open();
            Problem = null;
            Opened?.Invoke(now);
            log.Info($"watching X display {desktop.Name}");
        }
        catch (X11UnavailableException e)
        {
            Problem = e.Message;
            nextTry = now + Max(TimeSpan.FromSeconds(10), clock.Scale(TimeSpan.FromSeconds(2)));
            log.Warn($"no X display: {e.Message}");
        }

        return desktop;
    }

    /// <summary>Runs an X call; a lost display pauses tracking instead of failing.</summary>
    public T? Guard<T>(DateTimeOffset now, Func<TrackedDesktop, T> call)
        where T : class
    {
        if (desktop is null)
        {
            return null;
        }

        try
        {
            return call(desktop);
        }
        catch (X11UnavailableException e)
        {
            log.Warn($"X display lost: {e.Message}");
            Problem = e.Message;
            desktop.Dispose();
            desktop = null;
            nextTry = now;
            lost(now);
            return null;
        }
    }

    public TimeSpan? Guard(DateTimeOffset now, Func<TrackedDesktop, TimeSpan> call) =>
        Guard(now, d => (object)call(d)) is TimeSpan value ? value : null;

    public void Guard(DateTimeOffset now, Action<TrackedDesktop> call) => Guard(now, d =>
    {
        call(d);
        return (object)true;
    });

    public void Dispose() => desktop?.Dispose();
}
