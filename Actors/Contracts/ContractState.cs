using LiveTracker.Actors.Serialization;

namespace LiveTracker.Actors.Contracts;

/// <summary>One week's timesheet as the contract keeps it (immutable; each event makes a new one).</summary>
public sealed record TimesheetState(
    string Week,
    TimesheetStatus Status,
    DateTimeOffset LocksAt,
    DateTimeOffset SubmitsAt,
    DateTimeOffset ReviewEndsAt,
    DateTimeOffset AvailableAt,
    int BillableMinutes,
    IReadOnlyList<DateTimeOffset> BilledSegments,
    IReadOnlyList<DateTimeOffset> RefundedSegments,
    string? DisputeId,
    string? PendingChargeId,
    int FailedCharges,
    long? ChargedCents,
    DateTimeOffset? ChargedAt,
    IReadOnlyList<string> FailureReasons,
    long PendingChargeCents = 0,
    string? DisputeReason = null)
{
    public static TimesheetState Scheduled(TimesheetScheduled e) =>
        new(e.Week, TimesheetStatus.Open, e.LocksAt, e.SubmitsAt, e.ReviewEndsAt, e.AvailableAt, 0, [], [], null, null, 0, null, null, []);
}

/// <summary>One fixed-price milestone as the contract keeps it.</summary>
public sealed record MilestoneState(
    string MilestoneId,
    string Title,
    long AmountCents,
    DateOnly? DueDate,
    MilestoneStatus Status,
    string? FundingChargeId,
    string? PendingChargeId,
    int FailedFundings,
    long EscrowCents,
    long ReleasedCents,
    long RefundedCents,
    string? PendingRefundId,
    long PendingRefundCents,
    DateTimeOffset? AvailableAt,
    bool EarningsAvailable,
    string? LastMessage,
    string? DisputeId,
    IReadOnlyList<string> FailureReasons);

/// <summary>The contract's whole state, so recovery replays only the events after it.</summary>
[Manifest("contract.snapshot.v2")]
public sealed record ContractSnapshot(
    ContractCreated? Terms,
    int? LimitMinutes,
    IReadOnlyList<ContractWeeklyLimitSet> LimitChanges,
    IReadOnlyList<string> Weeks,
    IReadOnlyList<TimesheetState> Timesheets,
    IReadOnlyList<MilestoneState> Milestones,
    IReadOnlyList<LedgerLine> Ledger,
    int DisputeCount,
    IReadOnlyList<string>? JoinedParties = null,
    bool Ended = false,
    IReadOnlyDictionary<string, bool>? DeskInformed = null,
    DateTimeOffset? EndedAt = null);
