namespace LiveTracker.Actors.Persistence;

/// <summary>Identifies a durable reminder: the entity's region type and id, and the reminder's name within it.</summary>
public sealed record ReminderKey(string EntityType, string EntityId, string Name);

/// <summary>
/// Sets (<see cref="DueAt"/> given) or cancels (<see cref="DueAt"/> null) one reminder. Setting is idempotent:
/// the same due time and recurrence as stored changes nothing (not even the version).
/// </summary>
public sealed record ReminderChange(ReminderKey Key, DateTimeOffset? DueAt, TimeSpan? Recurrence = null)
{
    public static ReminderChange Set(ReminderKey key, DateTimeOffset dueAt, TimeSpan? recurrence = null) => new(key, dueAt, recurrence);

    public static ReminderChange Cancel(ReminderKey key) => new(key, null);
}

/// <summary>A reminder as stored. <see cref="Version"/> grows with every effective change of the row.</summary>
public sealed record StoredReminder(ReminderKey Key, DateTimeOffset DueAt, TimeSpan? Recurrence, long Version);

/// <summary>
/// Durable reminders, in the journal's database. Entities change theirs atomically with their events (see
/// <see cref="AtomicWrite.Reminders"/>); the delivery service reads due ones and completes them after the
/// entity acknowledged.
/// </summary>
public interface IReminderStore
{
    /// <summary>Applies changes outside any event write (in order, one transaction).</summary>
    Task ApplyAsync(IReadOnlyList<ReminderChange> changes, CancellationToken cancellationToken = default);

    Task<StoredReminder?> ReadAsync(ReminderKey key, CancellationToken cancellationToken = default);

    /// <summary>Up to <paramref name="maxCount"/> reminders with <c>due_at &lt;= now</c>, earliest first (then by key).</summary>
    Task<IReadOnlyList<StoredReminder>> ReadDueAsync(DateTimeOffset now, int maxCount, CancellationToken cancellationToken = default);

    /// <summary>The earliest due time of any reminder, null when there is none.</summary>
    Task<DateTimeOffset?> ReadNextDueAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// After a delivery was acknowledged: a one-off reminder is deleted, a recurring one moves to its first due
    /// time after <paramref name="now"/> — but only while the row still has <paramref name="delivered"/>'s version
    /// (an entity that set it again meanwhile keeps its new time). Returns whether the row was changed.
    /// </summary>
    Task<bool> CompleteAsync(StoredReminder delivered, DateTimeOffset now, CancellationToken cancellationToken = default);

    /// <summary>
    /// A task that completes at the next committed reminder change in this process after the call (so a waiting
    /// delivery service can wake early for a reminder due sooner than it planned). Take it before reading.
    /// </summary>
    Task WhenChangedAsync();
}
