namespace LiveTracker.Actors.Persistence;

/// <summary>
/// What both back-ends agree on for reminders: which changes are valid, the microsecond precision of due times and
/// recurrences (as for every stored time, see <see cref="PersistenceTime"/>), and where a recurring reminder goes
/// after a delivery.
/// </summary>
internal static class ReminderRules
{
    private const long TicksPerMicrosecond = 10;

    /// <summary>
    /// Rejects malformed changes before they reach a transaction (or the journal's queue), so one bad change cannot
    /// fail the batch it would have shared with other entities' writes.
    /// </summary>
    public static void Validate(IReadOnlyList<ReminderChange> changes, string paramName)
    {
        ArgumentNullException.ThrowIfNull(changes, paramName);
        foreach (var change in changes)
        {
            if (change is null)
            {
                throw new ArgumentException("A reminder change is null.", paramName);
            }

            ValidateKey(change.Key, paramName);
            if (change.DueAt is not null && change.Recurrence is { } recurrence)
            {
                ValidateRecurrence(recurrence, paramName);
            }
        }
    }

    public static void ValidateKey(ReminderKey? key, string paramName)
    {
        if (key is null || string.IsNullOrEmpty(key.EntityType) || string.IsNullOrEmpty(key.EntityId) || string.IsNullOrEmpty(key.Name))
        {
            throw new ArgumentException("A reminder key needs an entity type, an entity id and a name.", paramName);
        }
    }

    /// <summary>A recurrence of zero (after truncation to microseconds) or less would never move past "now".</summary>
    public static void ValidateRecurrence(TimeSpan recurrence, string paramName)
    {
        if (ToMicroseconds(recurrence) < 1)
        {
            throw new ArgumentOutOfRangeException(paramName, recurrence, "A reminder's recurrence must be at least one microsecond.");
        }
    }

    /// <summary>
    /// The due time as stored: rounded UP to the microsecond, so a reminder never rings before the time its entity
    /// asked for (an entity that found its step not yet due would set the same time again, which changes nothing,
    /// and the delivery would then complete — lose — the reminder).
    /// </summary>
    public static DateTimeOffset StoredDueAt(DateTimeOffset dueAt)
    {
        var truncated = PersistenceTime.TruncateToMicroseconds(dueAt);
        return truncated.UtcTicks == dueAt.UtcTicks ? truncated : truncated.AddTicks(TicksPerMicrosecond);
    }

    public static long ToMicroseconds(TimeSpan recurrence) => recurrence.Ticks / TicksPerMicrosecond;

    public static TimeSpan FromMicroseconds(long microseconds) => TimeSpan.FromTicks(microseconds * TicksPerMicrosecond);

    /// <summary>
    /// The first <c>dueAt + k * recurrence</c> (k &gt;= 1) strictly after <paramref name="now"/>, all in microseconds:
    /// a node that was down for several periods delivers once and then continues on the original grid, instead of
    /// firing every missed period in a burst.
    /// </summary>
    public static long NextDueAfter(long dueAt, long recurrence, long now)
    {
        var periods = now < dueAt ? 1 : ((now - dueAt) / recurrence) + 1;
        return checked(dueAt + (periods * recurrence));
    }
}
