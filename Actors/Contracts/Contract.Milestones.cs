using LiveTracker.Actors.Payments;
using Akka.Actor;
using Akka.Cluster.Sharding;
using LiveTracker.Actors.Deadlines;

namespace LiveTracker.Actors.Contracts;

/// <summary>
/// Fixed-price milestones: funded into escrow by a charge of the client, submitted by the freelancer, approved
/// (escrow released to the freelancer, available after the same security period as hourly earnings), sent back
/// for changes, or disputed and resolved by an operator (release, refund or split). No release without funding,
/// none twice, and no amount below zero; an open dispute freezes the contract's payments as it does for hours.
/// </summary>
public sealed partial class Contract
{
    private const string MilestoneReminderPrefix = "milestone:";
    private const long MaxMilestoneCents = 100_000_000;

    private readonly SortedDictionary<string, MilestoneState> _milestones = new(StringComparer.Ordinal);

    private bool HandleMilestoneCommand(object command)
    {
        switch (command)
        {
            case DeadlineDue { Name: var name } deadline when name.StartsWith(MilestoneReminderPrefix, StringComparison.Ordinal):
                if (_milestones.TryGetValue(name[MilestoneReminderPrefix.Length..], out var due))
                {
                    AdvanceMilestone(due);
                }

                AcknowledgeDeadline(deadline);
                return true;
            case DeadlineDue deadline:
                AcknowledgeDeadline(deadline); // a reminder this version no longer knows: nothing to do
                return true;
            case ChargeSucceeded success when _milestones.Values.FirstOrDefault(m => m.PendingChargeId == success.ChargeId) is { } funded:
                Persist(
                    new MilestoneFunded(funded.MilestoneId, success.ChargeId, success.AmountCents, success.Kind.ToString(), success.Reference, Now),
                    e => AnswerChargeWaiter(success.ChargeId, ViewOf(_milestones[e.MilestoneId])));
                return true;
            case ChargeDeclined declined when _milestones.Values.FirstOrDefault(m => m.PendingChargeId == declined.ChargeId) is { } unfunded:
                Persist(
                    new MilestoneFundingFailed(unfunded.MilestoneId, declined.ChargeId, declined.Reasons, Now),
                    e => AnswerChargeWaiter(declined.ChargeId, new Rejected("payment-declined", "The payment was declined: " + string.Join("; ", e.Reasons))));
                return true;
            case RefundSucceeded refund when _milestones.Values.FirstOrDefault(m => m.PendingRefundId == refund.RefundId) is { } refunded:
                Persist(new MilestoneRefunded(refunded.MilestoneId, refund.RefundId, refund.AmountCents, Now));
                return true;
            case ChargeSucceeded or ChargeDeclined or RefundSucceeded:
                return true; // a repeated answer to a retried request: already recorded
            case GetMilestones:
                Sender.Tell(_milestones.Values.Select(ViewOf).ToList());
                return true;
            case AddMilestone add:
                Add(add);
                return true;
            case FundMilestone fund:
                Fund(fund);
                return true;
            case SubmitMilestone submit:
                Submit(submit);
                return true;
            case ApproveMilestone approve:
                Approve(approve);
                return true;
            case RequestMilestoneChanges changes:
                RequestChanges(changes);
                return true;
            case DisputeMilestone dispute:
                Dispute(dispute);
                return true;
            case ResolveMilestoneDispute resolve:
                Resolve(resolve);
                return true;
            default:
                return false;
        }
    }

    private void ApplyMilestoneEvent(object @event)
    {
        switch (@event)
        {
            case MilestoneAdded added:
                _milestones[added.MilestoneId] = new MilestoneState(
                    added.MilestoneId, added.Title, added.AmountCents, added.DueDate, MilestoneStatus.Pending, null, null, 0, 0, 0, 0, null, 0, null, false,
                    null, null, []);
                break;
            case MilestoneFundingRequested requested:
                UpdateMilestone(requested.MilestoneId, m => m with { PendingChargeId = requested.ChargeId });
                break;
            case MilestoneFunded funded:
                UpdateMilestone(funded.MilestoneId, m => m with
                {
                    Status = MilestoneStatus.Funded, FundingChargeId = funded.ChargeId, PendingChargeId = null, EscrowCents = funded.AmountCents, FailureReasons = [],
                });
                _ledger.Add(new LedgerLine(funded.At, LedgerParty.Client, "milestone-funding", MilestoneReference(funded.MilestoneId), -funded.AmountCents));
                _ledger.Add(new LedgerLine(funded.At, LedgerParty.Escrow, "milestone-funding", MilestoneReference(funded.MilestoneId), funded.AmountCents));
                break;
            case MilestoneFundingFailed failed:
                UpdateMilestone(failed.MilestoneId, m => m with { PendingChargeId = null, FailedFundings = m.FailedFundings + 1, FailureReasons = failed.Reasons });
                break;
            case MilestoneSubmitted submitted:
                UpdateMilestone(submitted.MilestoneId, m => m with { Status = MilestoneStatus.Submitted, LastMessage = submitted.Message });
                break;
            case MilestoneChangesRequested changes:
                UpdateMilestone(changes.MilestoneId, m => m with { Status = MilestoneStatus.Funded, LastMessage = changes.Message });
                break;
            case MilestoneDisputed disputed:
                _disputeCount++;
                UpdateMilestone(disputed.MilestoneId, m => m with { Status = MilestoneStatus.Disputed, DisputeId = disputed.DisputeId, LastMessage = disputed.Reason });
                break;
            case MilestoneDisputeResolved resolved:
                UpdateMilestone(resolved.MilestoneId, m => m with
                {
                    Status = resolved.ReleaseCents == 0 ? MilestoneStatus.Refunded : MilestoneStatus.Released,
                    LastMessage = resolved.Note,
                });
                break;
            case MilestoneReleased released:
                UpdateMilestone(released.MilestoneId, m => m with
                {
                    Status = MilestoneStatus.Released,
                    EscrowCents = m.EscrowCents - released.AmountCents,
                    ReleasedCents = m.ReleasedCents + released.AmountCents,
                    AvailableAt = released.AvailableAt,
                });
                _ledger.Add(new LedgerLine(released.At, LedgerParty.Escrow, "milestone-release", MilestoneReference(released.MilestoneId), -released.AmountCents));
                _ledger.Add(new LedgerLine(released.At, LedgerParty.FreelancerPending, "earnings-pending", MilestoneReference(released.MilestoneId), released.AmountCents));
                break;
            case MilestoneRefundRequested refund:
                UpdateMilestone(refund.MilestoneId, m => m with
                {
                    EscrowCents = m.EscrowCents - refund.AmountCents, PendingRefundId = refund.RefundId, PendingRefundCents = refund.AmountCents,
                });
                break;
            case MilestoneRefunded refunded:
                UpdateMilestone(refunded.MilestoneId, m => m with
                {
                    PendingRefundId = null, PendingRefundCents = 0, RefundedCents = m.RefundedCents + refunded.AmountCents,
                });
                _ledger.Add(new LedgerLine(refunded.At, LedgerParty.Escrow, "milestone-refund", MilestoneReference(refunded.MilestoneId), -refunded.AmountCents));
                _ledger.Add(new LedgerLine(refunded.At, LedgerParty.Client, "milestone-refund", MilestoneReference(refunded.MilestoneId), refunded.AmountCents));
                break;
            case EarningsReleased released when released.Source.StartsWith(MilestoneReminderPrefix, StringComparison.Ordinal):
                UpdateMilestone(released.Source[MilestoneReminderPrefix.Length..], m => m with { EarningsAvailable = true });
                AddReleaseLines(released);
                break;
        }
    }

    private void UpdateMilestone(string id, Func<MilestoneState, MilestoneState> change) => _milestones[id] = change(_milestones[id]);

    private static string MilestoneReference(string milestoneId) => "milestone " + milestoneId;

    private void AdvanceMilestone(MilestoneState milestone)
    {
        if (milestone.PendingChargeId is { } chargeId)
        {
            SendFunding(milestone, chargeId);
            ScheduleNextStep(milestone); // asked again in a while unless answered
        }
        else if (milestone.PendingRefundId is { } refundId)
        {
            SendRefund(milestone, refundId);
            ScheduleNextStep(milestone);
        }
        else if (milestone is { ReleasedCents: > 0, EarningsAvailable: false, AvailableAt: { } at } && Now >= at && !PaymentsFrozen)
        {
            Persist(new EarningsReleased(MilestoneReminderPrefix + milestone.MilestoneId, milestone.ReleasedCents, Now));
        }
        else
        {
            ScheduleNextStep(milestone);
        }
    }

    private void ScheduleNextStep(MilestoneState milestone)
    {
        var key = MilestoneReminderPrefix + milestone.MilestoneId;
        DateTimeOffset? next = milestone switch
        {
            { PendingChargeId: not null } or { PendingRefundId: not null } => Now + rules.StepRetryInterval,
            { ReleasedCents: > 0, EarningsAvailable: false, AvailableAt: { } at } when !PaymentsFrozen => at,
            _ => null,
        };
        if (next is { } due)
        {
            SetDeadline(key, due);
        }
        else
        {
            ClearDeadline(key);
        }
    }

    private static string MilestoneIdOf(object @event) => @event switch
    {
        MilestoneFundingRequested e => e.MilestoneId,
        MilestoneFunded e => e.MilestoneId,
        MilestoneFundingFailed e => e.MilestoneId,
        MilestoneReleased e => e.MilestoneId,
        MilestoneRefundRequested e => e.MilestoneId,
        MilestoneRefunded e => e.MilestoneId,
        _ => throw new ArgumentException($"{@event.GetType().Name} is not a milestone step.", nameof(@event)),
    };

    private void Add(AddMilestone command)
    {
        if ((Refuse(command.ClientId, client: true) ?? RefuseUnlessFixed()) is { } refusal)
        {
            Sender.Tell(refusal);
        }
        else if (string.IsNullOrWhiteSpace(command.Title) || command.Title.Length > 200)
        {
            Sender.Tell(new Rejected("invalid-milestone", "A milestone needs a title of at most 200 characters."));
        }
        else if (command.AmountCents is <= 0 or > MaxMilestoneCents)
        {
            Sender.Tell(new Rejected("invalid-amount", "A milestone's amount is more than 0 and at most 1,000,000.00."));
        }
        else
        {
            var id = $"{contractId}~m{_milestones.Count + 1}";
            Persist(new MilestoneAdded(id, command.Title.Trim(), command.AmountCents, command.DueDate, Now), e => Sender.Tell(ViewOf(_milestones[e.MilestoneId])));
        }
    }

    private void Fund(FundMilestone command)
    {
        if (FindMilestone(command.MilestoneId, command.ClientId, client: true) is not { } milestone)
        {
            return;
        }

        if (milestone.Status != MilestoneStatus.Pending)
        {
            Sender.Tell(new Rejected("already-funded", $"Milestone {milestone.MilestoneId} is {milestone.Status}; it is funded once."));
        }
        else if (PaymentsFrozen && milestone.PendingChargeId is null)
        {
            Sender.Tell(new Rejected("payments-frozen", "An open dispute freezes payments on this contract until it is resolved."));
        }
        else if (milestone.PendingChargeId is { } pending)
        {
            _chargeWaiters[pending] = Sender;
            SendFunding(milestone, pending);
            ScheduleNextStep(milestone);
        }
        else
        {
            var chargeId = $"{contractId}/{milestone.MilestoneId}/fund-{milestone.FailedFundings + 1}";
            _chargeWaiters[chargeId] = Sender;
            Persist(new MilestoneFundingRequested(milestone.MilestoneId, chargeId, Now), e => SendFunding(_milestones[e.MilestoneId], e.ChargeId));
        }
    }

    private void SendFunding(MilestoneState milestone, string chargeId)
    {
        regions.BillingAccounts.Tell(
            new ShardingEnvelope(_terms!.ClientId, new ChargeClient(chargeId, contractId, milestone.AmountCents, _terms.Currency, $"{_terms.Title}: {milestone.Title}")),
            Self);
    }

    private void SendRefund(MilestoneState milestone, string refundId)
    {
        regions.BillingAccounts.Tell(new ShardingEnvelope(_terms!.ClientId, new RefundCharge(refundId, milestone.FundingChargeId!, milestone.PendingRefundCents)), Self);
    }

    private void Submit(SubmitMilestone command)
    {
        if (FindMilestone(command.MilestoneId, command.FreelancerId, client: false) is not { } milestone)
        {
            return;
        }

        if (string.IsNullOrWhiteSpace(command.Message) || command.Message.Length > 5000)
        {
            Sender.Tell(new Rejected("invalid-message", "Submitted work needs a message (at most 5000 characters)."));
        }
        else if (milestone.Status == MilestoneStatus.Pending)
        {
            Sender.Tell(new Rejected("milestone-not-funded", "Work is submitted for a funded milestone; ask the client to fund it first."));
        }
        else if (milestone.Status != MilestoneStatus.Funded)
        {
            Sender.Tell(new Rejected("not-submittable", $"Milestone {milestone.MilestoneId} is {milestone.Status}; work is submitted while it is funded."));
        }
        else
        {
            Persist(new MilestoneSubmitted(milestone.MilestoneId, command.Message, Now), e => Sender.Tell(ViewOf(_milestones[e.MilestoneId])));
        }
    }

    private void Approve(ApproveMilestone command)
    {
        if (FindMilestone(command.MilestoneId, command.ClientId, client: true) is not { } milestone)
        {
            return;
        }

        switch (milestone.Status)
        {
            case MilestoneStatus.Pending:
                Sender.Tell(new Rejected("milestone-not-funded", $"Milestone {milestone.MilestoneId} has no money in escrow to release; fund it first."));
                break;
            case MilestoneStatus.Released or MilestoneStatus.Refunded:
                Sender.Tell(new Rejected("already-released", $"The escrow of milestone {milestone.MilestoneId} was already paid out."));
                break;
            case MilestoneStatus.Disputed:
                Sender.Tell(new Rejected("milestone-disputed", "A disputed milestone is released only by the operator resolving the dispute."));
                break;
            case var _ when PaymentsFrozen:
                Sender.Tell(new Rejected("payments-frozen", "An open dispute freezes payments on this contract until it is resolved."));
                break;
            default:
                var now = Now;
                Persist(
                    new MilestoneReleased(milestone.MilestoneId, milestone.EscrowCents, now + rules.Cycle.PayoutDelay, now),
                    e => Sender.Tell(ViewOf(_milestones[e.MilestoneId])));
                break;
        }
    }

    private void RequestChanges(RequestMilestoneChanges command)
    {
        if (FindMilestone(command.MilestoneId, command.ClientId, client: true) is not { } milestone)
        {
            return;
        }

        if (milestone.Status != MilestoneStatus.Submitted)
        {
            Sender.Tell(new Rejected("not-submitted", $"Changes are requested on submitted work; milestone {milestone.MilestoneId} is {milestone.Status}."));
        }
        else if (string.IsNullOrWhiteSpace(command.Message) || command.Message.Length > 5000)
        {
            Sender.Tell(new Rejected("invalid-message", "Say what should change (at most 5000 characters)."));
        }
        else
        {
            Persist(new MilestoneChangesRequested(milestone.MilestoneId, command.Message, Now), e => Sender.Tell(ViewOf(_milestones[e.MilestoneId])));
        }
    }

    private void Dispute(DisputeMilestone command)
    {
        if (RefuseUnlessFixed() is { } notFixed)
        {
            Sender.Tell(notFixed);
            return;
        }

        var party = command.UserId == _terms!.ClientId || command.UserId == _terms.FreelancerId;
        if (!party || !_milestones.TryGetValue(command.MilestoneId, out var milestone))
        {
            Sender.Tell(party ? new Rejected("not-found", $"No milestone {command.MilestoneId} on this contract.") : NotYourContract());
        }
        else if (milestone.Status is not (MilestoneStatus.Funded or MilestoneStatus.Submitted))
        {
            Sender.Tell(new Rejected("not-disputable", $"Only a funded milestone can be disputed; {milestone.MilestoneId} is {milestone.Status}."));
        }
        else if (string.IsNullOrWhiteSpace(command.Reason) || command.Reason.Length > 5000)
        {
            Sender.Tell(new Rejected("invalid-dispute", "A dispute needs a reason (at most 5000 characters)."));
        }
        else
        {
            Persist(
                new MilestoneDisputed(milestone.MilestoneId, $"{contractId}~d{_disputeCount + 1}", command.UserId, command.Reason, Now),
                e => Sender.Tell(ViewOf(_milestones[e.MilestoneId])));
        }
    }

    private void Resolve(ResolveMilestoneDispute command)
    {
        var milestone = _milestones.Values.FirstOrDefault(m => m.DisputeId == command.DisputeId && m.Status == MilestoneStatus.Disputed);
        if (milestone is null)
        {
            Sender.Tell(new Rejected(
                _milestones.Values.Any(m => m.DisputeId == command.DisputeId) ? "dispute-not-open" : "not-found",
                $"No open milestone dispute {command.DisputeId} on this contract."));
            return;
        }

        if (command.ReleaseCents < 0 || command.ReleaseCents > milestone.EscrowCents)
        {
            Sender.Tell(new Rejected("invalid-resolution", $"The freelancer's share is between 0 and the {milestone.EscrowCents} cents in escrow."));
            return;
        }

        var now = Now;
        var refund = milestone.EscrowCents - command.ReleaseCents;
        Persist(new MilestoneDisputeResolved(milestone.MilestoneId, command.DisputeId, command.ReleaseCents, refund, command.Note, now));
        if (command.ReleaseCents > 0)
        {
            Persist(new MilestoneReleased(milestone.MilestoneId, command.ReleaseCents, now + rules.Cycle.PayoutDelay, now));
        }

        if (refund > 0)
        {
            Persist(new MilestoneRefundRequested(milestone.MilestoneId, $"{milestone.FundingChargeId}/refund-{command.DisputeId}", refund, now), e =>
            {
                if (_milestones[e.MilestoneId].PendingRefundId is { } refundId)
                {
                    SendRefund(_milestones[e.MilestoneId], refundId);
                }
            });
        }

        AfterPersist(() => Sender.Tell(ViewOf(_milestones[milestone.MilestoneId])));
    }

    private MilestoneState? FindMilestone(string milestoneId, string userId, bool client)
    {
        if ((Refuse(userId, client) ?? RefuseUnlessFixed()) is { } refusal)
        {
            Sender.Tell(refusal);
            return null;
        }

        if (_milestones.TryGetValue(milestoneId, out var milestone))
        {
            return milestone;
        }

        Sender.Tell(new Rejected("not-found", $"No milestone {milestoneId} on this contract."));
        return null;
    }

    private Rejected? Refuse(string userId, bool client) =>
        userId == (client ? _terms!.ClientId : _terms!.FreelancerId) ? null : NotYourContract(client);

    private static Rejected NotYourContract(bool? client = null) => new(
        "not-your-contract",
        client switch
        {
            true => "Only the contract's client can do this.",
            false => "Only the contract's freelancer can do this.",
            null => "Only the contract's parties can do this.",
        });

    private Rejected? RefuseUnlessFixed() =>
        _terms!.Kind == ContractKind.Fixed ? null : new Rejected("not-fixed-price", "Milestones belong to fixed-price contracts; hourly work is billed weekly.");

    private MilestoneView ViewOf(MilestoneState m) => new(
        m.MilestoneId, m.Title, m.AmountCents, m.DueDate, m.Status, m.EscrowCents, m.ReleasedCents, m.RefundedCents + m.PendingRefundCents,
        m.AvailableAt, m.EarningsAvailable, m.LastMessage, m.DisputeId, m.FailureReasons);
}
