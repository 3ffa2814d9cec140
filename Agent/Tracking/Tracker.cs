using System.Globalization;
using LiveTracker.Agent.Desktop;
using LiveTracker.Agent.Local;
using LiveTracker.Agent.Outbox;
using LiveTracker.Agent.Server;
using LiveTracker.Agent.X11;

namespace LiveTracker.Agent.Tracking;

/// <summary>
/// The tracker: turns tracking on and off, counts input each minute, takes one capture at a random moment in
/// each segment, pauses on idle and when the display goes away, and keeps the server's session in step. All
/// state changes happen under one lock, from the command handlers (control page, command line) and the tick
/// loop; everything worth keeping goes to the <see cref="Outbox"/> first, and the <see cref="Uploader"/> sends it.
/// </summary>
public sealed class Tracker : IDisposable
{
    private const int DefaultIdleMinutes = 24;
    private static readonly TimeSpan ReleaseEvery = TimeSpan.FromMinutes(10);
    private readonly AgentClock clock;
    private readonly AgentPaths paths;
    private readonly Outbox.Outbox outbox;
    private readonly AgentLog log;
    private readonly DesktopNotifier notifier;
    private readonly Func<TrackedDesktop> openDesktop;
    private readonly Random random;
    private readonly SemaphoreSlim gate = new(1, 1);
    private readonly Signal wake = new();
    private readonly Signal syncNow = new();
    private readonly Lock serverGate = new();

    private Credentials? credentials;
    private DateTime credentialsWritten;
    private ServerClient? server;
    private AgentSettings settings;
    private TrackerStatus status;
    private TrackingSession? session;
    private IdlePrompt? idlePrompt;
    private string? memoQuestion;
    private string? notice;
    private TrackedDesktop? desktop;
    private string? displayProblem;
    private DateTimeOffset nextDesktopTry;
    private DateTimeOffset? displayLostAt;
    private DateTimeOffset segmentStart;
    private DateTimeOffset? captureAt;
    private IReadOnlyList<ContractInfo> contracts;
    private DateTimeOffset contractsAt;
    private TrackingInfo? totals;
    private DateTimeOffset? totalsAt;
    private DateTimeOffset lastDrain;
    private DateTimeOffset lastRelease;

    // Whether the server has confirmed this session since it began here: a session the server then reports
    // stopped by someone (the web page, another tool) stops here too; one never confirmed is started there.
    private bool serverSessionConfirmed;

    public Tracker(
        AgentClock clock, AgentPaths paths, Outbox.Outbox outbox, AgentLog log, DesktopNotifier notifier, Func<TrackedDesktop> openDesktop,
        Random? random = null)
    {
        this.clock = clock;
        this.paths = paths;
        this.outbox = outbox;
        this.log = log;
        this.notifier = notifier;
        this.openDesktop = openDesktop;
        this.random = random ?? new Random();
        settings = AgentSettings.Load(paths);
        contracts = outbox.Get<List<ContractInfo>>("contracts") ?? [];
        Uploader = new Uploader(outbox, () => server, clock, log, Tell);
        LoadCredentials();
    }

    public Uploader Uploader { get; }

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
        var sync = SyncLoopAsync(cancellationToken);
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

        await Task.WhenAll(upload, sync);
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
                SaveMinutes(session.ContractId, Minute(now).AddMinutes(1));
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
            if (current is not null && server is { } client)
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

    // ---------------------------------------------------------------- commands

    public Task<CommandResult> StartAsync(string? contractId, string? memo, string? activityLabel, bool takeOver, CancellationToken cancellationToken) =>
        LockedAsync(async () =>
        {
            var now = clock.GetUtcNow();
            if (server is null)
            {
                return CommandResult.Refused("Sign in first: livetracker-agent login --server https://your-server", "signed-out");
            }

            if (Uploader.SignedOut)
            {
                return CommandResult.Refused(Uploader.Trouble ?? "Signed out: run livetracker-agent login again.", "signed-out");
            }

            if (EnsureDesktop(now) is null)
            {
                return CommandResult.Refused($"Cannot track without the X display: {displayProblem}", "no-display");
            }

            var id = contractId ?? (session?.ContractId) ?? settings.ContractId
                ?? (contracts.Where(c => c.Kind == "hourly" && !c.Ended).ToList() is [var only] ? only.ContractId : null);
            if (id is null)
            {
                return CommandResult.Refused("Choose a contract first (livetracker-agent contracts, then livetracker-agent use ID).", "no-contract");
            }

            var contract = await FindContractAsync(id, cancellationToken);
            if (contract is null)
            {
                return CommandResult.Refused($"No contract {id} among yours (livetracker-agent contracts lists them).", "not-found");
            }

            if (contract.Kind != "hourly" || contract.Ended)
            {
                return CommandResult.Refused(contract.Ended
                    ? $"\"{contract.Title}\" has ended: no more time can be tracked on it."
                    : $"\"{contract.Title}\" is fixed-price: its work is paid by milestone, not tracked by the hour.", contract.Ended ? "contract-ended" : "not-hourly");
            }

            var text = memo ?? (session?.ContractId == id ? session.Memo : null) ?? outbox.Get<string>("memo:" + id) ?? "";
            var label = activityLabel ?? (session?.ContractId == id ? session.ActivityLabel : null);
            var answer = await server.StartAsync(id, text, label, settings.DeviceId, takeOver, cancellationToken);
            if (!answer.IsOk && !answer.Retry)
            {
                return answer.Code == "session-active-elsewhere"
                    ? CommandResult.Refused($"Tracking is on at another computer: {answer.Message} Take over with --take-over (or the Take over button).", answer.Code)
                    : CommandResult.Refused(answer.Message, answer.Code ?? answer.Kind.ToString().ToLowerInvariant());
            }

            if (session is not null && session.ContractId != id)
            {
                EndSession(now);
            }

            Begin(new TrackingSession(id, text, label, now, now), now);
            serverSessionConfirmed = answer.IsOk;
            notice = answer.IsOk ? null : $"Offline: tracking here, uploads will follow when the server answers ({answer.Message}).";
            var word = string.IsNullOrWhiteSpace(text) ? " (no memo: this time is not protected)" : "";
            return CommandResult.Done($"Tracking \"{contract.Title}\": {text}{word}");
        }, cancellationToken);

    public Task<CommandResult> StopAsync(CancellationToken cancellationToken) =>
        LockedAsync(async () =>
        {
            var now = clock.GetUtcNow();
            idlePrompt = null;
            if (session is null)
            {
                status = TrackerStatus.Off;
                return CommandResult.Done("Not tracking.");
            }

            var ended = session;
            EndSession(now);
            notice = null;
            if (server is not null)
            {
                _ = await server.StopAsync(ended.ContractId, settings.DeviceId, cancellationToken);
            }

            return CommandResult.Done($"Stopped. This session: {Duration(now - ended.StartedAt)}.");
        }, cancellationToken);

    public Task<CommandResult> MemoAsync(string memo, string? activityLabel, CancellationToken cancellationToken) =>
        LockedAsync(async () =>
        {
            if (memo.Length > 1000 || activityLabel?.Length > 100)
            {
                return CommandResult.Refused("A memo is at most 1000 characters, an activity label at most 100.", "invalid-memo");
            }

            memoQuestion = null;
            if (session is null)
            {
                if (settings.ContractId is { } next)
                {
                    outbox.Set("memo:" + next, memo);
                }

                return CommandResult.Done($"Memo for the next session: {memo}");
            }

            session = session with { Memo = memo, ActivityLabel = activityLabel ?? session.ActivityLabel, LastMemoCheck = clock.GetUtcNow() };
            Save();
            outbox.Set("memo:" + session.ContractId, memo);
            if (status == TrackerStatus.Tracking && server is not null)
            {
                var answer = await server.MemoAsync(session.ContractId, memo, session.ActivityLabel, cancellationToken);
                if (!answer.IsOk)
                {
                    log.Warn($"memo not sent now ({answer.Message}); captures carry it anyway");
                }
            }

            return CommandResult.Done($"Memo: {memo}");
        }, cancellationToken);

    public Task<CommandResult> UseAsync(string contractId, CancellationToken cancellationToken) =>
        LockedAsync(async () =>
        {
            if (await FindContractAsync(contractId, cancellationToken) is not { } contract)
            {
                return CommandResult.Refused($"No contract {contractId} among yours.", "not-found");
            }

            settings = settings with { ContractId = contract.ContractId };
            settings.Save(paths);
            return CommandResult.Done($"Contract: {contract.Title} ({contract.Kind})");
        }, cancellationToken);

    /// <summary>
    /// Discards a capture: before upload it is simply never sent (the uploader deletes it on the server should its upload
    /// already be on the way); after, it is deleted on the server, now or, offline, as soon as the server answers.
    /// </summary>
    public Task<CommandResult> DiscardAsync(string key, CancellationToken cancellationToken) =>
        LockedAsync(async () =>
        {
            var capture = outbox.Capture(key);
            switch (capture?.State)
            {
                case null:
                    return CommandResult.Refused($"No capture {key}.", "not-found");
                case CaptureState.Waiting:
                    _ = outbox.Discard(key);
                    log.Info($"capture {key} discarded before upload");
                    Uploader.Wake();
                    return CommandResult.Done($"Discarded the capture of {Local(capture.CapturedAt)}; that segment's time is dropped.");
                case CaptureState.Sent when server is null:
                    return CommandResult.Refused("Sign in first: deleting an uploaded capture needs the server.", "signed-out");
                case CaptureState.Sent:
                    var answer = await server.DeleteScreenshotAsync(capture.ScreenshotId!, cancellationToken);
                    if (answer.IsOk || answer.Code == "not-found")
                    {
                        _ = outbox.Discard(key);
                        outbox.MarkDeleted(key);
                        log.Info($"capture {key} deleted on the server");
                        return CommandResult.Done($"Deleted the capture of {Local(capture.CapturedAt)}; that segment's time is removed.");
                    }

                    if (answer.Retry)
                    {
                        _ = outbox.Discard(key);
                        Uploader.Wake();
                        return CommandResult.Done($"The server cannot be reached; the capture of {Local(capture.CapturedAt)} will be deleted as soon as it can.");
                    }

                    return CommandResult.Refused($"Could not delete it: {answer.Message}", answer.Code);
                case CaptureState.Deleting:
                    return CommandResult.Done("Being deleted on the server.");
                case CaptureState.Discarded:
                    return CommandResult.Done("Already discarded.");
                default:
                    return CommandResult.Refused($"That capture was not uploaded: {capture.Problem}", "not-uploaded");
            }
        }, cancellationToken);

    /// <summary>The answer to "keep working?" after an idle pause.</summary>
    public async Task<CommandResult> AnswerIdleAsync(bool keepWorking, CancellationToken cancellationToken)
    {
        TrackingSession? resume;
        await gate.WaitAsync(cancellationToken);
        try
        {
            if (idlePrompt is null || session is null)
            {
                return CommandResult.Refused("There is no idle question to answer.", "no-question");
            }

            resume = session;
            idlePrompt = null;
            notice = null;
            if (!keepWorking)
            {
                EndSession(clock.GetUtcNow());
                return CommandResult.Done("Stopped; the idle time was not tracked.");
            }
        }
        finally
        {
            gate.Release();
        }

        return await StartAsync(resume.ContractId, resume.Memo, resume.ActivityLabel, takeOver: false, cancellationToken);
    }

    public Task<CommandResult> AnswerMemoQuestionAsync(CancellationToken cancellationToken) =>
        LockedAsync(() =>
        {
            memoQuestion = null;
            if (session is null)
            {
                return Task.FromResult(CommandResult.Done("Not tracking."));
            }

            session = session with { LastMemoCheck = clock.GetUtcNow() };
            Save();
            return Task.FromResult(CommandResult.Done($"Still working on \"{session.Memo}\"."));
        }, cancellationToken);

    public Task<CommandResult> SetSettingAsync(string key, string value, CancellationToken cancellationToken) =>
        LockedAsync(() =>
        {
            if (key == "deviceId" && session is not null)
            {
                return Task.FromResult(CommandResult.Refused("Stop tracking before renaming this computer.", "tracking"));
            }

            try
            {
                settings = settings.With(key, value);
            }
            catch (SettingsException e)
            {
                return Task.FromResult(CommandResult.Refused(e.Message, "invalid-setting"));
            }

            settings.Save(paths);
            log.Info($"setting {key} changed");
            return Task.FromResult(CommandResult.Done($"{key} = {settings.ValueOf(key)}"));
        }, cancellationToken);

    public Task<CommandResult> ReportProblemAsync(string description, CancellationToken cancellationToken) =>
        LockedAsync(async () =>
        {
            if (string.IsNullOrWhiteSpace(description) || description.Length > 4000)
            {
                return CommandResult.Refused("Describe the problem in 1 to 4000 characters.", "invalid-report");
            }

            if (server is null)
            {
                return CommandResult.Refused("Sign in first to send a report.", "signed-out");
            }

            var answer = await server.ReportAsync("problem", description, log.Recent(), cancellationToken);
            return answer.IsOk
                ? CommandResult.Done($"Sent (report {answer.Value!.ReportId}). Thank you; the operators will look at it with the agent's recent log.")
                : CommandResult.Refused($"Not sent: {answer.Message}", answer.Code);
        }, cancellationToken);

    /// <summary>Reads the contracts from the server now (they are also kept for working offline).</summary>
    public Task<CommandResult> RefreshContractsAsync(CancellationToken cancellationToken) =>
        LockedAsync(async () =>
        {
            var answer = await LoadContractsAsync(cancellationToken);
            return answer is null ? CommandResult.Done($"{contracts.Count} contracts") : CommandResult.Refused(answer, "unreachable");
        }, cancellationToken);

    public async Task<TrackerView> ViewAsync(CancellationToken cancellationToken)
    {
        await gate.WaitAsync(cancellationToken);
        try
        {
            return View(clock.GetUtcNow());
        }
        finally
        {
            gate.Release();
        }
    }

    public Task<byte[]?> ThumbnailAsync(string key) => Task.FromResult(outbox.Thumbnail(key));

    // ---------------------------------------------------------------- the tick

    private TimeSpan Tick(DateTimeOffset now)
    {
        // Memory goes back to the system after each capture; with no capture (not tracking, an idle pause) every ten
        // minutes all the same, or a day signed in but not tracking would let the small garbage of the session syncs
        // fill the GC's first generation, whose budget the runtime sizes from the CPU cache (tens of MB on some).
        if (now - lastRelease >= ReleaseEvery)
        {
            Release(now);
        }

        var poll = Max(TimeSpan.FromSeconds(5), clock.Scale(TimeSpan.FromMilliseconds(250)));
        switch (status)
        {
            case TrackerStatus.Tracking:
                return TickTracking(now, poll);
            case TrackerStatus.IdlePaused:
                TickIdle(now);
                return poll;
            case TrackerStatus.DisplayLost:
                TickDisplayLost(now);
                return poll;
            default:
                // Input while not tracking is never attributed: drop it each minute.
                if (desktop is not null && now - lastDrain >= TimeSpan.FromMinutes(1))
                {
                    Guard(now, d => d.DrainMinutes(now));
                    lastDrain = now;
                }

                return TimeSpan.FromMinutes(1);
        }
    }

    private TimeSpan TickTracking(DateTimeOffset now, TimeSpan poll)
    {
        var current = session!;
        if (desktop is null && EnsureDesktop(now) is null)
        {
            LoseDisplay(now);
            return poll;
        }

        SaveMinutes(current.ContractId, Minute(now));
        if (status != TrackerStatus.Tracking)
        {
            return poll;
        }

        // Starting (or resuming) tracking is itself the freelancer at the computer, even from a script.
        var idle = Guard(now, d => Min(clock.Scale(d.Idle()), now - current.StartedAt));
        if (idle is null)
        {
            return poll;
        }

        if (idle.Value >= TimeSpan.FromMinutes(IdleMinutes(current.ContractId)))
        {
            PauseForIdle(now, now - idle.Value);
            return poll;
        }

        var segments = SegmentMinutes(current.ContractId);
        if (SegmentSchedule.StartOf(now, segments) != segmentStart)
        {
            // A new segment (or the machine slept through some): one random moment in what is left of this one.
            ScheduleCapture(now, segments);
        }

        if (captureAt is { } at && now >= at)
        {
            TakeCapture(now, current);
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
        if (captureAt is { } due)
        {
            next = Min(next, due);
        }

        return Max(next - now, TimeSpan.FromMilliseconds(1));
    }

    private void TickIdle(DateTimeOffset now)
    {
        if (idlePrompt is not { ReturnedAt: null } prompt)
        {
            return;
        }

        if (Guard(now, d => clock.Scale(d.Idle())) is { } idle && idle < TimeSpan.FromMinutes(1))
        {
            Guard(now, d => d.DrainMinutes(now.AddMinutes(1)));
            var returned = now - idle;
            idlePrompt = prompt with { ReturnedAt = returned, IdleMinutes = (int)Math.Round((returned - prompt.IdleSince).TotalMinutes) };
            var question = $"You were idle for {idlePrompt.IdleMinutes} min (since {Local(prompt.IdleSince)}). Keep tracking \"{prompt.Memo}\"?";
            log.Info($"back after {idlePrompt.IdleMinutes} idle minutes; asking whether to keep working");
            Notify("Welcome back — keep working?", question, null, TimeSpan.FromMinutes(10), [("keep", "Keep working"), ("stop", "Stop tracking")],
                key => _ = key switch
                {
                    "keep" => AnswerIdleAsync(true, CancellationToken.None),
                    "stop" => AnswerIdleAsync(false, CancellationToken.None),
                    _ => Task.FromResult(CommandResult.Done("")),
                });
        }
    }

    private void TickDisplayLost(DateTimeOffset now)
    {
        if (session is null || EnsureDesktop(now) is null)
        {
            return;
        }

        if (now - (displayLostAt ?? now) <= TimeSpan.FromMinutes(IdleMinutes(session.ContractId)))
        {
            log.Info("display is back; tracking resumes");
            status = TrackerStatus.Tracking;
            serverSessionConfirmed = false;
            notice = null;
            ScheduleCapture(now, SegmentMinutes(session.ContractId));
        }
        else
        {
            EndSession(now);
            notice = $"Tracking stopped: the display was gone from {Local(displayLostAt!.Value)} for longer than the idle timeout.";
        }

        displayLostAt = null;
        syncNow.Set();
    }

    private void TakeCapture(DateTimeOffset now, TrackingSession current)
    {
        var shot = Guard(now, d => d.Grab(settings.Area, settings.JpegQuality, settings.MaxWidth, settings.Blur));
        captureAt = null;
        if (shot is null)
        {
            return;
        }

        var key = Guid.NewGuid().ToString("N");
        var uploadAfter = settings.NoticeBeforeUpload ? now.AddSeconds(settings.NoticeSeconds) : now;
        // The API takes an app name of up to 200 characters and a title of up to 1000; a longer one would get the capture refused.
        var meta = new CaptureMeta(now, key, Cut(shot.AppName, 200), Cut(shot.WindowTitle, 1000), shot.Black, current.Memo, current.ActivityLabel);
        outbox.AddCapture(current.ContractId, segmentStart, uploadAfter, meta, shot.Jpeg, shot.Thumbnail);
        // A capture is the agent's one big burst of memory: give it back now, not whenever the heaps next look.
        Release(now);
        log.Info($"capture {key} {shot.Width}x{shot.Height} {shot.Jpeg.Length} bytes{(shot.Black ? " (black screen)" : "")} for segment {segmentStart:HH:mm}");
        Uploader.Wake();
        if (settings.NoticeBeforeUpload && notifier.Available)
        {
            // The notification shows this capture's own thumbnail, removed once the notification is gone.
            string? thumb = Path.Combine(paths.DataDirectory, $"notice-{key}.jpg");
            try
            {
                PrivateFile.WriteBytes(thumb, shot.Thumbnail);
            }
            catch (IOException)
            {
                thumb = null;
            }

            Notify("Screenshot taken", $"Uploading in {settings.NoticeSeconds} s — discard it if it shows something private.", thumb,
                TimeSpan.FromSeconds(settings.NoticeSeconds), [("discard", "Discard")],
                action => _ = action == "discard" ? DiscardAsync(key, CancellationToken.None) : Task.FromResult(CommandResult.Done("")),
                () =>
                {
                    if (thumb is not null)
                    {
                        File.Delete(thumb);
                    }
                });
        }
    }

    private void ScheduleCapture(DateTimeOffset now, int segmentMinutes)
    {
        segmentStart = SegmentSchedule.StartOf(now, segmentMinutes);
        captureAt = session is not null && outbox.HasCapture(session.ContractId, segmentStart)
            ? null
            : SegmentSchedule.CaptureMoment(now, segmentMinutes, random);
    }

    private void AskMemo(TrackingSession current, DateTimeOffset now)
    {
        memoQuestion = $"Still working on \"{current.Memo}\"?";
        session = current with { LastMemoCheck = now };
        Save();
        Notify("LiveTracker", memoQuestion + " Change the memo in the tracker if not.", null, TimeSpan.FromMinutes(2), [("yes", "Yes")],
            action => _ = action == "yes" ? AnswerMemoQuestionAsync(CancellationToken.None) : Task.FromResult(CommandResult.Done("")));
    }

    private void PauseForIdle(DateTimeOffset now, DateTimeOffset idleSince)
    {
        var current = session!;
        SaveMinutes(current.ContractId, Minute(now).AddMinutes(1));
        status = TrackerStatus.IdlePaused;
        captureAt = null;
        idlePrompt = new IdlePrompt(idleSince, null, (int)(now - idleSince).TotalMinutes, current.Memo);
        session = current with { LastTick = now, PausedForIdle = true };
        Save();
        log.Info($"idle since {idleSince:HH:mm}: tracking paused");
        notice = $"Paused: no keyboard or mouse input since {Local(idleSince)}.";
        syncNow.Set();
    }

    private void LoseDisplay(DateTimeOffset now)
    {
        // Only tracking pauses for a lost display; an idle pause stays one (it still waits for "keep working?").
        if (status == TrackerStatus.Tracking && session is not null)
        {
            status = TrackerStatus.DisplayLost;
            displayLostAt = now;
            captureAt = null;
            notice = $"Paused: {displayProblem}";
            syncNow.Set();
        }
    }

    // ---------------------------------------------------------------- state

    private void Begin(TrackingSession started, DateTimeOffset now)
    {
        session = started;
        status = TrackerStatus.Tracking;
        idlePrompt = null;
        memoQuestion = null;
        // Input before tracking started is not this session's.
        Guard(now, d => d.DrainMinutes(Minute(now)));
        ScheduleCapture(now, SegmentMinutes(started.ContractId));
        if (settings.ContractId != started.ContractId)
        {
            settings = settings with { ContractId = started.ContractId };
            settings.Save(paths);
        }

        outbox.Set("memo:" + started.ContractId, started.Memo);
        Save();
        log.Info($"tracking on {started.ContractId}");
        syncNow.Set();
    }

    private void EndSession(DateTimeOffset now)
    {
        if (session is not null && status == TrackerStatus.Tracking && desktop is not null)
        {
            SaveMinutes(session.ContractId, Minute(now).AddMinutes(1));
        }

        log.Info(session is null ? "tracking off" : $"tracking off on {session.ContractId} after {Duration(now - session.StartedAt)}");
        session = null;
        status = TrackerStatus.Off;
        captureAt = null;
        idlePrompt = null;
        memoQuestion = null;
        Save();
        syncNow.Set();
    }

    private void Restore(DateTimeOffset now)
    {
        var saved = outbox.Get<TrackingSession>("session");
        if (saved is null)
        {
            return;
        }

        if (saved.PausedForIdle)
        {
            notice = $"Tracking was paused for idle at {Local(saved.LastTick)} when the agent closed; start again when you are back.";
            outbox.Set<TrackingSession>("session", null);
        }
        else if (now - saved.LastTick <= TimeSpan.FromMinutes(IdleMinutes(saved.ContractId)))
        {
            session = saved;
            status = TrackerStatus.Tracking;
            serverSessionConfirmed = false;
            log.Info($"restarted: tracking on {saved.ContractId} resumes");
            if (EnsureDesktop(now) is null)
            {
                LoseDisplay(now);
            }
            else
            {
                ScheduleCapture(now, SegmentMinutes(saved.ContractId));
            }
        }
        else
        {
            notice = $"Tracking stopped at {Local(saved.LastTick)} when the agent closed.";
            log.Info($"restarted long after the last tick ({saved.LastTick:O}): tracking stays off");
            outbox.Set<TrackingSession>("session", null);
        }

        syncNow.Set();
    }

    private void Save() => outbox.Set("session", session);

    private void SaveMinutes(string contractId, DateTimeOffset before)
    {
        var minutes = Guard(clock.GetUtcNow(), d => d.DrainMinutes(before));
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
            Uploader.Wake();
        }
    }

    private TrackedDesktop? EnsureDesktop(DateTimeOffset now)
    {
        if (desktop is not null || now < nextDesktopTry)
        {
            return desktop;
        }

        try
        {
            desktop = openDesktop();
            displayProblem = null;
            lastDrain = now;
            log.Info($"watching X display {desktop.Name}");
        }
        catch (X11UnavailableException e)
        {
            displayProblem = e.Message;
            nextDesktopTry = now + Max(TimeSpan.FromSeconds(10), clock.Scale(TimeSpan.FromSeconds(2)));
            log.Warn($"no X display: {e.Message}");
        }

        return desktop;
    }

    /// <summary>Runs an X call; a lost display pauses tracking instead of failing.</summary>
    private T? Guard<T>(DateTimeOffset now, Func<TrackedDesktop, T> call)
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
            displayProblem = e.Message;
            desktop.Dispose();
            desktop = null;
            nextDesktopTry = now;
            LoseDisplay(now);
            return null;
        }
    }

    private TimeSpan? Guard(DateTimeOffset now, Func<TrackedDesktop, TimeSpan> call) =>
        Guard(now, d => (object)call(d)) is TimeSpan value ? value : null;

    private void Guard(DateTimeOffset now, Action<TrackedDesktop> call) => Guard(now, d =>
    {
        call(d);
        return (object)true;
    });

    // ---------------------------------------------------------------- server

    private async Task SyncLoopAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await SyncOnceAsync(cancellationToken);
                await syncNow.WaitAsync(Max(TimeSpan.FromMinutes(1), clock.Scale(TimeSpan.FromSeconds(1))), clock, cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
        }
    }

    /// <summary>
    /// Keeps the server's tracking session in step with this agent's. It starts one the server stopped while this agent
    /// was away (its idle verdict, a restart, an outage) or never had (offline start). It stops tracking here when the
    /// session was stopped from elsewhere (the web page), taken over by another computer, or refused. It stops one left
    /// running for this device. It also refreshes the time totals and, every ten minutes, the contracts.
    /// </summary>
    public async Task SyncOnceAsync(CancellationToken cancellationToken)
    {
        LoadCredentials();
        var client = server;
        if (client is null || Uploader.SignedOut)
        {
            return;
        }

        var now = clock.GetUtcNow();
        if (now - contractsAt > TimeSpan.FromMinutes(10))
        {
            // Outside the lock: a hung server must not stop the tick. A failure is tried again in a minute.
            contractsAt = now;
            var list = await client.ContractsAsync(cancellationToken);
            if (list.IsOk)
            {
                contracts = list.Value!;
                outbox.Set("contracts", list.Value);
            }
            else
            {
                contractsAt = now - TimeSpan.FromMinutes(9);
            }
        }

        var (wanted, contractId, confirmed) = await SnapshotAsync(cancellationToken);
        var answer = await client.TrackingAsync(contractId, cancellationToken);
        if (!answer.IsOk)
        {
            return;
        }

        var info = answer.Value!;
        (totals, totalsAt) = (info, clock.GetUtcNow());
        var mine = info.Active && info.DeviceId == settings.DeviceId;
        if (wanted is null)
        {
            if (mine && info.ContractId is { } stale)
            {
                _ = await client.StopAsync(stale, settings.DeviceId, cancellationToken);
            }

            return;
        }

        if (mine && info.ContractId == wanted.ContractId)
        {
            serverSessionConfirmed = true;
            if (info.Memo != wanted.Memo)
            {
                _ = await client.MemoAsync(wanted.ContractId, wanted.Memo, wanted.ActivityLabel, cancellationToken);
            }

            return;
        }

        if (!info.Active && confirmed && info.LastStopReason is "stopped" or "contract-ended")
        {
            await StopHereAsync(wanted, info.LastStopReason == "stopped"
                ? "Tracking was stopped on the server (from the web page or another tool)."
                : "Tracking stopped: the contract has ended.", cancellationToken);
            return;
        }

        var started = await client.StartAsync(wanted.ContractId, wanted.Memo, wanted.ActivityLabel, settings.DeviceId, takeOver: false, cancellationToken);
        if (started.IsOk)
        {
            serverSessionConfirmed = true;
            log.Info(info.Active ? "server session moved to this device" : "server session started again (it had stopped while this agent was away)");
            return;
        }

        // A refusal with a reason ends tracking here; one without (a proxy's error page) is tried again next round.
        if (started.Kind == AnswerKind.Refused && started.Code is not null)
        {
            await StopHereAsync(wanted, started.Code == "session-active-elsewhere"
                ? "Tracking stopped here: it is on at another computer now."
                : $"Tracking stopped: {started.Message}", cancellationToken);
        }
    }

    private async Task StopHereAsync(TrackingSession wanted, string why, CancellationToken cancellationToken)
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

    private async Task<(TrackingSession? Wanted, string? ContractId, bool Confirmed)> SnapshotAsync(CancellationToken cancellationToken)
    {
        await gate.WaitAsync(cancellationToken);
        try
        {
            return (status == TrackerStatus.Tracking ? session : null, session?.ContractId ?? settings.ContractId, serverSessionConfirmed);
        }
        finally
        {
            gate.Release();
        }
    }

    private async Task<ContractInfo?> FindContractAsync(string id, CancellationToken cancellationToken)
    {
        if (contracts.FirstOrDefault(c => c.ContractId == id) is { } known && clock.GetUtcNow() - contractsAt < TimeSpan.FromMinutes(10))
        {
            return known;
        }

        _ = await LoadContractsAsync(cancellationToken);
        return contracts.FirstOrDefault(c => c.ContractId == id);
    }

    /// <summary>Reloads the contracts; returns why not when the server did not answer (the kept list stays).</summary>
    private async Task<string?> LoadContractsAsync(CancellationToken cancellationToken)
    {
        if (server is null)
        {
            return "not signed in";
        }

        var answer = await server.ContractsAsync(cancellationToken);
        if (!answer.IsOk)
        {
            return answer.Message;
        }

        contracts = answer.Value!;
        contractsAt = clock.GetUtcNow();
        outbox.Set("contracts", answer.Value);
        return null;
    }

    /// <summary>Picks up a new sign-in (or a sign-out) written by `login`/`logout` while the agent runs.</summary>
    private void LoadCredentials()
    {
        var written = File.Exists(paths.Credentials) ? File.GetLastWriteTimeUtc(paths.Credentials) : default;
        lock (serverGate)
        {
            if (written == credentialsWritten && (server is not null || written == default))
            {
                return;
            }

            credentialsWritten = written;
            credentials = Credentials.Load(paths);
            // The old client is not disposed: a command or the uploader may still be using it; it is collected later.
            server = credentials is null ? null : new ServerClient(credentials.Server, credentials.Token);
            contractsAt = default;
            notice = null;
            if (server is not null)
            {
                log.Info($"signed in to {credentials!.Server.GetLeftPart(UriPartial.Authority)} as {credentials.Email}");
                Uploader.SignedIn();
            }
        }

        if (credentials is null && session is { } current)
        {
            // Signed out while tracking: nothing more is recorded for an account that is gone from this computer.
            _ = StopHereAsync(current, "Signed out: tracking stopped. Sign in again to track.", CancellationToken.None);
        }
    }

    // ---------------------------------------------------------------- view

    private TrackerView View(DateTimeOffset now)
    {
        var id = session?.ContractId ?? settings.ContractId;
        var contract = contracts.FirstOrDefault(c => c.ContractId == id);
        var segments = contract?.SegmentMinutes ?? 10;
        var weekStart = now.UtcDateTime.Date.AddDays(-(((int)now.UtcDateTime.DayOfWeek + 6) % 7));
        var pendingWeek = id is null ? 0 : outbox.WaitingSegments(id, new DateTimeOffset(weekStart, TimeSpan.Zero)) * segments;
        var pendingToday = id is null ? 0 : outbox.WaitingSegments(id, new DateTimeOffset(now.UtcDateTime.Date, TimeSpan.Zero)) * segments;
        var counts = outbox.Counts();
        var shown = totals is not null && (totals.ContractId == id || totals.ContractId is null) ? totals : null;
        var server = credentials?.Server.GetLeftPart(UriPartial.Authority);
        var date = now.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var week = string.Create(CultureInfo.InvariantCulture, $"{ISOWeek.GetYear(now.UtcDateTime)}-W{ISOWeek.GetWeekOfYear(now.UtcDateTime):00}");
        return new TrackerView(
            status switch
            {
                TrackerStatus.Tracking => "tracking",
                TrackerStatus.IdlePaused => "idle",
                TrackerStatus.DisplayLost => "display-lost",
                _ => "off",
            },
            id, contract?.Title, session?.Memo ?? (id is null ? null : outbox.Get<string>("memo:" + id)), session?.ActivityLabel, session?.StartedAt,
            session is null || status != TrackerStatus.Tracking ? 0 : (int)(now - session.StartedAt).TotalSeconds,
            (shown?.TodayMinutes ?? 0) + pendingToday, (shown?.WeekMinutes ?? 0) + pendingWeek, shown?.WeekAmountCents ?? 0, contract?.Currency,
            pendingWeek, totalsAt, idlePrompt, memoQuestion, notice ?? displayProblem, Uploader.Trouble, credentials is not null && !Uploader.SignedOut,
            server, credentials?.Email, counts.CapturesWaiting, counts.MinutesWaiting, outbox.Problems(10),
            [.. outbox.RecentCaptures(12).Select(CaptureSummary.From)], contracts,
            AgentSettings.Keys.Keys.ToDictionary(k => k, settings.ValueOf),
            server is null || id is null || contract?.Kind != "hourly" ? null : $"{server}/diary.html?contract={Uri.EscapeDataString(id)}&date={date}",
            server is null || id is null ? null : $"{server}/contract.html?contract={Uri.EscapeDataString(id)}&week={week}",
            notifier.LastProblem, now);
    }

    // ---------------------------------------------------------------- helpers

    private async Task<CommandResult> LockedAsync(Func<Task<CommandResult>> command, CancellationToken cancellationToken)
    {
        await gate.WaitAsync(cancellationToken);
        try
        {
            return await command();
        }
        finally
        {
            gate.Release();
            wake.Set();
        }
    }

    private void Notify(
        string summary, string body, string? image, TimeSpan showFor, IReadOnlyList<(string Key, string Label)> actions, Action<string> onAction,
        Action? closed = null)
    {
        if (!notifier.Available)
        {
            closed?.Invoke();
            return;
        }

        var real = showFor / clock.Speed;
        _ = Task.Run(async () =>
        {
            try
            {
                var chosen = await notifier.ShowAsync(summary, body, image, real, actions, CancellationToken.None);
                if (chosen is not null)
                {
                    onAction(chosen);
                }
            }
            finally
            {
                closed?.Invoke();
            }
        });
    }

    private static string? Cut(string? text, int max) => text is null || text.Length <= max ? text : text[..(max - 1)] + "…";

    private void Tell(string message)
    {
        notice = message;
        Notify("LiveTracker", message, null, TimeSpan.FromMinutes(1), [], _ => { });
    }

    private int IdleMinutes(string contractId) => contracts.FirstOrDefault(c => c.ContractId == contractId)?.IdleTimeoutMinutes ?? DefaultIdleMinutes;

    private int SegmentMinutes(string contractId) => contracts.FirstOrDefault(c => c.ContractId == contractId)?.SegmentMinutes ?? 10;

    private void Release(DateTimeOffset now)
    {
        ProcessMemory.Release();
        lastRelease = now;
    }

    private static DateTimeOffset Minute(DateTimeOffset at) => new(at.UtcTicks - (at.UtcTicks % TimeSpan.TicksPerMinute), TimeSpan.Zero);

    private static string Local(DateTimeOffset at) => at.ToLocalTime().ToString("HH:mm", CultureInfo.InvariantCulture);

    private static string Duration(TimeSpan span) => string.Create(CultureInfo.InvariantCulture, $"{(int)span.TotalHours}:{span.Minutes:00}");

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    public void Dispose()
    {
        desktop?.Dispose();
        server?.Dispose();
        gate.Dispose();
    }
}
