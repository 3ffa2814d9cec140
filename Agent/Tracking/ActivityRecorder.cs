using LiveTracker.Agent.Outbox;
using static LiveTracker.Agent.Tracking.Moments;

namespace LiveTracker.Agent.Tracking;

/// <summary>
/// Keyboard and mouse activity per minute. The X input counter keeps how many key presses, clicks and scroll steps
/// each minute had; the recorder drains the minutes that have ended and writes those with any input to the outbox
/// for the tracked contract. Input while not tracking, before tracking started and during an idle pause is taken
/// out of the counter and dropped, never attributed.
/// </summary>
internal sealed class ActivityRecorder
{
    private readonly DesktopConnection display;
    private readonly Outbox.Outbox outbox;
    private readonly AgentClock clock;
    private readonly Uploader uploader;
    private DateTimeOffset lastDrain;

    public ActivityRecorder(DesktopConnection display, Outbox.Outbox outbox, AgentClock clock, Uploader uploader)
    {
        this.display = display;
        this.outbox = outbox;
        this.clock = clock;
        this.uploader = uploader;
        // A new display's counter starts empty: the next drop while not tracking is a minute from then.
        display.Opened += now => lastDrain = now;
    }

    /// <summary>Writes the counts of the minutes that ended before <paramref name="before"/> for the contract.</summary>
    public void Record(string contractId, DateTimeOffset before)
    {
        var minutes = display.Guard(clock.GetUtcNow(), d => d.DrainMinutes(before));
        if (minutes is null)
        {
            return;
        }

        foreach (var (minute, counts) in minutes)
        {
            if (counts.Keystrokes + counts.Clicks + counts.ScrollSteps > 0)
            {
                outbox.AddMinute(contractId, minute, counts.Keystrokes, counts.Clicks, counts.ScrollSteps);
            }
        }

        if (minutes.Count > 0)
        {
            uploader.Wake();
        }
    }

    /// <summary>Input before tracking started is not this session's.</summary>
    public void DropBefore(DateTimeOffset now) => display.Guard(now, d => d.DrainMinutes(Minute(now)));

    /// <summary>Input while not tracking is never attributed: drop it each minute.</summary>
    public void DropWhileOff(DateTimeOffset now)
    {
        if (display.IsOpen && now - lastDrain >= TimeSpan.FromMinutes(1))
        {
            display.Guard(now, d => d.DrainMinutes(now));
            lastDrain = now;
        }
    }

    /// <summary>The input that ended an idle pause, and the idle span's, is not tracked either.</summary>
    public void DropIdleSpan(DateTimeOffset now) => display.Guard(now, d => d.DrainMinutes(now.AddMinutes(1)));
}
