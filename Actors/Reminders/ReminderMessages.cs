namespace LiveTracker.Actors.Reminders;

/// <summary>
/// A durable reminder fell due; delivered to its entity through the entity's region (waking it when passivated),
/// at least once. The entity acts idempotently and answers <see cref="ReminderAck"/> once what it had to do is
/// durable (or safely under way and covered by a reminder it set again).
/// </summary>
public sealed record ReminderDue(string Name, DateTimeOffset DueAt);

public sealed record ReminderAck
{
    public static readonly ReminderAck Instance = new();
}

/// <summary>How the delivery service polls and retries.</summary>
public sealed record ReminderDeliverySettings
{
    /// <summary>Longest sleep between looks at the table (reminders set by other nodes are seen this late at most).</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long an entity has to acknowledge a delivery.</summary>
    public TimeSpan AckTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Wait before delivering a reminder again after its entity failed or did not answer.</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>Due reminders read per round.</summary>
    public int BatchSize { get; init; } = 500;

    /// <summary>Deliveries in flight at once (every contract's week locks at the same instant).</summary>
    public int Parallelism { get; init; } = 64;
}
