using LiveTracker.Actors.Billing;

namespace LiveTracker.Actors.Contracts;

[System.Text.Json.Serialization.JsonConverter(typeof(System.Text.Json.Serialization.JsonStringEnumConverter<CaptureKind>))]
public enum CaptureKind
{
    Screen,
    Camera,
}

/// <summary>The contract's terms a week is billed under; sent by the contract when it first routes to the week.</summary>
public sealed record WeekTerms(string ContractId, IsoWeek Week, TimeZoneInfo WeekZone, int SegmentMinutes, long HourlyRateCents, int? LimitMinutes);

public sealed record OpenWeek(WeekTerms Terms);

/// <summary>A capture's metadata; the image itself is a content-addressed blob stored before this is sent.</summary>
public sealed record RecordCapture(
    string IdempotencyKey,
    DateTimeOffset CapturedAt,
    CaptureKind Kind,
    string BlobKey,
    long SizeBytes,
    bool Black = false,
    string? AppName = null,
    string? WindowTitle = null,
    string? Comment = null,
    string? Memo = null,
    string? ActivityLabel = null,
    string? ThumbnailKey = null);

/// <summary>Where a capture's image and thumbnail are stored (for serving them to the contract's parties).</summary>
public sealed record GetCapture(string CaptureId);

public sealed record CaptureView(string CaptureId, CaptureKind Kind, DateTimeOffset CapturedAt, string BlobKey, string? ThumbnailKey, bool Deleted, bool Rejected);

/// <summary>Input counts of one minute (never which key or where): re-sending a minute replaces it.</summary>
public sealed record ActivityMinute(DateTimeOffset MinuteUtc, int Keystrokes, int MouseClicks, int Scrolls)
{
    public bool Active => Keystrokes > 0 || MouseClicks > 0 || Scrolls > 0;
}

public sealed record RecordActivity(IReadOnlyList<ActivityMinute> Minutes);

public sealed record DeleteCapture(string CaptureId);

public sealed record RejectCapture(string CaptureId, string Reason);

public sealed record RequestReview(string CaptureId, string Message);

/// <summary>The freelancer's comment on a capture (clients cannot reply there); replaces an earlier one.</summary>
public sealed record CommentOnCapture(string CaptureId, string Comment);

public sealed record EditMemo(DateTimeOffset SegmentStart, string Memo, string? ActivityLabel);

public sealed record AddManualTime(DateTimeOffset From, DateTimeOffset To, string Memo);

public sealed record SetWeeklyLimit(int? LimitMinutes);

public sealed record LockWeek;

/// <summary>The tracker found no input from <see cref="From"/> to <see cref="To"/>: that span's segments are idle.</summary>
public sealed record MarkIdle(DateTimeOffset From, DateTimeOffset To);

public sealed record GetDiary;

/// <summary>Billable time of the week and of one of its days (a date in the week zone), for Today / This Week.</summary>
public sealed record GetTotals(DateOnly Day);

public sealed record WeekTotals(IsoWeek Week, DateOnly Day, int DayBillableMinutes, int WeekBillableMinutes, long WeekAmountCents);

/// <summary>The command was applied (after its events were durably written).</summary>
public sealed record Accepted
{
    public static readonly Accepted Instance = new();
}

/// <summary>A business rule refused the command; <see cref="Code"/> is the stable API error code.</summary>
public sealed record Rejected(string Code, string Detail);

public sealed record CaptureAccepted(string CaptureId, DateTimeOffset SegmentStart, bool Duplicate);

/// <summary>One segment as the Work Diary shows it.</summary>
public sealed record DiarySegment(
    DateTimeOffset Start,
    SegmentStatus Status,
    bool Billable,
    bool Unprotected,
    int ActiveMinutes,
    IReadOnlyList<ActivityMinute> Activity,
    string? ScreenCaptureId,
    string? CameraCaptureId,
    bool Black,
    string? Memo,
    string? ActivityLabel,
    string? Comment,
    string? AppName,
    string? WindowTitle,
    DateTimeOffset? ScreenCapturedAt = null,
    bool ReviewRequested = false);

public sealed record WeekDiary(
    string ContractId,
    IsoWeek Week,
    bool Locked,
    int? LimitMinutes,
    int BillableMinutes,
    long AmountCents,
    IReadOnlyList<DiarySegment> Segments);
