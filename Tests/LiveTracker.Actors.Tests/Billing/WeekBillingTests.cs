using LiveTracker.Actors.Billing;
using Xunit;

namespace LiveTracker.Actors.Tests.Billing;

public sealed class WeekBillingTests
{
    private static readonly DateTimeOffset Monday = new(2026, 11, 16, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public void A_segment_with_activity_and_a_capture_bills_its_whole_length()
    {
        var week = WeekBilling.Evaluate([Worked(0, activeMinutes: 1)], 10, null);

        var only = Assert.Single(week.Segments);
        Assert.Equal(SegmentStatus.Logged, only.Status);
        Assert.True(only.Billable);
        Assert.False(only.Unprotected);
        Assert.Equal(10, week.BillableMinutes);
    }

    [Fact]
    public void Twelve_minute_units_bill_twelve_minutes()
    {
        var week = WeekBilling.Evaluate([Worked(0) with { Start = Monday }, Worked(0) with { Start = Monday.AddMinutes(12) }], 12, null);

        Assert.Equal(24, week.BillableMinutes);
    }

    [Fact]
    public void No_activity_no_capture_or_a_black_capture_is_logged_but_not_billed()
    {
        var week = WeekBilling.Evaluate(
            [Worked(0, activeMinutes: 0), Worked(1) with { HasScreenCapture = false }, Worked(2) with { BlackCapture = true }],
            10,
            null);

        Assert.All(week.Segments, s => Assert.Equal((SegmentStatus.Logged, false), (s.Status, s.Billable)));
        Assert.Equal(0, week.BillableMinutes);
    }

    [Fact]
    public void Deleted_rejected_and_idle_segments_are_never_billed_and_say_why()
    {
        var week = WeekBilling.Evaluate(
            [Worked(0) with { CaptureDeleted = true }, Worked(1) with { Rejected = true }, Worked(2) with { Idle = true }],
            10,
            null);

        Assert.Equal([SegmentStatus.Deleted, SegmentStatus.Rejected, SegmentStatus.Idle], week.Segments.Select(s => s.Status));
        Assert.Equal(0, week.BillableMinutes);
    }

    [Fact]
    public void Manual_time_and_time_without_a_memo_are_billed_but_unprotected()
    {
        var week = WeekBilling.Evaluate(
            [new SegmentFacts { Start = Monday, Manual = true, Memo = "call with client" }, Worked(1) with { Memo = " " }, Worked(2)],
            10,
            null);

        Assert.Equal([SegmentStatus.Manual, SegmentStatus.Logged, SegmentStatus.Logged], week.Segments.Select(s => s.Status));
        Assert.Equal([true, true, false], week.Segments.Select(s => s.Unprotected));
        Assert.Equal(30, week.BillableMinutes);
    }

    [Fact]
    public void Segments_past_the_weekly_limit_are_over_limit_in_chronological_order()
    {
        var segments = Enumerable.Range(0, 5).Select(i => Worked(i)).Reverse().ToList();

        var week = WeekBilling.Evaluate(segments, 10, limitMinutes: 30);

        Assert.Equal(
            [SegmentStatus.Logged, SegmentStatus.Logged, SegmentStatus.Logged, SegmentStatus.OverLimit, SegmentStatus.OverLimit],
            week.Segments.Select(s => s.Status));
        Assert.Equal(30, week.BillableMinutes);
        Assert.Equal(100, week.LimitPercent);
    }

    [Fact]
    public void Raising_the_limit_mid_week_bills_what_was_over_it_and_a_limit_of_zero_bills_nothing()
    {
        var segments = Enumerable.Range(0, 5).Select(i => Worked(i)).ToList();

        Assert.Equal(50, WeekBilling.Evaluate(segments, 10, limitMinutes: 60).BillableMinutes);
        var stopped = WeekBilling.Evaluate(segments, 10, limitMinutes: 0);
        Assert.Equal(0, stopped.BillableMinutes);
        Assert.All(stopped.Segments, s => Assert.Equal(SegmentStatus.OverLimit, s.Status));
    }

    [Fact]
    public void Time_freed_by_a_deletion_lets_a_later_segment_fit_under_the_limit()
    {
        var segments = Enumerable.Range(0, 4).Select(i => Worked(i)).ToList();
        segments[1] = segments[1] with { CaptureDeleted = true };

        var week = WeekBilling.Evaluate(segments, 10, limitMinutes: 30);

        Assert.Equal([true, false, true, true], week.Segments.Select(s => s.Billable));
    }

    [Theory]
    [InlineData(0, 470, 600, new int[0])]
    [InlineData(470, 480, 600, new[] { 80 })]
    [InlineData(470, 600, 600, new[] { 80, 100 })]
    [InlineData(480, 490, 600, new int[0])]
    [InlineData(590, 600, 600, new[] { 100 })]
    [InlineData(600, 590, 600, new int[0])]
    public void The_80_and_100_percent_alerts_fire_once_when_crossed(int before, int after, int limit, int[] expected) =>
        Assert.Equal(expected, WeekBilling.ThresholdsCrossed(before, limit, after, limit));

    [Fact]
    public void Without_a_limit_no_alert_fires() => Assert.Empty(WeekBilling.ThresholdsCrossed(0, null, 6000, null));

    [Fact]
    public void Lowering_the_limit_below_the_time_worked_alerts_without_new_work()
    {
        Assert.Equal([80, 100], WeekBilling.ThresholdsCrossed(600, 1200, 600, 600));
        Assert.Equal([100], WeekBilling.ThresholdsCrossed(500, 600, 500, 0));
        Assert.Equal([80, 100], WeekBilling.ThresholdsCrossed(500, null, 500, 500));
        Assert.Empty(WeekBilling.ThresholdsCrossed(600, 600, 300, 1200));
    }

    private static SegmentFacts Worked(int index, int activeMinutes = 7) => new()
    {
        Start = Monday.AddMinutes(10 * index),
        ActiveMinutes = activeMinutes,
        HasScreenCapture = true,
        Memo = "building the invoice page",
    };
}
