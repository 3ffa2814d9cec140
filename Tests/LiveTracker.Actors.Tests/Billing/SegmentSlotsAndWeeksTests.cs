using LiveTracker.Actors.Billing;
using Xunit;

namespace LiveTracker.Actors.Tests.Billing;

public sealed class SegmentSlotsAndWeeksTests
{
    private static readonly TimeZoneInfo NewYork = TimeZoneInfo.FindSystemTimeZoneById("America/New_York");

    [Theory]
    [InlineData("2026-11-18T10:07:31Z", 10, "2026-11-18T10:00:00Z")]
    [InlineData("2026-11-18T10:10:00Z", 10, "2026-11-18T10:10:00Z")]
    [InlineData("2026-11-18T10:09:59.999Z", 10, "2026-11-18T10:00:00Z")]
    [InlineData("2026-11-18T10:13:00Z", 12, "2026-11-18T10:12:00Z")]
    [InlineData("2026-11-18T23:59:59Z", 12, "2026-11-18T23:48:00Z")]
    [InlineData("2026-11-18T15:07:00+05:00", 10, "2026-11-18T10:00:00Z")]
    public void A_moment_falls_in_the_utc_aligned_segment_that_contains_it(string instant, int minutes, string expected)
    {
        var start = SegmentSlots.StartOf(DateTimeOffset.Parse(instant, System.Globalization.CultureInfo.InvariantCulture), minutes);

        Assert.Equal(DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), start);
        Assert.Equal(TimeSpan.Zero, start.Offset);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(7)]
    [InlineData(90)]
    public void Segment_lengths_that_do_not_divide_a_day_are_refused(int minutes)
    {
        Assert.False(SegmentSlots.IsValidLength(minutes));
        Assert.Throws<ArgumentOutOfRangeException>(() => SegmentSlots.StartOf(DateTimeOffset.UnixEpoch, minutes));
    }

    [Fact]
    public void Manual_time_covers_every_segment_it_touches()
    {
        var from = new DateTimeOffset(2026, 11, 18, 9, 55, 0, TimeSpan.Zero);

        var slots = SegmentSlots.Covering(from, from.AddMinutes(20), 10).ToList();

        Assert.Equal([from.AddMinutes(-5), from.AddMinutes(5), from.AddMinutes(15)], slots);
    }

    [Theory]
    [InlineData("2026-11-22T23:59:59Z", "UTC", "2026-W47")]
    [InlineData("2026-11-23T00:00:00Z", "UTC", "2026-W48")]
    [InlineData("2026-11-23T03:00:00Z", "America/New_York", "2026-W47")]
    [InlineData("2026-12-31T12:00:00Z", "UTC", "2026-W53")]
    [InlineData("2027-01-03T12:00:00Z", "UTC", "2026-W53")]
    [InlineData("2027-01-04T00:00:00Z", "UTC", "2027-W01")]
    [InlineData("2025-12-29T00:00:00Z", "UTC", "2026-W01")]
    public void An_instant_belongs_to_the_iso_week_of_its_local_date_in_the_week_zone(string instant, string zone, string week)
    {
        var actual = IsoWeek.Of(DateTimeOffset.Parse(instant, System.Globalization.CultureInfo.InvariantCulture), TimeZoneInfo.FindSystemTimeZoneById(zone));

        Assert.Equal(week, actual.ToString());
    }

    [Fact]
    public void Weeks_across_new_year_chain_through_week_53()
    {
        var week53 = IsoWeek.Parse("2026-W53");

        Assert.Equal("2027-W01", week53.Next().ToString());
        Assert.Equal(week53, IsoWeek.Parse("2027-W01").Previous());
        Assert.Equal(new DateTimeOffset(2026, 12, 28, 0, 0, 0, TimeSpan.Zero), week53.StartIn(TimeZoneInfo.Utc));
        Assert.Equal(new DateTimeOffset(2027, 1, 4, 0, 0, 0, TimeSpan.Zero), week53.EndIn(TimeZoneInfo.Utc));
        Assert.False(IsoWeek.TryParse("2027-W53", out _));
        Assert.False(IsoWeek.TryParse("2026-47", out _));
    }

    [Fact]
    public void A_week_in_new_york_that_springs_forward_is_an_hour_short()
    {
        var week = IsoWeek.Parse("2026-W10"); // Monday 2 March to Monday 9 March; clocks jump on Sunday 8 March

        Assert.Equal(new DateTimeOffset(2026, 3, 2, 5, 0, 0, TimeSpan.Zero), week.StartIn(NewYork));
        Assert.Equal(new DateTimeOffset(2026, 3, 9, 4, 0, 0, TimeSpan.Zero), week.EndIn(NewYork));
        Assert.Equal(TimeSpan.FromHours(167), week.EndIn(NewYork) - week.StartIn(NewYork));
    }

    [Fact]
    public void A_week_in_new_york_that_falls_back_is_an_hour_long()
    {
        var week = IsoWeek.Parse("2026-W44"); // Monday 26 October to Monday 2 November; clocks fall back on Sunday 1 November

        Assert.Equal(TimeSpan.FromHours(169), week.EndIn(NewYork) - week.StartIn(NewYork));
    }

    [Theory]
    [InlineData(90, 2500, 3750)]
    [InlineData(10, 1001, 167)]
    [InlineData(10, 1000, 167)]
    [InlineData(0, 5000, 0)]
    [InlineData(40 * 60, 12345, 493800)]
    public void Amounts_are_whole_cents_rounded_half_up(long minutes, long rate, long expected) =>
        Assert.Equal(expected, Money.AmountCents(minutes, rate));
}
