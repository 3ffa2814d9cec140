namespace LiveTracker.Agent.Tracking;

/// <summary>
/// The wall-clock segment grid (aligned to UTC midnight, like the server's) and the one random capture moment in
/// each segment: uniform over the part of the segment that is tracked, so no moment is more likely than another
/// and a freelancer cannot predict it.
/// </summary>
public static class SegmentSchedule
{
    public static DateTimeOffset StartOf(DateTimeOffset at, int segmentMinutes)
    {
        var length = TimeSpan.FromMinutes(segmentMinutes).Ticks;
        var utc = at.UtcTicks;
        return new DateTimeOffset(utc - (utc % length), TimeSpan.Zero);
    }

    /// <summary>
    /// A uniformly random instant in [<paramref name="from"/>, end of its segment − <see cref="EndMargin"/>): the
    /// margin keeps a capture that is taken a little late inside its segment.
    /// </summary>
    public static DateTimeOffset CaptureMoment(DateTimeOffset from, int segmentMinutes, Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        var end = StartOf(from, segmentMinutes).AddMinutes(segmentMinutes) - EndMargin(segmentMinutes);
        var span = (end - from).Ticks;
        return span <= 0 ? from : from.AddTicks(random.NextInt64(span));
    }

    /// <summary>The end of a segment no capture is planned in: 2% of it (12 s of 10 minutes), at least a second.</summary>
    public static TimeSpan EndMargin(int segmentMinutes) => TimeSpan.FromSeconds(Math.Max(1, segmentMinutes * 60 / 50.0));
}
