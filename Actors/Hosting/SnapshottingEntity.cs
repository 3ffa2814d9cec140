using Akka.Persistence;

namespace LiveTracker.Actors.Hosting;

/// <summary>
/// A persistent entity of the domain: commands decide, events are written with <see cref="Record{T}"/> or
/// <see cref="RecordAll"/> and applied to the state by <see cref="ApplyEvent"/> once durable (and in recovery), then the
/// continuation replies. It stores its state every <c>snapshotEvery</c> events (<c>livetracker.persistence.snapshot-every</c>),
/// so recovery replays a few events after the newest snapshot instead of the whole history; older snapshots are deleted.
/// A failed snapshot loses nothing: the journal still holds every event, and the next one is tried as many events later.
/// </summary>
public abstract class SnapshottingEntity : ReceivePersistentActor
{
    private readonly int _snapshotEvery;
    private long _lastSnapshotAt;

    protected SnapshottingEntity(string persistenceId, int snapshotEvery)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(snapshotEvery, 1);
        PersistenceId = persistenceId;
        _snapshotEvery = snapshotEvery;

        Recover<SnapshotOffer>(offer =>
        {
            _lastSnapshotAt = offer.Metadata.SequenceNr;
            ApplySnapshot(offer.Snapshot);
        });
        Command<SaveSnapshotSuccess>(saved => DeleteSnapshots(new SnapshotSelectionCriteria(saved.Metadata.SequenceNr - 1)));
        Command<SaveSnapshotFailure>(_ => { });
        Command<DeleteSnapshotsSuccess>(_ => { });
        Command<DeleteSnapshotsFailure>(_ => { });
        Command<Sharding.HandOffEntity>(handOff => Sharding.HandOffEntity.Handle(Context, handOff));
        Command<Sharding.StopAfterHandOff>(stop => Sharding.HandOffEntity.Handle(Context, stop));
    }

    public sealed override string PersistenceId { get; }

    /// <summary>Changes the state by one event: after it was written, and for every event replayed in recovery.</summary>
    protected abstract void ApplyEvent(object @event);

    /// <summary>Replays events of type <typeparamref name="T"/> through <see cref="ApplyEvent"/> in recovery.</summary>
    protected void Recovers<T>() => Recover<T>(e => ApplyEvent(e!));

    /// <summary>Writes one event; once durable it is applied, then <paramref name="then"/> runs (the command's sender still set).</summary>
    protected void Record<T>(T @event, Action<T>? then = null) where T : notnull =>
        Persist(@event, written =>
        {
            ApplyEvent(written);
            then?.Invoke(written);
            SnapshotWhenDue();
        });

    /// <summary>Writes events that must land together (one atomic write); once all are applied, <paramref name="then"/> runs.</summary>
    protected void RecordAll(IReadOnlyList<object> events, Action then)
    {
        ArgumentNullException.ThrowIfNull(events);
        var left = events.Count;
        PersistAll(events, written =>
        {
            ApplyEvent(written);
            if (--left == 0)
            {
                then();
                SnapshotWhenDue();
            }
        });
    }

    /// <summary>The state as one serializable record.</summary>
    protected abstract object CreateSnapshot();

    /// <summary>Restores the state of <see cref="CreateSnapshot"/>; events after it are replayed next.</summary>
    protected abstract void ApplySnapshot(object snapshot);

    /// <summary>Saves a snapshot once enough events have been written since the last.</summary>
    private void SnapshotWhenDue()
    {
        if (LastSequenceNr - _lastSnapshotAt >= _snapshotEvery)
        {
            _lastSnapshotAt = LastSequenceNr;
            SaveSnapshot(CreateSnapshot());
        }
    }
}
