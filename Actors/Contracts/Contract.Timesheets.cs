using LiveTracker.Actors.Billing;
using LiveTracker.Actors.Payments;
using Akka.Actor;
using Akka.Cluster.Sharding;
using LiveTracker.Actors.Deadlines;

namespace LiveTracker.Actors.Contracts;

/// <summary>
/// The weekly cycle of each timesheet: lock when the week ends, submit, review (disputes), charge, pay out. Every
/// step is driven by one durable reminder per week, set atomically with the event that makes the step the next
/// one; steps that wait on another entity (the week's figures, the client's billing account) set the reminder a
/// little ahead so a lost answer is asked for again, with the same ids, until it arrives.
/// </summary>
public sealed partial class Contract
{
    private const string TimesheetReminderPrefix = "timesheet:";

    private readonly SortedDictionary<string, TimesheetState> _timesheets = new(StringComparer.Ordinal);
    private readonly List<LedgerLine> _ledger = [];
    private readonly Dictionary<string, IActorRef> _chargeWaiters = new(StringComparer.Ordinal);
    private int _disputeCount;

    /// <summary>An open dispute (timesheet or milestone) freezes every payment on the contract.</summary>
    private bool PaymentsFrozen =>
        _timesheets.Values.Any(t => t.Status == TimesheetStatus.Disputed) || _milestones.Values.Any(m => m.Status == MilestoneStatus.Disputed);

    private bool HandleTimesheetCommand(object command)
    {
        switch (command)
        {
            case DeadlineDue { Name: var name } deadline when name.StartsWith(TimesheetReminderPrefix, StringComparison.Ordinal):
                if (_timesheets.TryGetValue(name[TimesheetReminderPrefix.Length..], out var due))
                {
                    AdvanceTimesheet(due);
                }

                AcknowledgeDeadline(deadline);
                return true;
            case WeekDiary diary when _timesheets.TryGetValue(diary.Week.ToString(), out var locking):
                CompleteLock(locking, diary);
                return true;
            case ChargeSucceeded success when FindTimesheetByCharge(success.ChargeId) is { } charged:
                Persist(
                    new TimesheetCharged(charged.Week, success.ChargeId, success.AmountCents, success.Kind.ToString(), success.Reference, Now),
                    e =>
                    {
                        LogWeekCharged(log, contractId, e.Week, e.AmountCents);
                        AnswerChargeWaiter(success.ChargeId, Accepted.Instance);
                    });
                return true;
            case ChargeDeclined declined when FindTimesheetByCharge(declined.ChargeId) is { } failed:
                Persist(
                    new TimesheetPaymentFailed(failed.Week, declined.ChargeId, declined.Reasons, Now),
                    e =>
                    {
                        LogPaymentFailed(log, contractId, e.Week, string.Join("; ", e.Reasons));
                        AnswerChargeWaiter(declined.ChargeId, new Rejected("payment-declined", "The payment was declined: " + string.Join("; ", e.Reasons)));
                    });
                return true;
            case GetTimesheet get:
                DescribeTimesheetOf(get.Week);
                return true;
            case DisputeTimesheet dispute:
                Dispute(dispute);
                return true;
            case ResolveTimesheetDispute resolve:
                Resolve(resolve);
                return true;
            case PayTimesheet pay:
                Pay(pay);
                return true;
            case GetLedger:
                Sender.Tell(Ledger());
                return true;
            default:
                return false;
        }
    }

    private bool ApplyTimesheetEvent(object @event)
    {
        switch (@event)
        {
            case TimesheetScheduled scheduled:
                _timesheets[scheduled.Week] = TimesheetState.Scheduled(scheduled);
                return true;
            case TimesheetLocked locked:
                Update(locked.Week, t => t with { Status = TimesheetStatus.Locked, BillableMinutes = locked.BillableMinutes, BilledSegments = locked.BilledSegments });
                return true;
            case TimesheetSubmitted submitted:
                Update(submitted.Week, t => t with { Status = TimesheetStatus.InReview });
                return true;
            case TimesheetDisputed disputed:
                _disputeCount++;
                Update(disputed.Week, t => t with { Status = TimesheetStatus.Disputed, DisputeId = disputed.DisputeId, DisputeReason = disputed.Reason });
                return true;
            case TimesheetDisputeResolved resolved:
                // Back to review, whose end has passed: the charge of what was not refunded is the next step.
                Update(resolved.Week, t => t with
                {
                    Status = TimesheetStatus.InReview,
                    RefundedSegments = [.. t.RefundedSegments.Union(resolved.RefundedSegments).Order()],
                });
                return true;
            case TimesheetChargeRequested requested:
                Update(requested.Week, t => t with { PendingChargeId = requested.ChargeId, PendingChargeCents = requested.AmountCents });
                return true;
            case TimesheetCharged charged:
                Update(charged.Week, t => t with
                {
                    Status = TimesheetStatus.Charged, PendingChargeId = null, ChargedCents = charged.AmountCents, ChargedAt = charged.At, FailureReasons = [],
                });
                if (charged.AmountCents > 0)
                {
                    var reference = "timesheet " + charged.Week;
                    _ledger.Add(new LedgerLine(charged.At, LedgerParty.Client, "timesheet-charge", reference, -charged.AmountCents));
                    _ledger.Add(new LedgerLine(charged.At, LedgerParty.FreelancerPending, "earnings-pending", reference, charged.AmountCents));
                }

                return true;
            case TimesheetPaymentFailed failed:
                Update(failed.Week, t => t with
                {
                    Status = TimesheetStatus.PaymentFailed, PendingChargeId = null, FailedCharges = t.FailedCharges + 1, FailureReasons = failed.Reasons,
                });
                return true;
            case EarningsReleased released when released.Source.StartsWith(TimesheetReminderPrefix, StringComparison.Ordinal):
                Update(released.Source[TimesheetReminderPrefix.Length..], t => t with { Status = TimesheetStatus.PaidOut });
                AddReleaseLines(released);
                return true;
            default:
                return false;
        }
    }

    private void Update(string week, Func<TimesheetState, TimesheetState> change) => _timesheets[week] = change(_timesheets[week]);

    private void AddReleaseLines(EarningsReleased released)
    {
        if (released.AmountCents > 0)
        {
            var reference = released.Source.Replace(':', ' ');
            _ledger.Add(new LedgerLine(released.At, LedgerParty.FreelancerPending, "earnings-released", reference, -released.AmountCents));
            _ledger.Add(new LedgerLine(released.At, LedgerParty.FreelancerAvailable, "earnings-available", reference, released.AmountCents));
        }
    }

    /// <summary>The step a reminder woke the week for, if it is due; anything else only re-sets the right reminder.</summary>
    private void AdvanceTimesheet(TimesheetState timesheet)
    {
        var now = Now;
        switch (timesheet.Status)
        {
            case TimesheetStatus.Open when now >= timesheet.LocksAt:
                // Lock, then read the figures; both travel the same path, so the diary comes back locked.
                var week = IsoWeek.Parse(timesheet.Week);
                Deliver(week, WorkWeek.EntityId(contractId, week), new LockWeek(), Self);
                Deliver(week, WorkWeek.EntityId(contractId, week), new GetDiary(), Self);
                SetDeadline(ReminderOf(timesheet), now + rules.StepRetryInterval);
                break;
            case TimesheetStatus.Locked when now >= timesheet.SubmitsAt:
                Persist(new TimesheetSubmitted(timesheet.Week, now));
                break;
            case TimesheetStatus.InReview when timesheet.PendingChargeId is not null || now >= timesheet.ReviewEndsAt || timesheet.DisputeId is not null:
            case TimesheetStatus.PaymentFailed when timesheet.PendingChargeId is not null:
                Charge(timesheet);
                break;
            case TimesheetStatus.Charged when now >= ReleaseTime(timesheet) && !PaymentsFrozen:
                Persist(new EarningsReleased(TimesheetReminderPrefix + timesheet.Week, timesheet.ChargedCents ?? 0, now));
                break;
            default:
                ScheduleNextStep(timesheet);
                break;
        }
    }

    private void CompleteLock(TimesheetState timesheet, WeekDiary diary)
    {
        if (timesheet.Status != TimesheetStatus.Open || !diary.Locked)
        {
            return; // an answer to a retry, or to a read that raced the lock: the reminder asks again
        }

        var billed = diary.Segments.Where(s => s.Billable).Select(s => s.Start).ToList();
        Persist(new TimesheetLocked(timesheet.Week, diary.BillableMinutes, billed, Now));
    }

    /// <summary>Asks the client's billing account for the week's charge (a new charge id only after a decline).</summary>
    private void Charge(TimesheetState timesheet)
    {
        if (timesheet.PendingChargeId is { } pending)
        {
            SendCharge(timesheet, pending);
            ScheduleNextStep(timesheet); // asked again in a while unless answered
            return;
        }

        if (PaymentsFrozen)
        {
            ScheduleNextStep(timesheet); // no reminder while frozen; resolving the dispute schedules again
            return;
        }

        var amount = ChargeableCents(timesheet);
        if (amount == 0)
        {
            Persist(new TimesheetCharged(timesheet.Week, null, 0, "none", null, Now));
            return;
        }

        var chargeId = $"{contractId}/{timesheet.Week}/charge-{timesheet.FailedCharges + 1}";
        Persist(new TimesheetChargeRequested(timesheet.Week, chargeId, amount, Now), e => SendCharge(_timesheets[e.Week], e.ChargeId));
    }

    private void SendCharge(TimesheetState timesheet, string chargeId)
    {
        if (timesheet.RefundedSegments.Count > 0)
        {
            // The week learns its refunds again with each attempt, in case the first message was lost.
            var week = IsoWeek.Parse(timesheet.Week);
            Deliver(week, WorkWeek.EntityId(contractId, week), new RefundSegments(timesheet.RefundedSegments), Self);
        }

        regions.BillingAccounts.Tell(
            // The amount recorded with the request: every retry of a charge id asks for exactly the same charge.
            new ShardingEnvelope(_terms!.ClientId, new ChargeClient(chargeId, contractId, timesheet.PendingChargeCents, _terms.Currency, $"{_terms.Title}: timesheet {timesheet.Week}")),
            Self);
    }

    private long ChargeableCents(TimesheetState timesheet)
    {
        var minutes = (timesheet.BilledSegments.Count - timesheet.RefundedSegments.Count(timesheet.BilledSegments.Contains)) * _terms!.SegmentMinutes;
        return Money.AmountCents(Math.Min(minutes, timesheet.BillableMinutes), _terms.HourlyRateCents);
    }

    private TimesheetState? FindTimesheetByCharge(string chargeId) =>
        _timesheets.Values.FirstOrDefault(t => t.PendingChargeId == chargeId);

    private static DateTimeOffset ReleaseTime(TimesheetState timesheet) =>
        timesheet.ChargedAt is { } charged && charged > timesheet.AvailableAt ? charged : timesheet.AvailableAt;

    /// <summary>Answers the client waiting on a charge (a manual payment, a milestone's funding), if any.</summary>
    private void AnswerChargeWaiter(string chargeId, object answer)
    {
        if (_chargeWaiters.Remove(chargeId, out var waiter))
        {
            waiter.Tell(answer);
        }
    }

    /// <summary>
    /// Each state change of a timesheet or milestone sets its next reminder in the same write; the start or end of
    /// a dispute re-plans every pending step, because a freeze holds them all.
    /// </summary>
    protected override void OnPersisting(object @event)
    {
        switch (@event)
        {
            case ContractCreated:
                // The parties' accounts learn of the contract at once (a reminder, so a crash cannot skip it).
                SetDeadline(PartiesReminderKey, Now);
                break;
            case ContractPartyJoined when _joined.Count == 2:
                ClearDeadline(PartiesReminderKey);
                break;
            case TimesheetDisputed or TimesheetDisputeResolved or MilestoneDisputed or MilestoneDisputeResolved:
                ScheduleAllSteps();
                SetDeadline(DeskReminderKey, Now); // the operators' list learns of it right away
                break;
            case ContractDisputeDeskInformed when !DisputesForDesk().Any():
                ClearDeadline(DeskReminderKey);
                break;
            case EarningsReleased released when released.Source.StartsWith(TimesheetReminderPrefix, StringComparison.Ordinal):
                ScheduleNextStep(_timesheets[released.Source[TimesheetReminderPrefix.Length..]]);
                break;
            case EarningsReleased released when released.Source.StartsWith(MilestoneReminderPrefix, StringComparison.Ordinal):
                ScheduleNextStep(_milestones[released.Source[MilestoneReminderPrefix.Length..]]);
                break;
            case TimesheetScheduled or TimesheetLocked or TimesheetSubmitted or TimesheetChargeRequested or TimesheetCharged or TimesheetPaymentFailed:
                ScheduleNextStep(_timesheets[TimesheetWeekOf(@event)]);
                break;
            case MilestoneFundingRequested or MilestoneFunded or MilestoneFundingFailed or MilestoneReleased or MilestoneRefundRequested or MilestoneRefunded:
                ScheduleNextStep(_milestones[MilestoneIdOf(@event)]);
                break;
        }
    }

    private static string TimesheetWeekOf(object @event) => @event switch
    {
        TimesheetScheduled e => e.Week,
        TimesheetLocked e => e.Week,
        TimesheetSubmitted e => e.Week,
        TimesheetChargeRequested e => e.Week,
        TimesheetCharged e => e.Week,
        TimesheetPaymentFailed e => e.Week,
        _ => throw new ArgumentException($"{@event.GetType().Name} is not a timesheet step.", nameof(@event)),
    };

    /// <summary>Sets the week's reminder to its next step, or cancels it when the next step waits on a person.</summary>
    private void ScheduleNextStep(TimesheetState timesheet)
    {
        DateTimeOffset? next = timesheet.Status switch
        {
            TimesheetStatus.Open => timesheet.LocksAt,
            TimesheetStatus.Locked => timesheet.SubmitsAt,
            TimesheetStatus.InReview when timesheet.PendingChargeId is not null => Now + rules.StepRetryInterval,
            // A resolved dispute settles the review: what was not refunded is charged right away.
            TimesheetStatus.InReview when timesheet.DisputeId is not null => PaymentsFrozen ? null : Now,
            TimesheetStatus.InReview when !PaymentsFrozen || Now < timesheet.ReviewEndsAt => timesheet.ReviewEndsAt,
            TimesheetStatus.PaymentFailed when timesheet.PendingChargeId is not null => Now + rules.StepRetryInterval,
            TimesheetStatus.Charged when !PaymentsFrozen => ReleaseTime(timesheet),
            _ => null,
        };
        if (next is { } due)
        {
            SetDeadline(ReminderOf(timesheet), due);
        }
        else
        {
            ClearDeadline(ReminderOf(timesheet));
        }
    }

    /// <summary>Every unfinished step again, when a freeze begins or may end.</summary>
    private void ScheduleAllSteps()
    {
        foreach (var timesheet in _timesheets.Values.Where(t => t.Status != TimesheetStatus.PaidOut))
        {
            ScheduleNextStep(timesheet);
        }

        foreach (var milestone in _milestones.Values.Where(m => !m.EarningsAvailable && m.Status != MilestoneStatus.Refunded))
        {
            ScheduleNextStep(milestone);
        }
    }

    private static string ReminderOf(TimesheetState timesheet) => TimesheetReminderPrefix + timesheet.Week;


    private void Dispute(DisputeTimesheet command)
    {
        var week = command.Week.ToString();
        var now = Now;
        if (command.ClientId != _terms!.ClientId)
        {
            Sender.Tell(new Rejected("not-your-contract", "Only the contract's client can dispute its hours."));
        }
        else if (!_timesheets.TryGetValue(week, out var timesheet) || timesheet.Status is TimesheetStatus.Open or TimesheetStatus.Locked
            || now < timesheet.SubmitsAt)
        {
            Sender.Tell(new Rejected("outside-review-period", $"The timesheet of {week} is not in review; hours can be disputed from its submission until its review ends."));
        }
        else if (timesheet.DisputeId is not null)
        {
            Sender.Tell(new Rejected("already-disputed", $"The timesheet of {week} was already disputed ({timesheet.DisputeId}); a week is disputed once."));
        }
        else if (timesheet.Status != TimesheetStatus.InReview || now >= timesheet.ReviewEndsAt || timesheet.PendingChargeId is not null)
        {
            Sender.Tell(new Rejected("outside-review-period", $"The review of {week} ended at {timesheet.ReviewEndsAt:O}; its hours can no longer be disputed."));
        }
        else if (string.IsNullOrWhiteSpace(command.Reason) || command.Reason.Length > 5000)
        {
            Sender.Tell(new Rejected("invalid-dispute", "A dispute needs a reason (at most 5000 characters)."));
        }
        else if (command.SegmentStarts.Count == 0 || command.SegmentStarts.Any(s => !timesheet.BilledSegments.Contains(s)))
        {
            Sender.Tell(new Rejected("invalid-dispute", "A dispute names one or more billed segments of the week, by their start."));
        }
        else
        {
            var disputeId = $"{contractId}~d{_disputeCount + 1}";
            Persist(
                new TimesheetDisputed(week, disputeId, [.. command.SegmentStarts.Distinct().Order()], command.Reason, now),
                e => Sender.Tell(new DisputeOpened(e.DisputeId)));
        }
    }

    private void Resolve(ResolveTimesheetDispute command)
    {
        var timesheet = _timesheets.Values.FirstOrDefault(t => t.DisputeId == command.DisputeId && t.Status == TimesheetStatus.Disputed);
        if (timesheet is null)
        {
            Sender.Tell(new Rejected(
                _timesheets.Values.Any(t => t.DisputeId == command.DisputeId) ? "dispute-not-open" : "not-found",
                $"No open timesheet dispute {command.DisputeId} on this contract."));
        }
        else if (command.RefundSegmentStarts.Any(s => !timesheet.BilledSegments.Contains(s)))
        {
            Sender.Tell(new Rejected("invalid-resolution", "Only billed segments of the week can be refunded."));
        }
        else
        {
            Persist(
                new TimesheetDisputeResolved(timesheet.Week, command.DisputeId, [.. command.RefundSegmentStarts.Distinct().Order()], command.Note, Now),
                e =>
                {
                    var week = IsoWeek.Parse(e.Week);
                    if (e.RefundedSegments.Count > 0)
                    {
                        Deliver(week, WorkWeek.EntityId(contractId, week), new RefundSegments(e.RefundedSegments), Self);
                    }

                    Sender.Tell(Accepted.Instance);
                });
        }
    }

    private void Pay(PayTimesheet command)
    {
        var week = command.Week.ToString();
        if (command.ClientId != _terms!.ClientId)
        {
            Sender.Tell(new Rejected("not-your-contract", "Only the contract's client can pay its timesheets."));
        }
        else if (!_timesheets.TryGetValue(week, out var timesheet) || timesheet.Status != TimesheetStatus.PaymentFailed)
        {
            Sender.Tell(new Rejected("nothing-to-pay", $"The timesheet of {week} has no failed payment."));
        }
        else if (PaymentsFrozen)
        {
            Sender.Tell(new Rejected("payments-frozen", "An open dispute freezes payments on this contract until it is resolved."));
        }
        else
        {
            var chargeId = timesheet.PendingChargeId ?? $"{contractId}/{week}/charge-{timesheet.FailedCharges + 1}";
            _chargeWaiters[chargeId] = Sender;
            if (timesheet.PendingChargeId is null)
            {
                Persist(new TimesheetChargeRequested(week, chargeId, ChargeableCents(timesheet), Now), e => SendCharge(_timesheets[e.Week], e.ChargeId));
            }
            else
            {
                SendCharge(timesheet, chargeId);
                ScheduleNextStep(timesheet);
            }
        }
    }

    private void DescribeTimesheetOf(IsoWeek week)
    {
        if (week.Year is < 2000 or > 2099)
        {
            Sender.Tell(new Rejected("invalid-week", $"{week} is not a week this product bills (2000 to 2099)."));
            return;
        }

        if (_timesheets.TryGetValue(week.ToString(), out var t))
        {
            // The week adds its days and totals (after refunds) and answers the asker.
            Deliver(week, WorkWeek.EntityId(contractId, week), new DescribeTimesheet(
                t.Status, t.LocksAt, t.SubmitsAt, t.ReviewEndsAt, t.AvailableAt, t.ChargedCents, t.DisputeId, t.FailureReasons), Sender);
            return;
        }

        // A week nobody worked in has nothing to bill; its status follows the calendar.
        var schedule = rules.Cycle.ScheduleOf(week);
        var now = Now;
        var status = now < schedule.LocksAt ? TimesheetStatus.Open
            : now < schedule.SubmitsAt ? TimesheetStatus.Locked
            : now < schedule.ReviewEndsAt ? TimesheetStatus.InReview
            : now < schedule.AvailableAt ? TimesheetStatus.Charged
            : TimesheetStatus.PaidOut;
        var monday = DateOnly.FromDateTime(System.Globalization.ISOWeek.ToDateTime(week.Year, week.Week, DayOfWeek.Monday));
        Sender.Tell(new TimesheetView(
            contractId, week, status, [.. Enumerable.Range(0, 7).Select(d => new TimesheetDay(monday.AddDays(d), 0))], 0, 0,
            schedule.LocksAt, schedule.SubmitsAt, schedule.ReviewEndsAt, schedule.AvailableAt, status >= TimesheetStatus.Charged ? 0 : null, null, []));
    }

    private ContractLedger Ledger() => new(
        contractId,
        _terms!.Currency,
        [.. _ledger],
        -_ledger.Where(l => l.Party == LedgerParty.Client).Sum(l => l.AmountCents),
        _ledger.Where(l => l.Party == LedgerParty.Escrow).Sum(l => l.AmountCents),
        _ledger.Where(l => l.Party == LedgerParty.FreelancerPending).Sum(l => l.AmountCents),
        _ledger.Where(l => l.Party == LedgerParty.FreelancerAvailable).Sum(l => l.AmountCents));

    /// <summary>What keeps the contract from being Work View ready on its side (the billing account adds its own).</summary>
    private List<string> NotReadyReasons()
    {
        var reasons = new List<string>();
        if (_timesheets.Values.Any(t => t.Status == TimesheetStatus.PaymentFailed))
        {
            reasons.Add("payment-failed");
        }

        if (PaymentsFrozen)
        {
            reasons.Add("dispute-open");
        }

        return reasons;
    }
}

/// <summary>The sides of a contract's ledger lines.</summary>
public static class LedgerParty
{
    public const string Client = "client";
    public const string Escrow = "escrow";
    public const string FreelancerPending = "freelancer-pending";
    public const string FreelancerAvailable = "freelancer-available";
}
