using LiveTracker.Actors.Contracts;
using LiveTracker.Actors.Serialization;

namespace LiveTracker.Actors.Sessions;

/// <summary>Sent by the contract (after checking the freelancer) with the terms tracking runs under.</summary>
public sealed record StartTracking(
    string ContractId, string DeviceId, string Memo, string? ActivityLabel, bool TakeOver, int SegmentMinutes, int IdleTimeoutMinutes);

public sealed record StopTracking(string DeviceId);

/// <summary>The contract ended: a session on it stops (on whichever device).</summary>
public sealed record EndContractTracking(string ContractId);

public sealed record ChangeMemo(string Memo, string? ActivityLabel);

/// <summary>Per-minute input counts from the agent of <see cref="DeviceId"/>.</summary>
/// <summary>Minutes from the agent on <paramref name="DeviceId"/>; with <paramref name="ContractId"/>, only for a session on that contract.</summary>
public sealed record ReportActivity(string DeviceId, IReadOnlyList<ActivityMinute> Minutes, string? ContractId = null);

public sealed record GetTracking;

public sealed record TrackingSession(string SessionId);

public sealed record TrackingView(
    bool Active,
    string? ContractId,
    string? DeviceId,
    string? SessionId,
    string? Memo,
    string? ActivityLabel,
    DateTimeOffset? StartedAt,
    string? LastStopReason);

[Manifest("tracker.started.v1")]
public sealed record TrackingStarted(
    string SessionId, string ContractId, string DeviceId, string Memo, string? ActivityLabel, int SegmentMinutes,
    int IdleTimeoutMinutes, DateTimeOffset StartedAt);

/// <summary>Reason is <c>stopped</c>, <c>switched</c>, <c>taken-over</c>, <c>idle</c> or <c>contract-ended</c>.</summary>
[Manifest("tracker.stopped.v1")]
public sealed record TrackingStopped(string SessionId, string Reason, DateTimeOffset StoppedAt, string? ContractId = null);

[Manifest("tracker.snapshot.v1")]
public sealed record TrackerSnapshot(TrackingStarted? Session, string? LastStopReason);

[Manifest("tracker.memo-changed.v1")]
public sealed record TrackerMemoChanged(string Memo, string? ActivityLabel, string? ContractId = null);
