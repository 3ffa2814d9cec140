using LiveTracker.Agent.Outbox;
using LiveTracker.Agent.Server;

namespace LiveTracker.Agent.Tracking;

public enum TrackerStatus
{
    /// <summary>Not tracking.</summary>
    Off,

    /// <summary>Tracking: counting input each minute and capturing once per segment.</summary>
    Tracking,

    /// <summary>Paused after the idle timeout; waiting for the freelancer to say whether to keep working.</summary>
    IdlePaused,

    /// <summary>Paused because the X display went away; resumes when it comes back.</summary>
    DisplayLost,
}

/// <summary>What is being tracked; kept in the outbox database so a restart can pick it up.</summary>
public sealed record TrackingSession(
    string ContractId, string Memo, string? ActivityLabel, DateTimeOffset StartedAt, DateTimeOffset LastTick, DateTimeOffset? LastMemoCheck = null,
    bool PausedForIdle = false);

/// <summary>The question asked after an idle pause.</summary>
public sealed record IdlePrompt(DateTimeOffset IdleSince, DateTimeOffset? ReturnedAt, int IdleMinutes, string Memo);

/// <summary>The result of a command from the control page or the command line.</summary>
public sealed record CommandResult(bool Ok, string Message, string? Code = null)
{
    public static CommandResult Done(string message) => new(true, message);

    public static CommandResult Refused(string message, string? code = null) => new(false, message, code);
}

public sealed record CaptureSummary(
    string Key, DateTimeOffset CapturedAt, DateTimeOffset SegmentStart, DateTimeOffset UploadAfter, string State, string? ScreenshotId,
    string? Problem, string? AppName, string? WindowTitle, bool Black, string? Memo, int Bytes)
{
    public static CaptureSummary From(OutboxCapture c)
    {
        ArgumentNullException.ThrowIfNull(c);
        return new(c.Key, c.CapturedAt, c.SegmentStart, c.UploadAfter, c.State.ToString().ToLowerInvariant(), c.ScreenshotId, c.Problem,
            c.Meta.AppName, c.Meta.WindowTitle, c.Meta.Black, c.Meta.Memo, c.ImageBytes);
    }
}

/// <summary>Everything the control page and <c>livetracker-agent status</c> show.</summary>
public sealed record TrackerView(
    string Status, string? ContractId, string? ContractTitle, string? Memo, string? ActivityLabel, DateTimeOffset? SessionStartedAt,
    int SessionSeconds, int TodayMinutes, int WeekMinutes, long WeekAmountCents, string? Currency, int PendingMinutes, DateTimeOffset? TotalsAt,
    IdlePrompt? IdlePrompt, string? MemoQuestion, string? Notice, string? ServerTrouble, bool SignedIn, string? Server,
    string? Email, int CapturesWaiting, int MinutesWaiting, IReadOnlyList<string> Problems, IReadOnlyList<CaptureSummary> RecentCaptures,
    IReadOnlyList<ContractInfo> Contracts, IReadOnlyDictionary<string, string> Settings, string? DiaryUrl, string? TimesheetUrl,
    string? NotifierProblem, DateTimeOffset Now);
