using LiveTracker.Actors.Billing;
using LiveTracker.Actors.Cluster;
using LiveTracker.Actors.Kernel;
using LiveTracker.Actors.Persistence;
using LiveTracker.Actors.Sessions;

namespace LiveTracker.Actors.Contracts;

/// <summary>
/// One contract: its parties and terms, and the router to its weeks. Work Diary commands reach a week through
/// <see cref="ForWeek"/>, so the week is opened with the contract's terms before its first command; tracking is
/// started through the contract, which checks the freelancer and hands its terms to the freelancer's tracker.
/// </summary>
public sealed class Contract(
    string contractId,
    PersistenceContext persistence,
    TimeZoneInfo weekZone,
    IActorRef weeks,
    IActorRef trackers) : PersistentActor("contract-" + contractId, persistence)
{
    private readonly List<string> _weeks = [];
    private ContractCreated? _terms;
    private int? _limitMinutes;

    protected override void OnCommand(object command)
    {
        switch (command)
        {
            case CreateContract create:
                Create(create);
                return;
            case Accepted:
                // A week confirming it was opened.
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
                Sender.Tell(new ContractView(
                    contractId, _terms.ClientId, _terms.FreelancerId, _terms.Title, _terms.Kind, _terms.HourlyRateCents,
                    _terms.Currency, _limitMinutes, _terms.SegmentMinutes, _terms.IdleTimeoutMinutes, [.. _weeks]));
                break;
            case ForWeek forWeek:
                Route(IsoWeek.Of(forWeek.At, weekZone), forWeek.Command);
                break;
            case SetContractWeeklyLimit limit when limit.LimitMinutes < 0:
                Sender.Tell(new Rejected("invalid-limit", "A weekly limit cannot be negative."));
                break;
            case SetContractWeeklyLimit limit:
                // The new limit applies from the current week on; the week re-evaluates itself.
                Persist(new ContractWeeklyLimitSet(limit.LimitMinutes), _ =>
                    Route(IsoWeek.Of(Context.System.Time.GetUtcNow(), weekZone), new SetWeeklyLimit(limit.LimitMinutes)));
                break;
            case StartContractTracking start when start.FreelancerId != _terms.FreelancerId:
                Sender.Tell(new Rejected("not-your-contract", "Only the contract's freelancer can track time on it."));
                break;
            case StartContractTracking start:
                trackers.Tell(new ShardEnvelope(start.FreelancerId, new StartTracking(
                    contractId, start.DeviceId, start.Memo, start.ActivityLabel, start.TakeOver, _terms.SegmentMinutes, _terms.IdleTimeoutMinutes)), Sender);
                break;
            default:
                Unhandled(command);
                break;
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
                break;
            case ContractWeekStarted week:
                _weeks.Add(week.Week);
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
        else if (!SegmentSlots.IsValidLength(create.SegmentMinutes) || create.IdleTimeoutMinutes < 1
            || create.HourlyRateCents < 0 || create.WeeklyLimitMinutes < 0 || create.ClientId == create.FreelancerId)
        {
            Sender.Tell(new Rejected("invalid-contract", "Segment length, idle timeout, rate, limit or parties are not valid."));
        }
        else
        {
            Persist(created, _ => Sender.Tell(Accepted.Instance));
        }
    }

    private void Route(IsoWeek week, object command)
    {
        var entityId = WorkWeek.EntityId(contractId, week);
        if (!_weeks.Contains(week.ToString()))
        {
            // Opened before its first command reaches it: both travel the same path, so they arrive in order.
            var sender = Sender;
            Persist(new ContractWeekStarted(week.ToString()), _ =>
            {
                weeks.Tell(new ShardEnvelope(entityId, new OpenWeek(new WeekTerms(
                    contractId, week, weekZone, _terms!.SegmentMinutes, _terms.HourlyRateCents, _limitMinutes))), Self);
                weeks.Tell(new ShardEnvelope(entityId, command), sender);
            });
            return;
        }

        weeks.Tell(new ShardEnvelope(entityId, command), Sender);
    }
}
