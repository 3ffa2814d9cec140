using Akka.Actor;
using Akka.Cluster.Sharding;
using LiveTracker.Actors.Billing;
using LiveTracker.Actors.Contracts;
using LiveTracker.Actors.Deadlines;
using LiveTracker.Actors.Hosting;

namespace LiveTracker.Actors.Sessions;

/// <summary>
/// One freelancer's tracking: on or off, for which contract, from which device, with which memo. A freelancer
/// tracks one contract from one device at a time. Activity is forwarded to the contract's week, and idleness is
/// enforced here, on the server: no input for the contract's idle timeout pauses tracking and the idle span's
/// segments are marked idle (not billed). The idle check is a durable reminder, so a session whose agent and node
/// both went away is still paused when the node comes back. The time of the last input lives in memory, so a tracker
/// whose freelancer tracks is never passivated; one that does not passivates itself after <c>passivateAfter</c>.
/// </summary>
public sealed class FreelancerTracker(string freelancerId, IActorRef contracts, TimeProvider time, int snapshotEvery, TimeSpan passivateAfter)
    : DomainEntity("tracker-" + freelancerId, RegionType, freelancerId, time, snapshotEvery)
{
    /// <summary>The shard region's type name: deadlines are addressed to it.</summary>
    public const string RegionType = "trackers";

    private const string IdleCheck = "idle-check";
    private TrackingStarted? _session;
    private string? _lastStopReason;
    private DateTimeOffset _lastInputAt;

    protected override object CreateSnapshot() => new TrackerSnapshot(_session, _lastStopReason);

    protected override void ApplySnapshot(object snapshot)
    {
        var state = (TrackerSnapshot)snapshot;
        _session = state.Session;
        _lastStopReason = state.LastStopReason;
    }

    protected override void OnRecoveryCompleted()
    {
        if (_session is not null)
        {
            // Input seen before a node restart is not journaled here; give the session a full timeout from now.
            _lastInputAt = Now;
        }

        KeepAlive(_session is not null);
    }

    /// <summary>No passivation while tracking (the last input time is in memory); otherwise after a while without messages.</summary>
    private void KeepAlive(bool tracking) => Context.SetReceiveTimeout(tracking ? null : passivateAfter);

    protected override void Handle(object command)
    {
        switch (command)
        {
            case StartTracking start:
                Start(start);
                break;
            case StopTracking stop when _session is null || _session.DeviceId != stop.DeviceId:
                Sender.Tell(Accepted.Instance);
                break;
            case StopTracking:
                Persist(new TrackingStopped(_session!.SessionId, "stopped", Now, _session.ContractId), _ => Sender.Tell(Accepted.Instance));
                break;
            case EndContractTracking end when _session?.ContractId != end.ContractId:
                Sender.Tell(Accepted.Instance);
                break;
            case EndContractTracking:
                Persist(new TrackingStopped(_session!.SessionId, "contract-ended", Now, _session.ContractId), _ => Sender.Tell(Accepted.Instance));
                break;
            case ChangeMemo when _session is null:
                Sender.Tell(new Rejected("not-tracking", "Tracking is off."));
                break;
            case ChangeMemo memo:
                Persist(new TrackerMemoChanged(memo.Memo, memo.ActivityLabel, _session.ContractId), _ => Sender.Tell(Accepted.Instance));
                break;
            case ReportActivity report:
                Report(report);
                break;
            case DeadlineDue due:
                CheckIdle();
                AcknowledgeDeadline(due);
                break;
            case ReceiveTimeout:
                Context.Parent.Tell(new Passivate(PoisonPill.Instance));
                break;
            case GetTracking:
                Sender.Tell(new TrackingView(
                    _session is not null, _session?.ContractId, _session?.DeviceId, _session?.SessionId, _session?.Memo,
                    _session?.ActivityLabel, _session?.StartedAt, _lastStopReason));
                break;
            case Accepted or Rejected:
                // Answers of the weeks this tracker forwarded activity to.
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
            case TrackingStarted started:
                _session = started;
                _lastStopReason = null;
                break;
            case TrackingStopped stopped:
                _session = null;
                _lastStopReason = stopped.Reason;
                break;
            case TrackerMemoChanged memo when _session is not null:
                _session = _session with { Memo = memo.Memo, ActivityLabel = memo.ActivityLabel };
                break;
        }
    }

    protected override void OnCommitted(object @event, long sequenceNr)
    {
        switch (@event)
        {
            case TrackingStarted { ContractId: var contractId }:
                PublishLive(contractId, sequenceNr);
                break;
            case TrackingStopped { ContractId: { } contractId }:
                KeepAlive(_session is not null);
                PublishLive(contractId, sequenceNr);
                break;
            case TrackerMemoChanged { ContractId: { } contractId }:
                PublishLive(contractId, sequenceNr);
                break;
        }
    }

    /// <summary>A session starts its idle check and a stopped one ends it, in the same write as the event.</summary>
    protected override void OnPersisting(object @event)
    {
        switch (@event)
        {
            case TrackingStarted started:
                SetDeadline(IdleCheck, started.StartedAt.AddMinutes(started.IdleTimeoutMinutes));
                break;
            case TrackingStopped when _session is null:
                ClearDeadline(IdleCheck);
                break;
        }
    }

    private void Start(StartTracking start)
    {
        if (_session is { } current)
        {
            if (current.DeviceId == start.DeviceId && current.ContractId == start.ContractId)
            {
                Sender.Tell(new TrackingSession(current.SessionId));
                return;
            }

            if (current.DeviceId != start.DeviceId && !start.TakeOver)
            {
                Sender.Tell(new Rejected("session-active-elsewhere", $"Tracking is on from device {current.DeviceId}; stop it there or take over."));
                return;
            }

            Persist(new TrackingStopped(current.SessionId, current.DeviceId == start.DeviceId ? "switched" : "taken-over", Now, current.ContractId));
        }

        var started = new TrackingStarted(
            "ses_" + Guid.NewGuid().ToString("N"), start.ContractId, start.DeviceId, start.Memo, start.ActivityLabel,
            start.SegmentMinutes, start.IdleTimeoutMinutes, Now);
        Persist(started, s =>
        {
            KeepAlive(true);
            _lastInputAt = s.StartedAt;
            Sender.Tell(new TrackingSession(s.SessionId));
        });
    }

    private void Report(ReportActivity report)
    {
        // Minutes for another contract than the session's (it switched while they were on their way) are not this
        // session's to forward; the caller records them on their own contract.
        if (_session is null || _session.DeviceId != report.DeviceId || (report.ContractId is { } contract && contract != _session.ContractId))
        {
            Sender.Tell(new Rejected("not-tracking", "Tracking is off on this device; turn it on to record activity."));
            return;
        }

        // The week answers the agent itself, after the minutes are durable (or with why they were refused).
        contracts.Tell(new ShardingEnvelope(_session.ContractId, new RecordTrackedActivity(report.Minutes)), Sender);

        // Input from before this session or from the future (a wrong agent clock) says nothing about idleness now.
        var now = Now;
        var lastActive = report.Minutes
            .Where(m => m.Active && m.MinuteUtc >= _session.StartedAt.AddMinutes(-1) && m.MinuteUtc <= now)
            .Select(m => m.MinuteUtc.AddMinutes(1))
            .DefaultIfEmpty()
            .Max();
        if (lastActive > _lastInputAt)
        {
            // The reminder is not moved on every report: when it rings it looks at the last input and rings again later.
            _lastInputAt = lastActive;
        }
    }

    private TimeSpan IdleTimeout => TimeSpan.FromMinutes(_session!.IdleTimeoutMinutes);

    private void CheckIdle()
    {
        if (_session is null)
        {
            return;
        }

        var now = Now;
        if (now - _lastInputAt < IdleTimeout)
        {
            SetDeadline(IdleCheck, _lastInputAt + IdleTimeout);
            return;
        }

        // The segment with the last input keeps its time; every segment after it up to now is idle.
        var idleFrom = SegmentSlots.StartOf(_lastInputAt.AddTicks(-1), _session.SegmentMinutes).AddMinutes(_session.SegmentMinutes);
        var contractId = _session.ContractId;
        Persist(new TrackingStopped(_session.SessionId, "idle", now, _session.ContractId), _ =>
        {
            if (idleFrom < now)
            {
                var idle = new MarkIdle(idleFrom, now);
                // A span across a week boundary is sent to both weeks; each keeps its own part.
                contracts.Tell(new ShardingEnvelope(contractId, new ForWeek(idleFrom, idle)), Self);
                contracts.Tell(new ShardingEnvelope(contractId, new ForWeek(now.AddTicks(-1), idle)), Self);
            }
        });
    }
}
