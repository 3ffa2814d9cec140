using LiveTracker.Actors.Serialization;

namespace LiveTracker.Actors.Contracts;

[System.Text.Json.Serialization.JsonConverter(typeof(System.Text.Json.Serialization.JsonStringEnumConverter<ContractKind>))]
public enum ContractKind
{
    Hourly,
    Fixed,
}

public sealed record CreateContract(
    string ClientId,
    string FreelancerId,
    string Title,
    ContractKind Kind,
    long HourlyRateCents,
    string Currency,
    int? WeeklyLimitMinutes,
    int SegmentMinutes,
    int IdleTimeoutMinutes);

public sealed record GetContract;

public sealed record SetContractWeeklyLimit(int? LimitMinutes);

/// <summary>
/// A Work Diary command for the week that owns the segment of <see cref="At"/>; the contract routes it there.
/// Only the freelancer's and client's diary commands pass (not the limit, the lock or the week's terms).
/// </summary>
public sealed record ForWeek(
    DateTimeOffset At,
    [property: System.Text.Json.Serialization.JsonConverter(typeof(Serialization.EnclosedMessageConverter))] object Command);

/// <summary>A tracker's per-minute activity; the contract splits it by week, and the week answers.</summary>
public sealed record RecordTrackedActivity(IReadOnlyList<ActivityMinute> Minutes);

/// <summary>The freelancer turns tracking on for this contract from a device (see the tracker for the rules).</summary>
public sealed record StartContractTracking(string FreelancerId, string DeviceId, string Memo, string? ActivityLabel, bool TakeOver = false);

public sealed record ContractView(
    string ContractId,
    string ClientId,
    string FreelancerId,
    string Title,
    ContractKind Kind,
    long HourlyRateCents,
    string Currency,
    int? WeeklyLimitMinutes,
    int SegmentMinutes,
    int IdleTimeoutMinutes,
    IReadOnlyList<string> Weeks,
    bool WorkViewReady,
    IReadOnlyList<string> NotReadyReasons,
    bool Ended = false);

/// <summary>
/// Sent by a contract to its client's billing account with the contract's own readiness; the account adds what its
/// payment setup lacks and answers the original asker with the completed <see cref="ContractView"/>.
/// </summary>
public sealed record CompleteContractView(ContractView View);

[Manifest("contract.created.v1")]
public sealed record ContractCreated(
    string ContractId, string ClientId, string FreelancerId, string Title, ContractKind Kind, long HourlyRateCents,
    string Currency, int? WeeklyLimitMinutes, int SegmentMinutes, int IdleTimeoutMinutes);

/// <summary>The weekly limit from week <see cref="FromWeek"/> on; earlier weeks keep the limit they had.</summary>
[Manifest("contract.weekly-limit-set.v1")]
public sealed record ContractWeeklyLimitSet(int? LimitMinutes, string FromWeek);

/// <summary>The contract opened the Work Diary of a week (its summary of weeks).</summary>
[Manifest("contract.week-started.v1")]
public sealed record ContractWeekStarted(string Week);

/// <summary>A party ends the contract: tracking stops and no new week opens; open weeks finish their cycle.</summary>
public sealed record EndContract(string UserId);

[Manifest("contract.ended.v1")]
public sealed record ContractEnded(string UserId, DateTimeOffset At);

/// <summary>The party's account lists the contract (so "my contracts" finds it).</summary>
[Manifest("contract.party-joined.v1")]
public sealed record ContractPartyJoined(string UserId);

/// <summary>The operators' dispute desk knows whether this dispute is open.</summary>
[Manifest("contract.dispute-desk-informed.v1")]
public sealed record ContractDisputeDeskInformed(string DisputeId, bool Open);
