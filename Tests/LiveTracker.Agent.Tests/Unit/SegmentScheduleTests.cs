using LiveTracker.Agent.Tracking;
using Xunit;

namespace LiveTracker.Agent.Tests.Unit;

/// <summary>
/// The segment grid the Work Diary shows and the one capture moment in each segment: on the grid, inside the tracked
/// part of the segment, and equally likely anywhere in it (a freelancer cannot learn when the capture comes).
/// </summary>
public sealed class SegmentScheduleTests
{
    public static TheoryData<int> Lengths => [10, 15, 60];

    [Theory]
    [MemberData(nameof(Lengths))]
    public void Segments_start_on_a_grid_counted_from_UTC_midnight(int minutes)
    {
        var random = new Random(7);
        var length = TimeSpan.FromMinutes(minutes);
        for (var i = 0; i < 2_000; i++)
        {
            // Any instant over a few years, seen from any time zone (whole and half-hour offsets).
            var utc = new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero).AddTicks(random.NextInt64(TimeSpan.FromDays(3 * 365).Ticks));
            var at = utc.ToOffset(TimeSpan.FromMinutes(30 * random.Next(-24, 29)));

            var start = SegmentSchedule.StartOf(at, minutes);

            Assert.Equal(TimeSpan.Zero, start.Offset);
            Assert.True(start <= at && at < start + length, $"{at:O} is in the segment starting {start:O}");
            Assert.Equal(0, (start - new DateTimeOffset(at.UtcDateTime.Date, TimeSpan.Zero)).Ticks % length.Ticks);
        }
    }

    [Fact]
    public void Known_instants_fall_in_the_segments_the_diary_shows()
    {
        // 12:07:59.999 in Berlin (UTC+1) is 11:07:59.999 UTC.
        var at = new DateTimeOffset(2026, 11, 18, 12, 7, 59, 999, TimeSpan.FromHours(1));
        Assert.Equal(new DateTimeOffset(2026, 11, 18, 11, 0, 0, TimeSpan.Zero), SegmentSchedule.StartOf(at, 10));
        Assert.Equal(new DateTimeOffset(2026, 11, 18, 11, 0, 0, TimeSpan.Zero), SegmentSchedule.StartOf(at, 15));
        Assert.Equal(new DateTimeOffset(2026, 11, 18, 11, 0, 0, TimeSpan.Zero), SegmentSchedule.StartOf(at, 60));
        // Midnight UTC begins a segment; a tick before it belongs to the last segment of the day before.
        var midnight = new DateTimeOffset(2026, 11, 19, 0, 0, 0, TimeSpan.Zero);
        Assert.Equal(midnight, SegmentSchedule.StartOf(midnight, 15));
        Assert.Equal(midnight.AddMinutes(-15), SegmentSchedule.StartOf(midnight.AddTicks(-1), 15));
        Assert.Equal(midnight.AddMinutes(-60), SegmentSchedule.StartOf(midnight.AddTicks(-1), 60));
    }

    [Theory]
    [MemberData(nameof(Lengths))]
    public void The_capture_moment_is_always_inside_the_tracked_part_of_the_segment(int minutes)
    {
        var random = new Random(11);
        var segment = new DateTimeOffset(2026, 11, 18, 10, 0, 0, TimeSpan.Zero);
        var end = segment.AddMinutes(minutes) - SegmentSchedule.EndMargin(minutes);
        for (var i = 0; i < 5_000; i++)
        {
            var from = segment.AddTicks(random.NextInt64(TimeSpan.FromMinutes(minutes).Ticks));
            var at = SegmentSchedule.CaptureMoment(from, minutes, random);
            if (from < end)
            {
                Assert.True(at >= from && at < end, $"from {from:O}: {at:O} is in [{from:O}, {end:O})");
            }
            else
            {
                // Started within the end margin: the capture is taken at once, still in this segment.
                Assert.Equal(from, at);
            }
        }
    }

    [Fact]
    public void The_end_margin_is_two_percent_of_a_segment_and_at_least_a_second()
    {
        Assert.Equal(TimeSpan.FromSeconds(12), SegmentSchedule.EndMargin(10));
        Assert.Equal(TimeSpan.FromSeconds(18), SegmentSchedule.EndMargin(15));
        Assert.Equal(TimeSpan.FromSeconds(72), SegmentSchedule.EndMargin(60));
        Assert.Equal(TimeSpan.FromSeconds(1.2), SegmentSchedule.EndMargin(1));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void From_a_segment_start_every_moment_is_equally_likely(int seed)
    {
        var segment = new DateTimeOffset(2026, 11, 18, 10, 0, 0, TimeSpan.Zero);
        AssertUniform(segment, segment.AddMinutes(10) - SegmentSchedule.EndMargin(10), new Random(seed));
    }

    [Fact]
    public void Started_mid_segment_the_capture_is_equally_likely_anywhere_in_what_is_left()
    {
        var segment = new DateTimeOffset(2026, 11, 18, 10, 0, 0, TimeSpan.Zero);
        var from = segment.AddMinutes(6).AddSeconds(17);
        AssertUniform(from, segment.AddMinutes(10) - SegmentSchedule.EndMargin(10), new Random(4));
    }

    /// <summary>
    /// 100,000 draws in ten equal bins of [from, end): every bin within ±5% of its share (over 5 standard deviations,
    /// so no seed fails by chance) and a chi-square below 27.88, the 99.9% point for 9 degrees of freedom.
    /// </summary>
    private static void AssertUniform(DateTimeOffset from, DateTimeOffset end, Random random)
    {
        const int draws = 100_000, bins = 10;
        var counts = new int[bins];
        var width = (end - from).Ticks / (double)bins;
        for (var i = 0; i < draws; i++)
        {
            var at = SegmentSchedule.CaptureMoment(from, 10, random);
            Assert.True(at >= from && at < end);
            counts[Math.Min(bins - 1, (int)((at - from).Ticks / width))]++;
        }

        const double expected = draws / (double)bins;
        Assert.All(counts, c => Assert.InRange(c, expected * 0.95, expected * 1.05));
        var chiSquare = counts.Sum(c => (c - expected) * (c - expected) / expected);
        Assert.True(chiSquare < 27.88, $"chi-square {chiSquare:0.00} over bins {string.Join(", ", counts)}");
    }
}
