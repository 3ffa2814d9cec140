namespace LiveTracker.Actors.Persistence;

/// <summary>One event to append: its sequence number within the entity, stable manifest and JSON payload.</summary>
public sealed record EventToWrite(long SequenceNr, string Manifest, string Payload);

/// <summary>
/// Events of one entity that are written all-or-nothing (one <c>Persist</c>/<c>PersistAll</c> call).
/// Sequence numbers are contiguous and ascending. <see cref="Reminders"/> are applied in the same transaction,
/// only if the events are written, so an entity's timers never disagree with its state.
/// </summary>
public sealed record AtomicWrite(string PersistenceId, IReadOnlyList<EventToWrite> Events, IReadOnlyList<ReminderChange>? Reminders = null);

/// <summary>
/// An event as stored in the journal. <see cref="CreatedAt"/> is UTC with microsecond precision, read once per
/// transaction from the store's <see cref="TimeProvider"/> (events committed together share it).
/// </summary>
public sealed record JournalEvent(
    long Ordering,
    string PersistenceId,
    long SequenceNr,
    string Manifest,
    string Payload,
    string Writer,
    DateTimeOffset CreatedAt);

/// <summary>A stored snapshot of an entity's state at <see cref="SequenceNr"/>.</summary>
public sealed record SnapshotEnvelope(
    string PersistenceId,
    long SequenceNr,
    string Manifest,
    string Payload,
    DateTimeOffset CreatedAt);

/// <summary>
/// Thrown to the writer of an <see cref="AtomicWrite"/> whose sequence numbers are already taken:
/// another incarnation of the same entity wrote first. Only that entity's write fails.
/// </summary>
public sealed class SequenceConflictException(string persistenceId, long sequenceNr)
    : Exception($"Sequence number {sequenceNr} of '{persistenceId}' is already in the journal.")
{
    public string PersistenceId { get; } = persistenceId;
    public long SequenceNr { get; } = sequenceNr;
}

/// <summary>The event journal: append-only, one row per event, unique (persistence_id, sequence_nr).</summary>
public interface IJournal : IAsyncDisposable
{
    /// <summary>
    /// Appends the events atomically. Completes only after the enclosing transaction committed, with the
    /// global ordering given to the last event; fails with <see cref="SequenceConflictException"/> when a
    /// sequence number is taken (nothing of this write is stored, other writes in the batch are unaffected).
    /// Sequence numbers removed by <see cref="DeleteEventsToAsync"/> count as taken. Cancellation only withdraws
    /// a write that is still queued; once it is in a transaction the task reports the real outcome.
    /// </summary>
    Task<long> WriteAsync(AtomicWrite write, CancellationToken cancellationToken = default);

    /// <summary>Events of one entity with <c>from &lt;= sequence_nr &lt;= to</c>, ascending.</summary>
    IAsyncEnumerable<JournalEvent> ReplayAsync(
        string persistenceId, long fromSequenceNr, long toSequenceNr, CancellationToken cancellationToken = default);

    /// <summary>The highest sequence number the entity has used (deleted events included), 0 when it has none.</summary>
    Task<long> ReadHighestSequenceNrAsync(string persistenceId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Removes the entity's events with <c>sequence_nr &lt;= toSequenceNr</c> (after a snapshot). The highest
    /// sequence number is remembered: it is still reported, and the deleted numbers are never accepted again.
    /// </summary>
    Task DeleteEventsToAsync(string persistenceId, long toSequenceNr, CancellationToken cancellationToken = default);
}

/// <summary>
/// Read side for projections (live feed, read models): all events in global <c>ordering</c>.
/// Orderings are increasing but may have gaps (a failed or rolled-back write leaves one); readers
/// never assume contiguity. An event is visible here only after it committed, and never appears
/// behind an ordering a reader has already passed.
/// </summary>
public interface IEventLog
{
    /// <summary>Up to <paramref name="maxCount"/> events with <c>ordering &gt; afterOrdering</c>, ascending.</summary>
    Task<IReadOnlyList<JournalEvent>> ReadAfterAsync(
        long afterOrdering, int maxCount, CancellationToken cancellationToken = default);

    /// <summary>The highest committed ordering, 0 for an empty journal.</summary>
    Task<long> ReadHighestOrderingAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Completes when an event with <c>ordering &gt; afterOrdering</c> may exist (woken by LISTEN/NOTIFY on
    /// PostgreSQL, an in-process signal on SQLite, and a slow poll as a safety net). Cancellation ends the wait
    /// with <see cref="OperationCanceledException"/>.
    /// </summary>
    Task WaitForEventsAfterAsync(long afterOrdering, CancellationToken cancellationToken);
}

/// <summary>Snapshot store: latest snapshot per entity, older ones removable.</summary>
public interface ISnapshotStore
{
    Task SaveAsync(SnapshotEnvelope snapshot, CancellationToken cancellationToken = default);

    /// <summary>The newest snapshot with <c>sequence_nr &lt;= maxSequenceNr</c>, or null.</summary>
    Task<SnapshotEnvelope?> LoadAsync(
        string persistenceId, long maxSequenceNr = long.MaxValue, CancellationToken cancellationToken = default);

    /// <summary>Deletes the entity's snapshots with <c>sequence_nr &lt;= toSequenceNr</c>.</summary>
    Task DeleteAsync(string persistenceId, long toSequenceNr, CancellationToken cancellationToken = default);
}

/// <summary>A persistence back-end: journal, event log and snapshot store over one database.</summary>
public interface IPersistenceStore : IAsyncDisposable
{
    IJournal Journal { get; }
    IEventLog EventLog { get; }
    ISnapshotStore Snapshots { get; }
    IReminderStore Reminders { get; }

    /// <summary>Creates or migrates the schema; idempotent, safe to call from several nodes at once.</summary>
    Task InitializeAsync(CancellationToken cancellationToken = default);
}
