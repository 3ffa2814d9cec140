using System.Globalization;
using LiveTracker.Agent.Local;
using LiveTracker.Agent.Outbox;
using static LiveTracker.Agent.Tracking.Moments;

namespace LiveTracker.Agent.Tracking;

/// <summary>
/// What the control page and the command line ask of the tracker: start, stop, memo, contract, discard, the answers
/// to its questions, settings, a problem report, and the view of it all. Each runs under the tracker's lock and wakes
/// the tick when done, so a change shows at once.
/// </summary>
public sealed partial class Tracker
{
    public Task<CommandResult> StartAsync(string? contractId, string? memo, string? activityLabel, bool takeOver, CancellationToken cancellationToken) =>
        LockedAsync(async () =>
        {
            var now = clock.GetUtcNow();
            if (Server is null)
            {
                return CommandResult.Refused("Sign in first: livetracker-agent login --server https://your-server", "signed-out");
            }

            if (Uploader.SignedOut)
            {
                return CommandResult.Refused(Uploader.Trouble ?? "Signed out: run livetracker-agent login again.", "signed-out");
            }

            if (display.Ensure(now) is null)
            {
                return CommandResult.Refused($"Cannot track without the X display: {display.Problem}", "no-display");
            }

            var id = contractId ?? (session?.ContractId) ?? settings.ContractId
                ?? (contracts.All.Where(c => c.Kind == "hourly" && !c.Ended).ToList() is [var only] ? only.ContractId : null);
            if (id is null)
            {
                return CommandResult.Refused("Choose a contract first (livetracker-agent contracts, then livetracker-agent use ID).", "no-contract");
            }

            var contract = await contracts.FindAsync(id, cancellationToken);
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
            var answer = await Server.StartAsync(id, text, label, settings.DeviceId, takeOver, cancellationToken);
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
            sync.Confirmed = answer.IsOk;
            notice = answer.IsOk ? null : $"Offline: tracking here, uploads will follow when the server answers ({answer.Message}).";
            var word = string.IsNullOrWhiteSpace(text) ? " (no memo: this time is not protected)" : "";
            return CommandResult.Done($"Tracking \"{contract.Title}\": {text}{word}");
        }, cancellationToken);

    public Task<CommandResult> StopAsync(CancellationToken cancellationToken) =>
        LockedAsync(async () =>
        {
            var now = clock.GetUtcNow();
            idle.Clear();
            if (session is null)
            {
                status = TrackerStatus.Off;
                return CommandResult.Done("Not tracking.");
            }

            var ended = session;
            EndSession(now);
            notice = null;
            if (Server is not null)
            {
                _ = await Server.StopAsync(ended.ContractId, settings.DeviceId, cancellationToken);
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
            if (status == TrackerStatus.Tracking && Server is not null)
            {
                var answer = await Server.MemoAsync(session.ContractId, memo, session.ActivityLabel, cancellationToken);
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
            if (await contracts.FindAsync(contractId, cancellationToken) is not { } contract)
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
                    return CommandResult.Done($"Discarded the capture of {LocalTime(capture.CapturedAt)}; that segment's time is dropped.");
                case CaptureState.Sent when Server is null:
                    return CommandResult.Refused("Sign in first: deleting an uploaded capture needs the server.", "signed-out");
                case CaptureState.Sent:
                    var answer = await Server.DeleteScreenshotAsync(capture.ScreenshotId!, cancellationToken);
                    if (answer.IsOk || answer.Code == "not-found")
                    {
                        _ = outbox.Discard(key);
                        outbox.MarkDeleted(key);
                        log.Info($"capture {key} deleted on the server");
                        return CommandResult.Done($"Deleted the capture of {LocalTime(capture.CapturedAt)}; that segment's time is removed.");
                    }

                    if (answer.Retry)
                    {
                        _ = outbox.Discard(key);
                        Uploader.Wake();
                        return CommandResult.Done($"The server cannot be reached; the capture of {LocalTime(capture.CapturedAt)} will be deleted as soon as it can.");
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
            if (idle.Prompt is null || session is null)
            {
                return CommandResult.Refused("There is no idle question to answer.", "no-question");
            }

            resume = session;
            idle.Clear();
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

            if (Server is null)
            {
                return CommandResult.Refused("Sign in first to send a report.", "signed-out");
            }

            var answer = await Server.ReportAsync("problem", description, log.Recent(), cancellationToken);
            return answer.IsOk
                ? CommandResult.Done($"Sent (report {answer.Value!.ReportId}). Thank you; the operators will look at it with the agent's recent log.")
                : CommandResult.Refused($"Not sent: {answer.Message}", answer.Code);
        }, cancellationToken);

    /// <summary>Reads the contracts from the server now (they are also kept for working offline).</summary>
    public Task<CommandResult> RefreshContractsAsync(CancellationToken cancellationToken) =>
        LockedAsync(async () =>
        {
            var answer = await contracts.LoadAsync(cancellationToken);
            return answer is null ? CommandResult.Done($"{contracts.All.Count} contracts") : CommandResult.Refused(answer, "unreachable");
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

    private TrackerView View(DateTimeOffset now)
    {
        var id = session?.ContractId ?? settings.ContractId;
        var contract = contracts.Get(id);
        var segments = contract?.SegmentMinutes ?? 10;
        var weekStart = now.UtcDateTime.Date.AddDays(-(((int)now.UtcDateTime.DayOfWeek + 6) % 7));
        var pendingWeek = id is null ? 0 : outbox.WaitingSegments(id, new DateTimeOffset(weekStart, TimeSpan.Zero)) * segments;
        var pendingToday = id is null ? 0 : outbox.WaitingSegments(id, new DateTimeOffset(now.UtcDateTime.Date, TimeSpan.Zero)) * segments;
        var counts = outbox.Counts();
        var totals = sync.Totals;
        var shown = totals is not null && (totals.ContractId == id || totals.ContractId is null) ? totals : null;
        var credentials = signIn.Credentials;
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
            pendingWeek, sync.TotalsAt, idle.Prompt, memoQuestion, notice ?? display.Problem, Uploader.Trouble, credentials is not null && !Uploader.SignedOut,
            server, credentials?.Email, counts.CapturesWaiting, counts.MinutesWaiting, outbox.Problems(10),
            [.. outbox.RecentCaptures(12).Select(CaptureSummary.From)], contracts.All,
            AgentSettings.Keys.Keys.ToDictionary(k => k, settings.ValueOf),
            server is null || id is null || contract?.Kind != "hourly" ? null : $"{server}/diary.html?contract={Uri.EscapeDataString(id)}&date={date}",
            server is null || id is null ? null : $"{server}/contract.html?contract={Uri.EscapeDataString(id)}&week={week}",
            notifications.LastProblem, now);
    }

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
}
