namespace LiveTracker.Actors.Billing;

/// <summary>The instants of one week's billing cycle (see <see cref="BillingCycle"/>).</summary>
public sealed record WeekSchedule(
    IsoWeek Week,
    DateTimeOffset StartsAt,
    DateTimeOffset LocksAt,
    DateTimeOffset SubmitsAt,
    DateTimeOffset ReviewEndsAt,
    DateTimeOffset AvailableAt);

/// <summary>
/// The weekly cycle of an hourly contract, as pure rules: a week runs Monday 00:00 to Sunday 24:00 in the week
/// zone and locks when it ends; its timesheet is submitted at the next <see cref="SubmitAt"/> in the review zone
/// (Monday 07:00 New York by default), the client reviews until the following <see cref="ReviewEndsAt"/> (Friday
/// 23:59), and the freelancer's earnings become available <see cref="PayoutDelay"/> after the week ended.
/// </summary>
public sealed record BillingCycle(TimeZoneInfo WeekZone, TimeZoneInfo ReviewZone, WeeklyTime SubmitAt, WeeklyTime ReviewEndsAt, TimeSpan PayoutDelay)
{
    /// <summary>Upwork's cycle: UTC weeks, review in New York from Monday 07:00 to Friday 23:59, paid 10 days after.</summary>
    public static BillingCycle Default { get; } = new(
        TimeZoneInfo.Utc,
        TimeZoneInfo.FindSystemTimeZoneById("America/New_York"),
        new WeeklyTime(DayOfWeek.Monday, new TimeOnly(7, 0)),
        new WeeklyTime(DayOfWeek.Friday, new TimeOnly(23, 59)),
        TimeSpan.FromDays(10));

    public WeekSchedule ScheduleOf(IsoWeek week)
    {
        var starts = week.StartIn(WeekZone);
        var ends = week.EndIn(WeekZone);
        var submits = NextOccurrence(SubmitAt, ReviewZone, ends, inclusive: true);
        var reviewEnds = NextOccurrence(ReviewEndsAt, ReviewZone, submits, inclusive: false);
        return new WeekSchedule(week, starts, ends, submits, reviewEnds, ends + PayoutDelay);
    }

    /// <summary>
    /// The first instant at or after (or strictly after) <paramref name="from"/> whose wall-clock time in
    /// <paramref name="zone"/> is <paramref name="time"/>. A wall-clock time skipped by a DST change resolves to
    /// the first valid minute after it; a repeated one to its first occurrence.
    /// </summary>
    public static DateTimeOffset NextOccurrence(WeeklyTime time, TimeZoneInfo zone, DateTimeOffset from, bool inclusive)
    {
        ArgumentNullException.ThrowIfNull(zone);
        var localDate = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(from, zone).DateTime);
        for (var day = -1; day <= 8; day++)
        {
            var date = localDate.AddDays(day);
            if (date.DayOfWeek != time.Day)
            {
                continue;
            }

            var instant = ToInstant(date.ToDateTime(time.Time), zone);
            if (inclusive ? instant >= from : instant > from)
            {
                return instant;
            }
        }

        throw new InvalidOperationException("Every weekday occurs within eight days.");
    }

    private static DateTimeOffset ToInstant(DateTime local, TimeZoneInfo zone)
    {
        while (zone.IsInvalidTime(local))
        {
            local = local.AddMinutes(1);
        }

        if (zone.IsAmbiguousTime(local))
        {
            // The first occurrence is the one with the larger offset (before the clocks went back).
            var offset = zone.GetAmbiguousTimeOffsets(local).Max();
            return new DateTimeOffset(local, offset).ToUniversalTime();
        }

        return new DateTimeOffset(TimeZoneInfo.ConvertTimeToUtc(local, zone), TimeSpan.Zero);
    }
}
