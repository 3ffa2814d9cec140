using LiveTracker.Actors.Serialization;

namespace LiveTracker.Actors.Contracts;

[Manifest("work-week.opened.v1")]
public sealed record WeekOpened(
    string ContractId, string Week, string WeekZone, int SegmentMinutes, long HourlyRateCents, int? LimitMinutes,
    DateTimeOffset StartsAt, DateTimeOffset EndsAt);

[Manifest("work-week.capture-recorded.v1")]
public sealed record CaptureRecorded(
    string CaptureId, string IdempotencyKey, DateTimeOffset SegmentStart, DateTimeOffset CapturedAt, CaptureKind Kind,
    string BlobKey, long SizeBytes, bool Black, string? AppName, string? WindowTitle, string? Comment, string? Memo,
    string? ActivityLabel, string? ThumbnailKey = null);

[Manifest("work-week.activity-recorded.v1")]
public sealed record ActivityRecorded(IReadOnlyList<ActivityMinute> Minutes);

[Manifest("work-week.capture-deleted.v1")]
public sealed record CaptureDeleted(string CaptureId, DateTimeOffset SegmentStart, CaptureKind Kind);

[Manifest("work-week.capture-rejected.v1")]
public sealed record CaptureRejected(string CaptureId, DateTimeOffset SegmentStart, string Reason);

[Manifest("work-week.review-requested.v1")]
public sealed record ReviewRequested(string CaptureId, DateTimeOffset SegmentStart, string Message);

[Manifest("work-week.capture-commented.v1")]
public sealed record CaptureCommented(string CaptureId, DateTimeOffset SegmentStart, string Comment);

[Manifest("work-week.memo-edited.v1")]
public sealed record MemoEdited(DateTimeOffset SegmentStart, string Memo, string? ActivityLabel);

[Manifest("work-week.manual-time-added.v1")]
public sealed record ManualTimeAdded(DateTimeOffset From, DateTimeOffset To, string Memo, IReadOnlyList<DateTimeOffset> Segments);

[Manifest("work-week.weekly-limit-changed.v1")]
public sealed record WeeklyLimitChanged(int? LimitMinutes);

/// <summary>Billable time reached a share of the weekly limit (80 or 100 percent); the agent and client are told.</summary>
[Manifest("work-week.limit-threshold-reached.v1")]
public sealed record LimitThresholdReached(int Percent, int BillableMinutes, int LimitMinutes);

[Manifest("work-week.idle-span-recorded.v1")]
public sealed record IdleSpanRecorded(DateTimeOffset From, DateTimeOffset To, IReadOnlyList<DateTimeOffset> Segments);

/// <summary>A week's whole state, so recovery replays only the events after it.</summary>
[Manifest("work-week.snapshot.v1")]
public sealed record WorkWeekSnapshot(
    WeekOpened? Opened, int? LimitMinutes, bool Locked, IReadOnlyList<SegmentSnapshot> Segments,
    IReadOnlyList<CaptureSnapshot> Captures, IReadOnlyDictionary<string, string> CaptureIdsByKey);

public sealed record SegmentSnapshot(
    DateTimeOffset Start, string? ScreenId, string? CameraId, bool Manual, bool Idle, string? Memo, string? ActivityLabel,
    IReadOnlyList<ActivityMinute> Minutes,
    bool Refunded = false);

public sealed record CaptureSnapshot(
    string Id, DateTimeOffset SegmentStart, CaptureKind Kind, bool Black, DateTimeOffset CapturedAt, string BlobKey,
    bool Deleted, bool Rejected, bool ReviewRequested, string? AppName, string? WindowTitle, string? Comment, string? ThumbnailKey = null);

[Manifest("work-week.locked.v1")]
public sealed record WeekLocked(DateTimeOffset LockedAt);

/// <summary>An operator refunded these segments after a dispute; they stay in the diary, unbilled.</summary>
[Manifest("work-week.segments-refunded.v1")]
public sealed record SegmentsRefunded(IReadOnlyList<DateTimeOffset> Segments);
