using System.Globalization;
using LiveTracker.Actors.Billing;
using Xunit;

namespace LiveTracker.Actors.Tests.Billing;

public sealed class BillingCycleTests
{
    private static DateTimeOffset At(string text) => DateTimeOffset.Parse(text, CultureInfo.InvariantCulture);

    private static WeekSchedule Schedule(string week, string weekZone = "UTC") =>
        (BillingCycle.Default with { WeekZone = TimeZoneInfo.FindSystemTimeZoneById(weekZone) }).ScheduleOf(IsoWeek.Parse(week));

    [Fact]
    public void A_utc_week_is_submitted_monday_7am_new_york_and_reviewed_until_friday_2359()
    {
        var s = Schedule("2026-W47");

        Assert.Equal(At("2026-11-16T00:00:00Z"), s.StartsAt);
        Assert.Equal(At("2026-11-23T00:00:00Z"), s.LocksAt);
        Assert.Equal(At("2026-11-23T12:00:00Z"), s.SubmitsAt); // 07:00 EST
        Assert.Equal(At("2026-11-28T04:59:00Z"), s.ReviewEndsAt); // Friday 23:59 EST
        Assert.Equal(At("2026-12-03T00:00:00Z"), s.AvailableAt); // ten days after the week ended
    }

    [Theory]
    // Week before the spring change: both deadlines in EST.
    [InlineData("2026-W09", "2026-03-02T12:00:00Z", "2026-03-07T04:59:00Z")]
    // The week that ends on the night the clocks go forward (8 March 2026): its deadlines are in EDT.
    [InlineData("2026-W10", "2026-03-09T11:00:00Z", "2026-03-14T03:59:00Z")]
    // Week before the autumn change: EDT.
    [InlineData("2026-W43", "2026-10-26T11:00:00Z", "2026-10-31T03:59:00Z")]
    // The week that ends on the night the clocks go back (1 November 2026): EST again.
    [InlineData("2026-W44", "2026-11-02T12:00:00Z", "2026-11-07T04:59:00Z")]
    public void New_york_deadlines_follow_the_us_daylight_saving_changes(string week, string submits, string reviewEnds)
    {
        var s = Schedule(week);

        Assert.Equal(At(submits), s.SubmitsAt);
        Assert.Equal(At(reviewEnds), s.ReviewEndsAt);
    }

    [Fact]
    public void Iso_week_53_runs_across_new_year_and_is_followed_by_week_1()
    {
        var w53 = Schedule("2026-W53");
        var w01 = Schedule("2027-W01");

        Assert.Equal(At("2026-12-28T00:00:00Z"), w53.StartsAt);
        Assert.Equal(At("2027-01-04T00:00:00Z"), w53.LocksAt);
        Assert.Equal(At("2027-01-04T12:00:00Z"), w53.SubmitsAt);
        Assert.Equal(At("2027-01-09T04:59:00Z"), w53.ReviewEndsAt);
        Assert.Equal(At("2027-01-14T00:00:00Z"), w53.AvailableAt);
        Assert.Equal(w53.LocksAt, w01.StartsAt);
        Assert.Equal(IsoWeek.Parse("2027-W01"), IsoWeek.Parse("2026-W53").Next());
    }

    [Theory]
    // Tokyo's week ends on Sunday 15:00 UTC (10:00 in New York): submitted the next morning in New York.
    [InlineData("Asia/Tokyo", "2026-11-22T15:00:00Z", "2026-11-23T12:00:00Z")]
    // Los Angeles' week ends Monday 08:00 UTC (03:00 in New York): submitted at 07:00 the same Monday.
    [InlineData("America/Los_Angeles", "2026-11-23T08:00:00Z", "2026-11-23T12:00:00Z")]
    // A week ending exactly at 07:00 New York is submitted at that very moment.
    [InlineData("Etc/GMT+12", "2026-11-23T12:00:00Z", "2026-11-23T12:00:00Z")]
    public void A_week_in_another_zone_is_submitted_at_the_first_deadline_after_it_ends(string zone, string locks, string submits)
    {
        var s = Schedule("2026-W47", zone);

        Assert.Equal(At(locks), s.LocksAt);
        Assert.Equal(At(submits), s.SubmitsAt);
        Assert.True(s.ReviewEndsAt > s.SubmitsAt);
        Assert.Equal(s.LocksAt + TimeSpan.FromDays(10), s.AvailableAt);
    }

    [Fact]
    public void A_deadline_inside_a_skipped_hour_moves_to_the_first_valid_minute()
    {
        var newYork = TimeZoneInfo.FindSystemTimeZoneById("America/New_York");
        var at0230 = new WeeklyTime(DayOfWeek.Sunday, new TimeOnly(2, 30));

        var next = BillingCycle.NextOccurrence(at0230, newYork, At("2026-03-07T00:00:00Z"), inclusive: true);

        Assert.Equal(At("2026-03-08T07:00:00Z"), next); // 03:00 EDT, the first minute after the gap
    }

    [Fact]
    public void A_repeated_wall_clock_time_resolves_to_its_first_occurrence()
    {
        var newYork = TimeZoneInfo.FindSystemTimeZoneById("America/New_York");
        var at0130 = new WeeklyTime(DayOfWeek.Sunday, new TimeOnly(1, 30));

        var next = BillingCycle.NextOccurrence(at0130, newYork, At("2026-10-31T00:00:00Z"), inclusive: true);

        Assert.Equal(At("2026-11-01T05:30:00Z"), next); // 01:30 EDT, before the clocks went back
    }
}
