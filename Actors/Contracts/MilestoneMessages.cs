using LiveTracker.Actors.Serialization;

namespace LiveTracker.Actors.Contracts;

/// <summary>Where a fixed-price milestone stands (API values in kebab-case).</summary>
[System.Text.Json.Serialization.JsonConverter(typeof(System.Text.Json.Serialization.JsonStringEnumConverter<MilestoneStatus>))]
public enum MilestoneStatus
{
    /// <summary>Agreed, not yet funded into escrow.</summary>
    Pending,
    Funded,
    Submitted,
    Disputed,

    /// <summary>Escrow went to the freelancer (all of it, or the operator's share after a dispute).</summary>
    Released,

    /// <summary>Escrow went back to the client in full after a dispute.</summary>
    Refunded,
}

public sealed record AddMilestone(string ClientId, string Title, long AmountCents, DateOnly? DueDate);

public sealed record FundMilestone(string ClientId, string MilestoneId);

public sealed record SubmitMilestone(string FreelancerId, string MilestoneId, string Message);

public sealed record ApproveMilestone(string ClientId, string MilestoneId);

public sealed record RequestMilestoneChanges(string ClientId, string MilestoneId, string Message);

/// <summary>Either party disputes a funded milestone; its escrow is frozen until an operator resolves it.</summary>
public sealed record DisputeMilestone(string UserId, string MilestoneId, string Reason);

/// <summary>An operator's decision: <see cref="ReleaseCents"/> of the escrow goes to the freelancer, the rest back to the client.</summary>
public sealed record ResolveMilestoneDispute(string DisputeId, long ReleaseCents, string Note);

public sealed record GetMilestones;

public sealed record MilestoneView(
    string MilestoneId,
    string Title,
    long AmountCents,
    DateOnly? DueDate,
    MilestoneStatus Status,
    long EscrowCents,
    long ReleasedCents,
    long RefundedCents,
    DateTimeOffset? AvailableAt,
    bool EarningsAvailable,
    string? LastMessage,
    string? DisputeId,
    IReadOnlyList<string> FailureReasons);

// ---------------------------------------------------------------- events

[Manifest("contract.milestone-added.v1")]
public sealed record MilestoneAdded(string MilestoneId, string Title, long AmountCents, DateOnly? DueDate, DateTimeOffset At);

[Manifest("contract.milestone-funding-requested.v1")]
public sealed record MilestoneFundingRequested(string MilestoneId, string ChargeId, DateTimeOffset At);

[Manifest("contract.milestone-funded.v1")]
public sealed record MilestoneFunded(string MilestoneId, string ChargeId, long AmountCents, string Method, string Reference, DateTimeOffset At);

[Manifest("contract.milestone-funding-failed.v1")]
public sealed record MilestoneFundingFailed(string MilestoneId, string ChargeId, IReadOnlyList<string> Reasons, DateTimeOffset At);

[Manifest("contract.milestone-submitted.v1")]
public sealed record MilestoneSubmitted(string MilestoneId, string Message, DateTimeOffset At);

[Manifest("contract.milestone-changes-requested.v1")]
public sealed record MilestoneChangesRequested(string MilestoneId, string Message, DateTimeOffset At);

[Manifest("contract.milestone-disputed.v1")]
public sealed record MilestoneDisputed(string MilestoneId, string DisputeId, string UserId, string Reason, DateTimeOffset At);

/// <summary>Escrow moved to the freelancer's pending earnings, available at <see cref="AvailableAt"/>.</summary>
[Manifest("contract.milestone-released.v1")]
public sealed record MilestoneReleased(string MilestoneId, long AmountCents, DateTimeOffset AvailableAt, DateTimeOffset At);

[Manifest("contract.milestone-dispute-resolved.v1")]
public sealed record MilestoneDisputeResolved(string MilestoneId, string DisputeId, long ReleaseCents, long RefundCents, string Note, DateTimeOffset At);

[Manifest("contract.milestone-refund-requested.v1")]
public sealed record MilestoneRefundRequested(string MilestoneId, string RefundId, long AmountCents, DateTimeOffset At);

[Manifest("contract.milestone-refunded.v1")]
public sealed record MilestoneRefunded(string MilestoneId, string RefundId, long AmountCents, DateTimeOffset At);
