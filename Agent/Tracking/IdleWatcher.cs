using LiveTracker.Agent.Local;
using static LiveTracker.Agent.Tracking.Moments;

namespace LiveTracker.Agent.Tracking;

/// <summary>
/// What happens on idle (ADR 0007). While tracking, the X server's idle time (scaled to the agent's clock) is
/// measured each tick; starting or resuming counts as presence, so it is never longer than the session. Once it
/// reaches the contract's idle timeout the tracker pauses (<c>Tracker.PauseForIdle</c>: the minutes so far are kept,
/// the capture is cancelled, the server session is stopped) and this watcher holds the <see cref="IdlePrompt"/>. On
/// the first input after that it asks "keep working?" (notification, control page, <c>livetracker-agent idle</c>);
/// the idle span is never tracked: its input is dropped, and keeping on starts a new session from the answer.
/// </summary>
internal sealed class IdleWatcher(
    DesktopConnection display, ActivityRecorder activity, AgentClock clock, AgentLog log, Notifications notifications,
    Func<bool, Task<CommandResult>> answer)
{
    /// <summary>The question of the current idle pause; null when not paused for idle (or answered).</summary>
    public IdlePrompt? Prompt { get; private set; }

    /// <summary>How long nobody has used keyboard or mouse, at most since <paramref name="presentAt"/>; null if the display is lost.</summary>
    public TimeSpan? IdleFor(DateTimeOffset now, DateTimeOffset presentAt) => display.Guard(now, d => Min(clock.Scale(d.Idle()), now - presentAt));

    /// <summary>Tracking paused for idle: from now on the watcher waits for the freelancer to come back.</summary>
    public void Paused(DateTimeOffset now, DateTimeOffset idleSince, string memo) =>
        Prompt = new IdlePrompt(idleSince, null, (int)(now - idleSince).TotalMinutes, memo);

    /// <summary>During an idle pause: on the first input, drops the idle span's input and asks whether to keep working.</summary>
    public void WatchForReturn(DateTimeOffset now)
    {
        if (Prompt is not { ReturnedAt: null } prompt)
        {
            return;
        }

        if (display.Guard(now, d => clock.Scale(d.Idle())) is { } idle && idle < TimeSpan.FromMinutes(1))
        {
            activity.DropIdleSpan(now);
            var returned = now - idle;
            var asked = prompt with { ReturnedAt = returned, IdleMinutes = (int)Math.Round((returned - prompt.IdleSince).TotalMinutes) };
            Prompt = asked;
            var question = $"You were idle for {asked.IdleMinutes} min (since {LocalTime(prompt.IdleSince)}). Keep tracking \"{prompt.Memo}\"?";
            log.Info($"back after {asked.IdleMinutes} idle minutes; asking whether to keep working");
            notifications.Show("Welcome back — keep working?", question, null, TimeSpan.FromMinutes(10), [("keep", "Keep working"), ("stop", "Stop tracking")],
                key => _ = key switch
                {
                    "keep" => answer(true),
                    "stop" => answer(false),
                    _ => Task.FromResult(CommandResult.Done("")),
                });
        }
    }

    /// <summary>No question any more: answered, tracking stopped or started again.</summary>
    public void Clear() => Prompt = null;
}
