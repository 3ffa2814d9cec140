namespace LiveTracker.Actors.Persistence;

/// <summary>Tuning of a persistence store's batching writer and of its event-log wake-ups.</summary>
public sealed record JournalWriterSettings
{
    /// <summary>
    /// How many <see cref="AtomicWrite"/>s may wait for the writer. When full, <see cref="IJournal.WriteAsync"/>
    /// waits (back-pressure on the persisting actors) instead of growing memory without bound.
    /// </summary>
    public int QueueCapacity { get; init; } = 10_000;

    /// <summary>
    /// Upper bound on events per database transaction. A single write larger than this is still written
    /// whole (it must be atomic), just alone in its batch.
    /// </summary>
    public int MaxBatchEvents { get; init; } = 1_000;

    /// <summary>
    /// Safety-net poll of <see cref="IEventLog.WaitForEventsAfterAsync"/>: even if a wake-up is lost
    /// (dropped LISTEN connection, another process writing to the same SQLite file) a waiter re-checks
    /// the database at least this often.
    /// </summary>
    public TimeSpan EventLogPollInterval { get; init; } = TimeSpan.FromSeconds(2);

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(QueueCapacity, 1, nameof(QueueCapacity));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxBatchEvents, 1, nameof(MaxBatchEvents));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(EventLogPollInterval, TimeSpan.Zero, nameof(EventLogPollInterval));
    }
}
