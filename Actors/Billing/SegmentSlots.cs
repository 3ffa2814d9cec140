namespace LiveTracker.Actors.Billing;

/// <summary>
/// Segments are wall-clock slots of a fixed length aligned to UTC midnight (10:00–10:10, 10:10–10:20, … for
/// 10 minutes; 12-minute units as Elance used work too). The length must divide a day evenly, so every day
/// has the same slots.
/// </summary>
public static class SegmentSlots
{
    public static bool IsValidLength(int segmentMinutes) => segmentMinutes is >= 1 and <= 60 && 1440 % segmentMinutes == 0;

    /// <summary>Start of the segment containing <paramref name="instant"/>, in UTC.</summary>
    public static DateTimeOffset StartOf(DateTimeOffset instant, int segmentMinutes)
    {
        EnsureValid(segmentMinutes);
        var utc = instant.ToUniversalTime();
        var length = TimeSpan.FromMinutes(segmentMinutes).Ticks;
        var sinceMidnight = utc.TimeOfDay.Ticks;
        return new DateTimeOffset(utc.Date.Ticks + (sinceMidnight - (sinceMidnight % length)), TimeSpan.Zero);
    }

    /// <summary>The segments that intersect [<paramref name="from"/>, <paramref name="to"/>), in order.</summary>
    public static IEnumerable<DateTimeOffset> Covering(DateTimeOffset from, DateTimeOffset to, int segmentMinutes)
    {
        EnsureValid(segmentMinutes);
        var step = TimeSpan.FromMinutes(segmentMinutes);
        for (var start = StartOf(from, segmentMinutes); start < to; start += step)
        {
            yield return start;
        }
    }

    private static void EnsureValid(int segmentMinutes)
    {
        if (!IsValidLength(segmentMinutes))
        {
            throw new ArgumentOutOfRangeException(nameof(segmentMinutes), segmentMinutes, "A segment lasts 1 to 60 minutes and divides a day evenly.");
        }
    }
}
