using LiveTracker.Actors.Billing;
using LiveTracker.Actors.Serialization;

namespace LiveTracker.Actors.Contracts;

/// <summary>A week's timesheet status (API values in kebab-case).</summary>
[System.Text.Json.Serialization.JsonConverter(typeof(System.Text.Json.Serialization.JsonStringEnumConverter<TimesheetStatus>))]
public enum TimesheetStatus
{
    Open,
    Locked,
    InReview,
    Disputed,
    Charged,
    PaymentFailed,
    PaidOut,
}

/// <summary>What the contract knows about a week's timesheet; the week adds its days and totals (see <see cref="TimesheetView"/>).</summary>
public sealed record DescribeTimesheet(
    TimesheetStatus Status,
    DateTimeOffset LocksAt,
    DateTimeOffset SubmitsAt,
    DateTimeOffset ReviewEndsAt,
    DateTimeOffset AvailableAt,
    long? ChargedCents,
    string? DisputeId,
    IReadOnlyList<string> FailureReasons);

public sealed record GetTimesheet(IsoWeek Week);

public sealed record TimesheetDay(DateOnly Date, int BillableMinutes);

public sealed record TimesheetView(
    string ContractId,
    IsoWeek Week,
    TimesheetStatus Status,
    IReadOnlyList<TimesheetDay> Days,
    int BillableMinutes,
    long AmountCents,
    DateTimeOffset LocksAt,
    DateTimeOffset SubmitsAt,
    DateTimeOffset ReviewEndsAt,
    DateTimeOffset AvailableAt,
    long? ChargedCents,
    string? DisputeId,
    IReadOnlyList<string> FailureReasons);

/// <summary>The client disputes chosen segments of a week under review.</summary>
public sealed record DisputeTimesheet(string ClientId, IsoWeek Week, IReadOnlyList<DateTimeOffset> SegmentStarts, string Reason);

public sealed record DisputeOpened(string DisputeId);

/// <summary>An operator's decision on a timesheet dispute: the refunded segments leave the week, the rest is charged.</summary>
public sealed record ResolveTimesheetDispute(string DisputeId, IReadOnlyList<DateTimeOffset> RefundSegmentStarts, string Note);

/// <summary>The client pays a timesheet whose charge failed (after fixing the payment method).</summary>
public sealed record PayTimesheet(string ClientId, IsoWeek Week);

/// <summary>Sent by the contract to a locked week: its refunded segments are no longer billed.</summary>
public sealed record RefundSegments(IReadOnlyList<DateTimeOffset> SegmentStarts);

public sealed record GetLedger;

/// <summary>
/// One money movement on the contract, from the side of <see cref="Party"/> (<c>client</c>, <c>escrow</c> or
/// <c>freelancer</c>): positive means that side receives money.
/// </summary>
public sealed record LedgerLine(DateTimeOffset At, string Party, string Kind, string Reference, long AmountCents);

/// <summary>The contract's money, derived from its events: every line, and the balances they add up to.</summary>
public sealed record ContractLedger(
    string ContractId,
    string Currency,
    IReadOnlyList<LedgerLine> Lines,
    long ClientPaidCents,
    long EscrowCents,
    long FreelancerPendingCents,
    long FreelancerAvailableCents);

// ---------------------------------------------------------------- events

/// <summary>A week's cycle, fixed when the week is opened so a later configuration change cannot move its deadlines.</summary>
[Manifest("contract.timesheet-scheduled.v1")]
public sealed record TimesheetScheduled(
    string Week, DateTimeOffset LocksAt, DateTimeOffset SubmitsAt, DateTimeOffset ReviewEndsAt, DateTimeOffset AvailableAt);

[Manifest("contract.timesheet-locked.v1")]
public sealed record TimesheetLocked(string Week, int BillableMinutes, IReadOnlyList<DateTimeOffset> BilledSegments, DateTimeOffset At);

[Manifest("contract.timesheet-submitted.v1")]
public sealed record TimesheetSubmitted(string Week, DateTimeOffset At);

[Manifest("contract.timesheet-disputed.v1")]
public sealed record TimesheetDisputed(string Week, string DisputeId, IReadOnlyList<DateTimeOffset> Segments, string Reason, DateTimeOffset At);

[Manifest("contract.timesheet-dispute-resolved.v1")]
public sealed record TimesheetDisputeResolved(string Week, string DisputeId, IReadOnlyList<DateTimeOffset> RefundedSegments, string Note, DateTimeOffset At);

/// <summary>A charge of the week was asked of the client's billing account (retried with the same id until answered).</summary>
[Manifest("contract.timesheet-charge-requested.v1")]
public sealed record TimesheetChargeRequested(string Week, string ChargeId, long AmountCents, DateTimeOffset At);

[Manifest("contract.timesheet-charged.v1")]
public sealed record TimesheetCharged(string Week, string? ChargeId, long AmountCents, string Method, string? Reference, DateTimeOffset At);

[Manifest("contract.timesheet-payment-failed.v1")]
public sealed record TimesheetPaymentFailed(string Week, string ChargeId, IReadOnlyList<string> Reasons, DateTimeOffset At);

/// <summary>The freelancer's earnings for a week (or a milestone) became available.</summary>
[Manifest("contract.earnings-released.v1")]
public sealed record EarningsReleased(string Source, long AmountCents, DateTimeOffset At);
