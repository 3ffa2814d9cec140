namespace LiveTracker.Actors.Persistence;

/// <summary>
/// Timestamps are stored with microsecond precision (PostgreSQL <c>timestamptz</c>; SQLite stores integer
/// microseconds since the Unix epoch), so both back-ends return identical values for the same input.
/// </summary>
internal static class PersistenceTime
{
    private const long TicksPerMicrosecond = 10;

    public static long ToUnixMicroseconds(DateTimeOffset value) =>
        (value.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / TicksPerMicrosecond;

    public static DateTimeOffset FromUnixMicroseconds(long microseconds) =>
        new(DateTimeOffset.UnixEpoch.UtcTicks + (microseconds * TicksPerMicrosecond), TimeSpan.Zero);

    public static DateTimeOffset TruncateToMicroseconds(DateTimeOffset value)
    {
        var utc = value.UtcTicks;
        return new DateTimeOffset(utc - (utc % TicksPerMicrosecond), TimeSpan.Zero);
    }
}
