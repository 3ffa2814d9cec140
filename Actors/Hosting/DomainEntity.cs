using Akka.Actor;
using Akka.Cluster.Tools.PublishSubscribe;
using Akka.Persistence;
using Akka.Persistence.Journal;
using LiveTracker.Actors.Deadlines;
using LiveTracker.Actors.Live;

namespace LiveTracker.Actors.Hosting;

/// <summary>
/// A persistent entity whose command handlers decide and whose events move the state, one command at a time, for the
/// entities that run the weekly cycle (contracts, their weeks, freelancers' trackers):
/// <list type="bullet">
/// <item><see cref="Persist{TEvent}"/> and <see cref="PersistAll{TEvent}"/> queue events; when the handler returns they
/// are applied (<see cref="ApplyEvent"/>, then <see cref="OnPersisting"/>) and written as one atomic Akka
/// <c>PersistAll</c>, with the deadline changes that follow from them (<see cref="SetDeadline"/>, tagged for the
/// <see cref="DeadlineKeeper"/>, ADR 0010). Once durable, each event's continuation runs (reply there), and
/// <see cref="OnCommitted"/> (the live feed). Commands arriving meanwhile wait: a command always sees the state of
/// the commands before it.</item>
/// <item>The state moves before the write so that deadlines follow from the new state and land in the same write.
/// A write that fails stops the entity (Akka's persistence does), and the next message recovers it from the journal;
/// a write the journal rejects stops it too, since its state would be ahead of the journal.</item>
/// <item>Every <c>snapshotEvery</c> events the state from <see cref="CreateSnapshot"/> is saved and older snapshots
/// deleted.</item>
/// </list>
/// </summary>
public abstract class DomainEntity : UntypedPersistentActor
{
    private readonly List<(IReadOnlyList<object> Events, Action<object>? Then)> _pending = [];
    private readonly List<object> _pendingDeadlines = [];
    private readonly List<Action> _afterPersist = [];

    // What this incarnation knows of its deadlines (from its own journal since the snapshot, and its writes): a set
    // that would change nothing is not written again. Unknown ones are written; a stale delivery is harmless anyway.
    private readonly Dictionary<string, DateTimeOffset?> _deadlines = new(StringComparer.Ordinal);
    private readonly int _snapshotEvery;
    private long _lastSnapshotAt;
    private IActorRef? _mediator;

    protected DomainEntity(string persistenceId, string region, string entityId, TimeProvider time, int snapshotEvery)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(snapshotEvery, 1);
        PersistenceId = persistenceId;
        Region = region;
        ShardEntityId = entityId;
        Time = time;
        _snapshotEvery = snapshotEvery;
    }

    public sealed override string PersistenceId { get; }

    /// <summary>The shard region this entity lives in (deadlines are delivered through it).</summary>
    protected string Region { get; }

    protected string ShardEntityId { get; }

    protected TimeProvider Time { get; }

    protected DateTimeOffset Now => Time.GetUtcNow();

    /// <summary>Handles a command; queue what happened with <see cref="Persist{TEvent}"/>.</summary>
    protected abstract void Handle(object command);

    /// <summary>The state transition of one event: after a command decided it, and for every event in recovery. No side effects.</summary>
    protected abstract void ApplyEvent(object @event);

    /// <summary>The state as one serializable record ([Manifest]).</summary>
    protected abstract object CreateSnapshot();

    protected abstract void ApplySnapshot(object snapshot);

    /// <summary>Right after <see cref="ApplyEvent"/> of each event a command persists (never in recovery): set deadlines here.</summary>
    protected virtual void OnPersisting(object @event) { }

    /// <summary>Once an event is durable (never in recovery), with its sequence number: the live feed hears of it here.</summary>
    protected virtual void OnCommitted(object @event, long sequenceNr) { }

    /// <summary>Once recovery has replayed everything, before the first command.</summary>
    protected virtual void OnRecoveryCompleted() { }

    /// <summary>Queues <paramref name="event"/>; <paramref name="then"/> runs once it is durable (the command's sender still set).</summary>
    protected new void Persist<TEvent>(TEvent @event, Action<TEvent>? then = null)
        where TEvent : notnull =>
        _pending.Add(([@event], then is null ? null : e => then((TEvent)e)));

    /// <summary>Queues <paramref name="events"/>, written in the same atomic write; <paramref name="then"/> runs once per event.</summary>
    protected new void PersistAll<TEvent>(IEnumerable<TEvent> events, Action<TEvent>? then = null)
        where TEvent : notnull
    {
        var list = events.Cast<object>().ToList();
        if (list.Count > 0)
        {
            _pending.Add((list, then is null ? null : e => then((TEvent)e)));
        }
    }

    /// <summary>Wants <see cref="DeadlineDue"/> named <paramref name="name"/> at <paramref name="dueAt"/> (replacing an earlier one), written with this command's events.</summary>
    protected void SetDeadline(string name, DateTimeOffset dueAt)
    {
        if (!_deadlines.TryGetValue(name, out var known) || known != dueAt)
        {
            _deadlines[name] = dueAt;
            _pendingDeadlines.Add(new Tagged(new DeadlineSet(Region, ShardEntityId, name, dueAt), [DeadlineKeeper.Tag]));
        }
    }

    /// <summary>No longer wants the deadline <paramref name="name"/>.</summary>
    protected void ClearDeadline(string name)
    {
        if (!_deadlines.TryGetValue(name, out var known) || known is not null)
        {
            _deadlines[name] = null;
            _pendingDeadlines.Add(new Tagged(new DeadlineCleared(Region, ShardEntityId, name), [DeadlineKeeper.Tag]));
        }
    }

    /// <summary>Answers the keeper once what this command persists is durable: the deadline is not delivered again.</summary>
    protected void AcknowledgeDeadline(DeadlineDue due)
    {
        ArgumentNullException.ThrowIfNull(due);
        var keeper = Sender;
        AfterPersist(() => keeper.Tell(new DeadlineHandled(due.Name, due.DueAt)));
    }

    /// <summary>Runs <paramref name="action"/> once everything this command persists is durable (at once when it persists nothing).</summary>
    protected void AfterPersist(Action action)
    {
        ArgumentNullException.ThrowIfNull(action);
        _afterPersist.Add(action);
    }

    /// <summary>Tells the nodes whose pages watch contract <paramref name="contractId"/> that this entity wrote an event they show.</summary>
    protected void PublishLive(string contractId, long sequenceNr)
    {
        _mediator ??= DistributedPubSub.Get(Context.System).Mediator;
        _mediator.Tell(new Publish(LiveTopics.All, new LiveEventWritten(contractId, PersistenceId, sequenceNr)));
    }

    protected sealed override void OnCommand(object message)
    {
        switch (message)
        {
            case SaveSnapshotSuccess saved:
                DeleteSnapshots(new SnapshotSelectionCriteria(saved.Metadata.SequenceNr - 1));
                return;
            case SaveSnapshotFailure or DeleteSnapshotsSuccess or DeleteSnapshotsFailure:
                return;
        }

        if (Sharding.HandOffEntity.Handle(Context, message))
        {
            return;
        }

        try
        {
            Handle(message);
        }
        catch
        {
            // Events of a command that failed half-way must not be written with the next command.
            _pending.Clear();
            _pendingDeadlines.Clear();
            _afterPersist.Clear();
            throw;
        }

        Flush();
    }

    protected sealed override void OnRecover(object message)
    {
        switch (message)
        {
            case SnapshotOffer offer:
                _lastSnapshotAt = offer.Metadata.SequenceNr;
                ApplySnapshot(offer.Snapshot);
                break;
            case DeadlineSet set:
                _deadlines[set.Name] = set.DueAt;
                break;
            case DeadlineCleared cleared:
                _deadlines[cleared.Name] = null;
                break;
            case RecoveryCompleted:
                OnRecoveryCompleted();
                Flush();
                break;
            default:
                ApplyEvent(message);
                break;
        }
    }

    protected override void OnPersistRejected(Exception cause, object @event, long sequenceNr)
    {
        base.OnPersistRejected(cause, @event, sequenceNr);

        // The state already includes the rejected events: only a recovery from the journal makes it true again.
        Context.Stop(Self);
    }

    /// <summary>Writes what the command queued, then runs what waits for it; continuations may queue more.</summary>
    private void Flush()
    {
        if (_pending.Count == 0 && _pendingDeadlines.Count == 0)
        {
            if (_afterPersist.Count > 0)
            {
                var actions = _afterPersist.ToArray();
                _afterPersist.Clear();
                foreach (var action in actions)
                {
                    action();
                }

                Flush();
            }

            return;
        }

        var batch = _pending.ToArray();
        _pending.Clear();
        foreach (var (events, _) in batch)
        {
            foreach (var @event in events)
            {
                ApplyEvent(@event);
                OnPersisting(@event);
            }
        }

        var toWrite = new List<object>();
        var thens = new List<(object Event, Action<object>? Then)>();
        foreach (var (events, then) in batch)
        {
            foreach (var @event in events)
            {
                toWrite.Add(@event);
                thens.Add((@event, then));
            }
        }

        toWrite.AddRange(_pendingDeadlines);
        _pendingDeadlines.Clear();
        var written = 0;
        base.PersistAll(toWrite, _ =>
        {
            if (written < thens.Count)
            {
                var (@event, then) = thens[written];
                then?.Invoke(@event);
                OnCommitted(@event, LastSequenceNr);
            }

            if (++written == toWrite.Count)
            {
                SnapshotWhenDue();
                Flush();
            }
        });
    }

    private void SnapshotWhenDue()
    {
        if (LastSequenceNr - _lastSnapshotAt >= _snapshotEvery)
        {
            _lastSnapshotAt = LastSequenceNr;
            SaveSnapshot(CreateSnapshot());
        }
    }
}
