using LiveTracker.Actors.Accounts;
using LiveTracker.Actors.Billing;
using LiveTracker.Actors.Operations;
using LiveTracker.Actors.Sessions;
using LiveTracker.Actors.Hosting;
using Microsoft.Extensions.Logging;
using Akka.Actor;
using Akka.Cluster.Sharding;
using LiveTracker.Actors.Deadlines;

namespace LiveTracker.Actors.Contracts;

/// <summary>
/// One contract: its parties and terms, the router to its weeks, and its money. Work Diary commands reach a week
/// through <see cref="ForWeek"/>, so the week is opened with the contract's terms before its first command; tracking
/// is started through the contract, which checks the freelancer and hands its terms to the freelancer's tracker.
/// Each week's timesheet runs its cycle here on durable reminders (see Contract.Timesheets.cs), fixed-price
/// milestones and their escrow too (Contract.Milestones.cs); the client's billing account does the charging.
/// </summary>
public sealed partial class Contract : DomainEntity
{
    private readonly string contractId;
    private readonly ContractRules rules;
    private readonly DomainRegionRefs regions;
    private readonly ILogger log;
    private readonly double _openAheadShare;

    public Contract(string contractId, ContractRules rules, DomainRegionRefs regions, TimeProvider time, ILogger log, int snapshotEvery)
        : base("contract-" + contractId, RegionType, contractId, time, snapshotEvery)
    {
        this.contractId = contractId;
        this.rules = rules;
        // This contract's moment to open its next week: 10 % to 100 % of OpenNextWeekAhead before it, by a stable hash.
        _openAheadShare = 0.1 + (0.9 * ((uint)Akka.Util.MurmurHash.StringHash(contractId) / (double)uint.MaxValue));
        this.regions = regions;
        this.log = log;
    }

    private const string PartiesReminder = "parties";
    private const string DeskReminder = "dispute-desk";
    private readonly Dictionary<string, bool> _deskInformed = new(StringComparer.Ordinal);
    private readonly HashSet<string> _joined = new(StringComparer.Ordinal);
    private bool _ended;
    private DateTimeOffset _endedAt = DateTimeOffset.MaxValue;

    /// <summary>The shard region's type name: deadlines are addressed to it.</summary>
    public const string RegionType = "contracts";


    private static readonly DateTimeOffset EarliestTime = new(2000, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset LatestTime = new(2100, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private readonly HashSet<string> _weeks = new(StringComparer.Ordinal);

    // Weeks sent OpenWeek by this incarnation: sent again once after a restart, in case the first never landed.
    private readonly HashSet<string> _openedHere = new(StringComparer.Ordinal);
    private ContractCreated? _terms;
    private int? _limitMinutes;

    // Limits by the week they apply from, in order; weeks before the first change use the contract's original limit.
    private readonly List<(IsoWeek From, int? Limit)> _limitChanges = [];

    protected override void Handle(object command)
    {
        switch (command)
        {
            case CreateContract create:
                Create(create);
                return;
            case Accepted or Rejected:
                // A week answering what the contract sent it with itself as sender (opening, a pushed limit).
                return;
        }

        if (_terms is null)
        {
            Sender.Tell(new Rejected("not-found", $"Contract {contractId} does not exist."));
            return;
        }

        switch (command)
        {
            case GetContract:
                // The client's billing account adds what its payment setup lacks and answers the asker.
                var reasons = NotReadyReasons();
                regions.BillingAccounts.Tell(new ShardingEnvelope(_terms.ClientId, new CompleteContractView(new ContractView(
                    contractId, _terms.ClientId, _terms.FreelancerId, _terms.Title, _terms.Kind, _terms.HourlyRateCents,
                    _terms.Currency, _limitMinutes, _terms.SegmentMinutes, _terms.IdleTimeoutMinutes, [.. StartedWeeks().Order(StringComparer.Ordinal)],
                    reasons.Count == 0, reasons, _ended))), Sender);
                break;
            case DeadlineDue { Name: PartiesReminder } deadline:
                LinkParties();
                AcknowledgeDeadline(deadline);
                break;
            case DeadlineDue { Name: DeskReminder } deadline:
                InformDesk();
                AcknowledgeDeadline(deadline);
                break;
            case DisputeReported reported when !_deskInformed.TryGetValue(reported.DisputeId, out var known) || known != reported.Open:
                Persist(new ContractDisputeDeskInformed(reported.DisputeId, reported.Open));
                break;
            case DisputeReported:
                break;
            case ContractJoined joined when !_joined.Contains(joined.UserId) && IsParty(joined.UserId):
                Persist(new ContractPartyJoined(joined.UserId));
                break;
            case ContractJoined:
                break;
            case EndContract end when !IsParty(end.UserId):
                Sender.Tell(new Rejected("not-your-contract", "Only the contract's parties can end it."));
                break;
            case EndContract when _ended:
                Sender.Tell(Accepted.Instance);
                break;
            case EndContract end:
                Persist(new ContractEnded(end.UserId, Now), _ =>
                {
                    regions.Trackers.Tell(new ShardingEnvelope(_terms.FreelancerId, new EndContractTracking(contractId)), Self);
                    Sender.Tell(Accepted.Instance);
                });
                break;
            case StartContractTracking or AddMilestone when _ended:
                Sender.Tell(new Rejected("contract-ended", $"Contract {contractId} has ended."));
                break;
            case var money when HandleTimesheetCommand(money) || HandleMilestoneCommand(money):
                break;
            case ForWeek or RecordTrackedActivity when _terms.Kind != ContractKind.Hourly:
                Sender.Tell(new Rejected("not-hourly", "Fixed-price contracts have no Work Diary; their work is paid by milestone."));
                break;
            case ForWeek { Command: RecordCapture or RecordActivity or AddManualTime } late when late.At >= _endedAt
                || late.Command is AddManualTime manual && manual.To > _endedAt:
                Sender.Tell(new Rejected("contract-ended", $"Contract {contractId} ended at {_endedAt:O}; no time after that is billed."));
                break;
            case RecordTrackedActivity tracked when _ended && tracked.Minutes.Any(m => m.MinuteUtc >= _endedAt):
                // Minutes before the end still count (an agent's outbox may deliver them late); later ones do not.
                var beforeEnd = tracked.Minutes.Where(m => m.MinuteUtc < _endedAt).ToList();
                if (beforeEnd.Count == 0)
                {
                    Sender.Tell(new Rejected("contract-ended", $"Contract {contractId} ended at {_endedAt:O}; no time after that is billed."));
                }
                else
                {
                    RouteActivity(beforeEnd);
                }

                break;
            case ForWeek { At: var at } when at < EarliestTime || at > LatestTime:
                Sender.Tell(new Rejected("invalid-time", $"{at:O} is not a plausible time."));
                break;
            case ForWeek { Command: GetDiary or GetTotals } read when !_weeks.Contains(WeekOf(read.At).ToString()):
                AnswerUnopenedWeek(WeekOf(read.At), read.Command);
                break;
            case ForWeek { Command: DeleteCapture or RejectCapture or RequestReview or CommentOnCapture or EditMemo or GetCapture } change
                when !_weeks.Contains(WeekOf(change.At).ToString()):
                // These name something recorded; a week nobody worked in has nothing, and must not be opened by asking.
                Sender.Tell(new Rejected("not-found", $"Nothing was recorded in week {WeekOf(change.At)}."));
                break;
            case ForWeek { Command: MarkIdle } idle when !_weeks.Contains(WeekOf(idle.At).ToString()):
                Sender.Tell(Accepted.Instance);
                break;
            case ForWeek forWeek when IsDiaryCommand(forWeek.Command):
                Route(WeekOf(forWeek.At), forWeek.Command);
                break;
            case ForWeek forWeek:
                Sender.Tell(new Rejected("not-a-diary-command", $"{forWeek.Command.GetType().Name} cannot be sent to a week."));
                break;
            case RecordTrackedActivity activity:
                RouteActivity(activity.Minutes);
                break;
            case SetContractWeeklyLimit limit when limit.LimitMinutes < 0:
                Sender.Tell(new Rejected("invalid-limit", "A weekly limit cannot be negative."));
                break;
            case SetContractWeeklyLimit limit:
                // The new limit applies from the current week on: that week re-evaluates itself and answers, weeks
                // after it that are already open get it too, and past weeks keep the limit they had.
                var current = WeekOf(Now);
                Persist(new ContractWeeklyLimitSet(limit.LimitMinutes, current.ToString()), _ =>
                {
                    Route(current, new SetWeeklyLimit(limit.LimitMinutes));
                    foreach (var later in _weeks.Select(IsoWeek.Parse).Where(w => w.CompareTo(current) > 0))
                    {
                        Route(later, new SetWeeklyLimit(limit.LimitMinutes), Self);
                    }
                });
                break;
            case StartContractTracking start when start.FreelancerId != _terms.FreelancerId:
                Sender.Tell(new Rejected("not-your-contract", "Only the contract's freelancer can track time on it."));
                break;
            case StartContractTracking when _terms.Kind != ContractKind.Hourly:
                Sender.Tell(new Rejected("not-hourly", "Time is tracked on hourly contracts; fixed-price work is paid by milestone."));
                break;
            case StartContractTracking start:
                regions.Trackers.Tell(new ShardingEnvelope(start.FreelancerId, new StartTracking(
                    contractId, start.DeviceId, start.Memo, start.ActivityLabel, start.TakeOver, _terms.SegmentMinutes, _terms.IdleTimeoutMinutes)), Sender);
                break;
            default:
                Unhandled(command);
                break;
        }
    }

    /// <summary>What happens to a contract (its timesheets' steps above all) is shown to its watching pages.</summary>
    protected override void OnCommitted(object @event, long sequenceNr) => PublishLive(contractId, sequenceNr);

    protected override object CreateSnapshot() => new ContractSnapshot(
        _terms, _limitMinutes, [.. _limitChanges.Select(c => new ContractWeeklyLimitSet(c.Limit, c.From.ToString()))], [.. _weeks],
        [.. _timesheets.Values], [.. _milestones.Values], [.. _ledger], _disputeCount, [.. _joined], _ended,
        new Dictionary<string, bool>(_deskInformed, StringComparer.Ordinal), _ended ? _endedAt : null);

    protected override void ApplySnapshot(object snapshot)
    {
        var state = (ContractSnapshot)snapshot;
        if (state.Terms is { } terms)
        {
            ApplyEvent(terms);
        }

        foreach (var change in state.LimitChanges)
        {
            ApplyEvent(change);
        }

        _limitMinutes = state.LimitMinutes;
        _weeks.UnionWith(state.Weeks);
        foreach (var timesheet in state.Timesheets)
        {
            _timesheets[timesheet.Week] = timesheet;
        }

        foreach (var milestone in state.Milestones)
        {
            _milestones[milestone.MilestoneId] = milestone;
        }

        _ledger.AddRange(state.Ledger);
        _disputeCount = state.DisputeCount;
        _joined.UnionWith(state.JoinedParties ?? []);
        _ended = state.Ended;
        _endedAt = state.EndedAt ?? (state.Ended ? DateTimeOffset.MinValue : DateTimeOffset.MaxValue);
        foreach (var (dispute, open) in state.DeskInformed ?? new Dictionary<string, bool>())
        {
            _deskInformed[dispute] = open;
        }
    }

    protected override void ApplyEvent(object @event)
    {
        switch (@event)
        {
            case ContractCreated created:
                _terms = created;
                _limitMinutes = created.WeeklyLimitMinutes;
                break;
            case ContractWeeklyLimitSet limit:
                _limitMinutes = limit.LimitMinutes;
                _limitChanges.Add((IsoWeek.Parse(limit.FromWeek), limit.LimitMinutes));
                break;
            case ContractWeekStarted week:
                _weeks.Add(week.Week);
                break;
            case ContractPartyJoined joined:
                _joined.Add(joined.UserId);
                break;
            case ContractEnded ended:
                _ended = true;
                _endedAt = ended.At;
                break;
            case ContractDisputeDeskInformed informed:
                _deskInformed[informed.DisputeId] = informed.Open;
                break;
            default:
                if (!ApplyTimesheetEvent(@event))
                {
                    ApplyMilestoneEvent(@event);
                }

                break;
        }
    }

    private void Create(CreateContract create)
    {
        var created = new ContractCreated(
            contractId, create.ClientId, create.FreelancerId, create.Title, create.Kind, create.HourlyRateCents, create.Currency,
            create.WeeklyLimitMinutes, create.SegmentMinutes, create.IdleTimeoutMinutes);
        if (_terms is not null)
        {
            Sender.Tell(_terms == created ? Accepted.Instance : new Rejected("contract-exists", $"Contract {contractId} already exists."));
        }
        else if (!SegmentSlots.IsValidLength(create.SegmentMinutes) || create.IdleTimeoutMinutes is < 1 or > 240
            || create.HourlyRateCents is < 0 or > MaxHourlyRateCents || create.WeeklyLimitMinutes is < 0 or > 7 * 24 * 60
            || create.ClientId == create.FreelancerId || create.Currency != Payments.BillingAccount.SupportedCurrency)
        {
            Sender.Tell(new Rejected(
                "invalid-contract",
                "Segment length must divide a day, idle timeout be 1 to 240 minutes, the rate 0 to 1,000,000 cents an hour, "
                + "the weekly limit 0 to 168 hours, the currency USD, and client and freelancer different people."));
        }
        else
        {
            Persist(created, e =>
            {
                LogCreated(log, contractId, e.Kind.ToString(), e.HourlyRateCents, e.Currency);
                Sender.Tell(Accepted.Instance);
            });
        }
    }

    private const long MaxHourlyRateCents = 1_000_000;

    private bool IsParty(string userId) => userId == _terms!.ClientId || userId == _terms.FreelancerId;

    /// <summary>Asks both parties' accounts to list the contract, until both confirmed (a reminder asks again).</summary>
    private void LinkParties()
    {
        var missing = new[] { _terms!.ClientId, _terms.FreelancerId }.Where(u => !_joined.Contains(u)).ToList();
        foreach (var userId in missing)
        {
            regions.Users.Tell(new ShardingEnvelope(userId, new JoinContract(contractId)), Self);
        }

        if (missing.Count > 0)
        {
            SetDeadline(PartiesReminderKey, Now + rules.StepRetryInterval);
        }
    }

    private const string PartiesReminderKey = PartiesReminder;

    private const string DeskReminderKey = DeskReminder;

    /// <summary>Disputes whose open or closed state the operators' desk does not know yet.</summary>
    private IEnumerable<ReportDispute> DisputesForDesk()
    {
        var now = Now;
        var timesheets = _timesheets.Values.Where(t => t.DisputeId is not null)
            .Select(t => new ReportDispute(t.DisputeId!, contractId, t.Week, "timesheet", t.DisputeReason ?? string.Empty, t.Status == TimesheetStatus.Disputed, now));
        var milestones = _milestones.Values.Where(m => m.DisputeId is not null)
            .Select(m => new ReportDispute(m.DisputeId!, contractId, m.MilestoneId, "milestone", m.LastMessage ?? string.Empty, m.Status == MilestoneStatus.Disputed, now));
        return timesheets.Concat(milestones).Where(d => !_deskInformed.TryGetValue(d.DisputeId, out var open) || open != d.Open);
    }

    private void InformDesk()
    {
        var pending = DisputesForDesk().ToList();
        foreach (var report in pending)
        {
            regions.DisputeDesks.Tell(new ShardingEnvelope(Operations.DisputeDesk.EntityId, report), Self);
        }

        if (pending.Count > 0)
        {
            SetDeadline(DeskReminderKey, Now + rules.StepRetryInterval);
        }
    }

    private TimeZoneInfo WeekZone => rules.Cycle.WeekZone;


    /// <summary>The limit in force for <paramref name="week"/>: the last change from that week or before, else the original.</summary>
    private int? LimitFor(IsoWeek week)
    {
        var limit = _terms!.WeeklyLimitMinutes;
        foreach (var (from, changed) in _limitChanges)
        {
            if (from.CompareTo(week) <= 0)
            {
                limit = changed;
            }
        }

        return limit;
    }

    /// <summary>The weeks opened that have begun (a week opened ahead of its start is not shown before it starts).</summary>
    private IEnumerable<string> StartedWeeks() => _weeks.Where(w => IsoWeek.Parse(w).StartIn(WeekZone) <= Now);

    /// <summary>The week that owns the segment containing <paramref name="at"/> (a segment is billed in one week only).</summary>
    private IsoWeek WeekOf(DateTimeOffset at) => IsoWeek.Of(SegmentSlots.StartOf(at, _terms!.SegmentMinutes), WeekZone);

    private static bool IsDiaryCommand(object command) =>
        command is RecordCapture or RecordActivity or DeleteCapture or RejectCapture or RequestReview or CommentOnCapture
            or EditMemo or AddManualTime or MarkIdle or GetDiary or GetTotals or GetCapture;

    /// <summary>A week nobody worked in is answered here, without opening it (reads must not write).</summary>
    private void AnswerUnopenedWeek(IsoWeek week, object read) =>
        Sender.Tell(read is GetTotals totals
            ? new WeekTotals(week, totals.Day, 0, 0, 0)
            : new WeekDiary(contractId, week, false, LimitFor(week), 0, 0, []));

    private void RouteActivity(IReadOnlyList<ActivityMinute> minutes)
    {
        var byWeek = minutes
            .Where(m => m.MinuteUtc >= EarliestTime && m.MinuteUtc <= LatestTime)
            .GroupBy(m => WeekOf(m.MinuteUtc))
            .ToList();
        if (byWeek.Count == 1)
        {
            Route(byWeek[0].Key, new RecordActivity([.. byWeek[0]]));
        }
        else
        {
            // Rare (a batch across a week boundary): each week gets its part and the tracker hears from this contract.
            foreach (var group in byWeek)
            {
                Route(group.Key, new RecordActivity([.. group]), Self);
            }

            Sender.Tell(Accepted.Instance);
        }

        OpenNextWeekIfDue();
    }

    /// <summary>
    /// A contract being tracked opens its next week during the last <see cref="ContractRules.OpenNextWeekAhead"/> of the
    /// current one, at a point spread by a hash of its id (ADR 0017): every tracked week would otherwise start in the same
    /// minute (Monday 00:00 in the week zone) and its first command wait for the week's entity to start and be opened.
    /// The week stays resident until it starts. Lost on a restart, nothing is missed: the first command opens it as ever.
    /// </summary>
    private void OpenNextWeekIfDue()
    {
        var next = WeekOf(Now).Next();
        if (_weeks.Contains(next.ToString()))
        {
            return;
        }

        var startsAt = next.StartIn(WeekZone);
        var opensAt = startsAt - (rules.OpenNextWeekAhead * _openAheadShare);
        if (Now >= opensAt && Now < startsAt && startsAt < _endedAt)
        {
            Route(next, command: null, Self);
        }
    }

    /// <summary>Opens <paramref name="week"/> if it is not yet, then delivers <paramref name="command"/> (none: only opens it).</summary>
    private void Route(IsoWeek week, object? command, IActorRef? replyTo = null)
    {
        var entityId = WorkWeek.EntityId(contractId, week);
        var sender = replyTo ?? Sender;
        if (!_weeks.Contains(week.ToString()))
        {
            // The week's timesheet starts its cycle with it: the first reminder locks it when it ends.
            var schedule = rules.Cycle.ScheduleOf(week);
            if (schedule.StartsAt >= _endedAt)
            {
                sender.Tell(new Rejected("contract-ended", $"Contract {contractId} has ended; no week after its end opens."));
                return;
            }

            if (Now >= schedule.LocksAt)
            {
                // A week nobody worked in while it ran stays closed: no time can be added after its lock.
                sender.Tell(new Rejected("week-locked", $"Week {week} ended at {schedule.LocksAt:O}; its time can no longer change."));
                return;
            }

            Persist(new ContractWeekStarted(week.ToString()));
            Persist(
                new TimesheetScheduled(week.ToString(), schedule.LocksAt, schedule.SubmitsAt, schedule.ReviewEndsAt, schedule.AvailableAt),
                _ => Deliver(week, entityId, command, sender));
            return;
        }

        Deliver(week, entityId, command, sender);
    }

    private void Deliver(IsoWeek week, string entityId, object? command, IActorRef sender)
    {
        // Opening is idempotent; both messages travel the same path, so the week is open before the command.
        if (_openedHere.Add(week.ToString()))
        {
            regions.Weeks.Tell(new ShardingEnvelope(entityId, new OpenWeek(new WeekTerms(
                contractId, week, WeekZone, _terms!.SegmentMinutes, _terms.HourlyRateCents, LimitFor(week)))), Self);
        }

        if (command is not null)
        {
            regions.Weeks.Tell(new ShardingEnvelope(entityId, command), sender);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Contract {ContractId} created: {Kind}, {RateCents} cents an hour in {Currency}")]
    private static partial void LogCreated(ILogger logger, string contractId, string kind, long rateCents, string currency);

    [LoggerMessage(Level = LogLevel.Information, Message = "Contract {ContractId}: week {Week} charged {AmountCents} cents")]
    private static partial void LogWeekCharged(ILogger logger, string contractId, string week, long amountCents);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Contract {ContractId}: payment for week {Week} failed ({Reasons})")]
    private static partial void LogPaymentFailed(ILogger logger, string contractId, string week, string reasons);
}
