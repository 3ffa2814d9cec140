using LiveTracker.Agent.Desktop;
using LiveTracker.Agent.Local;
using LiveTracker.Agent.Outbox;
using LiveTracker.Agent.Server;
using static LiveTracker.Agent.Tracking.Moments;

namespace LiveTracker.Agent.Tracking;

/// <summary>
/// The tracker: the state machine that turns tracking on and off (<see cref="TrackerStatus"/>), and the tick loop that
/// drives its parts. Each part holds its own state: <see cref="ActivityRecorder"/> (input counts per minute),
/// <see cref="CaptureScheduler"/> (when the segment's capture is due) and <see cref="CaptureTaker"/> (taking it),
/// <see cref="IdleWatcher"/> (what happens on idle), <see cref="DesktopConnection"/> (the X display, and losing it),
/// <see cref="SessionSync"/> (keeping the server's session in step), <see cref="ContractList"/> and <see cref="SignIn"/>.
/// The commands are in Tracker.Commands.cs. All state changes happen under one lock, from the command handlers
/// (control page, command line) and the tick loop; everything worth keeping goes to the <see cref="Outbox"/> first,
/// and the <see cref="Uploader"/> sends it.
/// </summary>
public sealed partial class Tracker : IDisposable
{
    private readonly AgentClock clock;
    private readonly AgentPaths paths;
    private readonly Outbox.Outbox outbox;
    private readonly AgentLog log;
    private readonly Notifications notifications;
    private readonly SemaphoreSlim gate = new(1, 1);
    private readonly Signal wake = new();
    private readonly SignIn signIn;
    private readonly ContractList contracts;
    private readonly DesktopConnection display;
    private readonly ActivityRecorder activity;
    private readonly CaptureScheduler captures;
    private readonly CaptureTaker camera;
    private readonly IdleWatcher idle;
    private readonly MemoryRelease memory = new();
    private readonly SessionSync sync;

    private AgentSettings settings;
    private TrackerStatus status;
    private TrackingSession? session;
    private string? memoQuestion;
    private string? notice;
    private DateTimeOffset? displayLostAt;

    public Tracker(
        AgentClock clock, AgentPaths paths, Outbox.Outbox outbox, AgentLog log, DesktopNotifier notifier, Func<TrackedDesktop> openDesktop,
        Random? random = null)
    {
        this.clock = clock;
        this.paths = paths;
        this.outbox = outbox;
        this.log = log;
        settings = AgentSettings.Load(paths);
        signIn = new SignIn(paths, log);
        contracts = new ContractList(outbox, clock, () => signIn.Server);
        Uploader = new Uploader(outbox, () => signIn.Server, clock, log, Tell);
        notifications = new Notifications(notifier, clock);
        display = new DesktopConnection(openDesktop, clock, log, lost: LoseDisplay);
        activity = new ActivityRecorder(display, outbox, clock, Uploader);
        captures = new CaptureScheduler(outbox, random ?? new Random());
        camera = new CaptureTaker(display, outbox, paths, log, Uploader, notifications, memory, key => DiscardAsync(key, CancellationToken.None));
        idle = new IdleWatcher(display, activity, clock, log, notifications, keepWorking => AnswerIdleAsync(keepWorking, CancellationToken.None));
        sync = new SessionSync(this, signIn, contracts, Uploader, clock, log);
        LoadCredentials();
    }

    public Uploader Uploader { get; }

    /// <summary>The device id the server's session is kept for (a setting).</summary>
    internal string DeviceId => settings.DeviceId;

    private ServerClient? Server => signIn.Server;

    /// <summary>The tick loop, the uploader and the server sync, until cancelled; then tracking state is saved.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        await gate.WaitAsync(cancellationToken);
        try
        {
            Restore(clock.GetUtcNow());
        }
        finally
        {
            gate.Release();
        }

        var upload = Uploader.RunAsync(cancellationToken);
        var syncing = sync.RunAsync(cancellationToken);
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                TimeSpan pause;
                await gate.WaitAsync(cancellationToken);
                try
                {
                    pause = Tick(clock.GetUtcNow());
                }
                finally
                {
                    gate.Release();
                }

                await wake.WaitAsync(pause, clock, cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }

        await Task.WhenAll(upload, syncing);
    }

    /// <summary>
    /// A clean stop (logout, shutdown, service restart): the current minute goes to the outbox, the server's session
    /// is stopped, and what is due is sent once more. The session is kept, so a restart within the idle timeout resumes.
    /// </summary>
    public async Task ShutdownAsync(CancellationToken cancellationToken)
    {
        TrackingSession? current;
        await gate.WaitAsync(cancellationToken);
        try
        {
            var now = clock.GetUtcNow();
            if (session is not null && status == TrackerStatus.Tracking)
            {
                activity.Record(session.ContractId, Minute(now).AddMinutes(1));
                session = session with { LastTick = now };
                Save();
            }

            current = session;
        }
        finally
        {
            gate.Release();
        }

        try
        {
            if (current is not null && Server is { } client)
            {
                _ = await client.StopAsync(current.ContractId, settings.DeviceId, cancellationToken);
            }

            _ = await Uploader.SendDueAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            log.Warn("stopped before everything was sent; the rest goes at the next start");
        }
    }

    /// <inheritdoc cref="SessionSync.SyncOnceAsync"/>
    public Task SyncOnceAsync(CancellationToken cancellationToken) => sync.SyncOnceAsync(cancellationToken);

    // ---------------------------------------------------------------- the tick

    private TimeSpan Tick(DateTimeOffset now)
    {
        memory.IfDue(now);
        var poll = Max(TimeSpan.FromSeconds(5), clock.Scale(TimeSpan.FromMilliseconds(250)));
        switch (status)
        {
            case TrackerStatus.Tracking:
                return TickTracking(now, poll);
            case TrackerStatus.IdlePaused:
                idle.WatchForReturn(now);
                return poll;
            case TrackerStatus.DisplayLost:
                TickDisplayLost(now);
                return poll;
            default:
                activity.DropWhileOff(now);
                return TimeSpan.FromMinutes(1);
        }
    }

    private TimeSpan TickTracking(DateTimeOffset now, TimeSpan poll)
    {
        var current = session!;
        if (!display.IsOpen && display.Ensure(now) is null)
        {
            LoseDisplay(now);
            return poll;
        }

        activity.Record(current.ContractId, Minute(now));
        if (status != TrackerStatus.Tracking)
        {
            return poll;
        }

        // Starting (or resuming) tracking is itself the freelancer at the computer, even from a script.
        var idleFor = idle.IdleFor(now, current.StartedAt);
        if (idleFor is null)
        {
            return poll;
        }

        if (idleFor.Value >= TimeSpan.FromMinutes(contracts.IdleMinutes(current.ContractId)))
        {
            PauseForIdle(now, now - idleFor.Value);
            return poll;
        }

        var segments = contracts.SegmentMinutes(current.ContractId);
        if (captures.IsNewSegment(now, segments))
        {
            // A new segment (or the machine slept through some): one random moment in what is left of this one.
            PlanCapture(now, segments);
        }

        if (captures.IsDue(now))
        {
            // Tried once: a capture the display failed is not taken again in this segment.
            captures.Cancel();
            camera.Take(now, current, captures.SegmentStart, settings);
        }

        if (settings.MemoReminderMinutes > 0 && memoQuestion is null
            && now - (current.LastMemoCheck ?? current.StartedAt) >= TimeSpan.FromMinutes(settings.MemoReminderMinutes))
        {
            AskMemo(current, now);
        }

        if (now - current.LastTick >= TimeSpan.FromMinutes(1))
        {
            session = current with { LastTick = now };
            Save();
        }

        var next = Min(Minute(now).AddMinutes(1), now + poll);
        if (captures.Due is { } due)
        {
            next = Min(next, due);
        }

        return Max(next - now, TimeSpan.FromMilliseconds(1));
    }

    /// <summary>The display came back: tracking resumes if it was gone no longer than the idle timeout, else it stops.</summary>
    private void TickDisplayLost(DateTimeOffset now)
    {
        if (session is null || display.Ensure(now) is null)
        {
            return;
        }

        if (now - (displayLostAt ?? now) <= TimeSpan.FromMinutes(contracts.IdleMinutes(session.ContractId)))
        {
            log.Info("display is back; tracking resumes");
            status = TrackerStatus.Tracking;
            sync.Confirmed = false;
            notice = null;
            PlanCapture(now, contracts.SegmentMinutes(session.ContractId));
        }
        else
        {
            EndSession(now);
            notice = $"Tracking stopped: the display was gone from {LocalTime(displayLostAt!.Value)} for longer than the idle timeout.";
        }

        displayLostAt = null;
        sync.Soon();
    }

    private void PlanCapture(DateTimeOffset now, int segmentMinutes) => captures.Plan(session?.ContractId, now, segmentMinutes);

    private void AskMemo(TrackingSession current, DateTimeOffset now)
    {
        memoQuestion = $"Still working on \"{current.Memo}\"?";
        session = current with { LastMemoCheck = now };
        Save();
        notifications.Show("LiveTracker", memoQuestion + " Change the memo in the tracker if not.", null, TimeSpan.FromMinutes(2), [("yes", "Yes")],
            action => _ = action == "yes" ? AnswerMemoQuestionAsync(CancellationToken.None) : Task.FromResult(CommandResult.Done("")));
    }

    // ---------------------------------------------------------------- state

    private void Begin(TrackingSession started, DateTimeOffset now)
    {
        session = started;
        status = TrackerStatus.Tracking;
        idle.Clear();
        memoQuestion = null;
        activity.DropBefore(now);
        PlanCapture(now, contracts.SegmentMinutes(started.ContractId));
        if (settings.ContractId != started.ContractId)
        {
            settings = settings with { ContractId = started.ContractId };
            settings.Save(paths);
        }

        outbox.Set("memo:" + started.ContractId, started.Memo);
        Save();
        log.Info($"tracking on {started.ContractId}");
        sync.Soon();
    }

    /// <summary>Idle for the contract's timeout (see <see cref="IdleWatcher"/>): the minutes so far are kept, then tracking pauses.</summary>
    private void PauseForIdle(DateTimeOffset now, DateTimeOffset idleSince)
    {
        var current = session!;
        activity.Record(current.ContractId, Minute(now).AddMinutes(1));
        status = TrackerStatus.IdlePaused;
        captures.Cancel();
        idle.Paused(now, idleSince, current.Memo);
        session = current with { LastTick = now, PausedForIdle = true };
        Save();
        log.Info($"idle since {idleSince:HH:mm}: tracking paused");
        notice = $"Paused: no keyboard or mouse input since {LocalTime(idleSince)}.";
        sync.Soon();
    }

    private void LoseDisplay(DateTimeOffset now)
    {
        // Only tracking pauses for a lost display; an idle pause stays one (it still waits for "keep working?").
        if (status == TrackerStatus.Tracking && session is not null)
        {
            status = TrackerStatus.DisplayLost;
            displayLostAt = now;
            captures.Cancel();
            notice = $"Paused: {display.Problem}";
            sync.Soon();
        }
    }

    private void EndSession(DateTimeOffset now)
    {
        if (session is not null && status == TrackerStatus.Tracking && display.IsOpen)
        {
            activity.Record(session.ContractId, Minute(now).AddMinutes(1));
        }

        log.Info(session is null ? "tracking off" : $"tracking off on {session.ContractId} after {Duration(now - session.StartedAt)}");
        session = null;
        status = TrackerStatus.Off;
        captures.Cancel();
        idle.Clear();
        memoQuestion = null;
        Save();
        sync.Soon();
    }

    /// <summary>At start: the saved session resumes if the agent was gone no longer than the idle timeout.</summary>
    private void Restore(DateTimeOffset now)
    {
        var saved = outbox.Get<TrackingSession>("session");
        if (saved is null)
        {
            return;
        }

        if (saved.PausedForIdle)
        {
            notice = $"Tracking was paused for idle at {LocalTime(saved.LastTick)} when the agent closed; start again when you are back.";
            outbox.Set<TrackingSession>("session", null);
        }
        else if (now - saved.LastTick <= TimeSpan.FromMinutes(contracts.IdleMinutes(saved.ContractId)))
        {
            session = saved;
            status = TrackerStatus.Tracking;
            sync.Confirmed = false;
            log.Info($"restarted: tracking on {saved.ContractId} resumes");
            if (display.Ensure(now) is null)
            {
                LoseDisplay(now);
            }
            else
            {
                PlanCapture(now, contracts.SegmentMinutes(saved.ContractId));
            }
        }
        else
        {
            notice = $"Tracking stopped at {LocalTime(saved.LastTick)} when the agent closed.";
            log.Info($"restarted long after the last tick ({saved.LastTick:O}): tracking stays off");
            outbox.Set<TrackingSession>("session", null);
        }

        sync.Soon();
    }

    private void Save() => outbox.Set("session", session);

    // ---------------------------------------------------------------- for the session sync

    /// <summary>Picks up a new sign-in (or a sign-out) written by `login`/`logout` while the agent runs.</summary>
    internal void LoadCredentials()
    {
        _ = signIn.Reload(() =>
        {
            contracts.Forget();
            notice = null;
            if (signIn.Server is not null)
            {
                Uploader.SignedIn();
            }
        });

        if (signIn.Credentials is null && session is { } current)
        {
            // Signed out while tracking: nothing more is recorded for an account that is gone from this computer.
            _ = StopHereAsync(current, "Signed out: tracking stopped. Sign in again to track.", CancellationToken.None);
        }
    }

    /// <summary>What the server's session should be: the session if tracking, the contract, whether the server confirmed it.</summary>
    internal async Task<(TrackingSession? Wanted, string? ContractId, bool Confirmed)> SnapshotAsync(CancellationToken cancellationToken)
    {
        await gate.WaitAsync(cancellationToken);
        try
        {
            return (status == TrackerStatus.Tracking ? session : null, session?.ContractId ?? settings.ContractId, sync.Confirmed);
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>Ends tracking here for a reason found at the server, unless the session changed meanwhile.</summary>
    internal async Task StopHereAsync(TrackingSession wanted, string why, CancellationToken cancellationToken)
    {
        await gate.WaitAsync(cancellationToken);
        try
        {
            if (session?.StartedAt == wanted.StartedAt && session.ContractId == wanted.ContractId)
            {
                EndSession(clock.GetUtcNow());
                Tell(why);
            }
        }
        finally
        {
            gate.Release();
        }
    }

    private void Tell(string message)
    {
        notice = message;
        notifications.Show("LiveTracker", message, null, TimeSpan.FromMinutes(1), [], _ => { });
    }

    public void Dispose()
    {
        display.Dispose();
        signIn.Dispose();
        gate.Dispose();
    }
}
