using System.Diagnostics;
using LiveTracker.Agent.Tracking;
using Xunit;

namespace LiveTracker.Agent.Tests.Unit;

/// <summary>
/// The fast clock that demos and end-to-end tests give the agent through LIVETRACKER_AGENT_CLOCK: another process
/// reads the same clock back, a typo is named, and waits and time both run at its speed.
/// </summary>
public sealed class AgentClockTests
{
    [Fact]
    public void A_clock_handed_to_another_process_reads_the_same_time()
    {
        var clock = new AgentClock(123.5, new DateTimeOffset(2026, 11, 18, 10, 0, 0, TimeSpan.Zero), DateTimeOffset.UtcNow.AddSeconds(-3));

        var again = AgentClock.Parse(clock.Describe());

        Assert.Equal(clock.Describe(), again.Describe());
        Assert.Equal(123.5, again.Speed);
        // Read one after the other, 123.5x fast: a millisecond apart in real time is well under a minute apart here.
        var first = clock.GetUtcNow();
        var second = again.GetUtcNow();
        Assert.InRange(second - first, TimeSpan.Zero, TimeSpan.FromMinutes(1));
        Assert.InRange(clock.GetUtcNow(), new DateTimeOffset(2026, 11, 18, 10, 6, 0, TimeSpan.Zero), new DateTimeOffset(2026, 11, 18, 12, 0, 0, TimeSpan.Zero));
    }

    [Fact]
    public void A_start_given_in_another_time_zone_is_the_same_instant()
    {
        var berlin = AgentClock.Parse("100@2026-11-18T11:00:00+01:00@2026-11-22T09:00:00Z");
        var utc = AgentClock.Parse("100@2026-11-18T10:00:00Z@2026-11-22T09:00:00Z");

        var first = berlin.GetUtcNow();
        var second = utc.GetUtcNow();
        Assert.InRange(second - first, TimeSpan.Zero, TimeSpan.FromMinutes(1));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("  ")]
    public void Without_a_value_the_clock_is_the_real_one(string? text)
    {
        var clock = AgentClock.Parse(text);

        Assert.Same(AgentClock.Real, clock);
        Assert.Equal(1, clock.Speed);
        Assert.InRange(clock.GetUtcNow() - DateTimeOffset.UtcNow, TimeSpan.FromSeconds(-5), TimeSpan.FromSeconds(5));
        Assert.Equal(TimeSpan.FromSeconds(3), clock.Scale(TimeSpan.FromSeconds(3)));
    }

    [Theory]
    [InlineData("fast")]
    [InlineData("100")]
    [InlineData("100@2026-11-18T10:00:00Z")]
    [InlineData("0.5@2026-11-18T10:00:00Z@2026-11-22T09:00:00Z")]
    [InlineData("20000@2026-11-18T10:00:00Z@2026-11-22T09:00:00Z")]
    [InlineData("NaN@2026-11-18T10:00:00Z@2026-11-22T09:00:00Z")]
    [InlineData("100@yesterday@2026-11-22T09:00:00Z")]
    [InlineData("100@2026-11-18T10:00:00Z@2026-11-22T09:00:00Z@extra")]
    public void A_bad_value_names_the_variable_and_the_expected_form(string text)
    {
        var refused = Assert.Throws<FormatException>(() => AgentClock.Parse(text));

        Assert.Contains("LIVETRACKER_AGENT_CLOCK", refused.Message, StringComparison.Ordinal);
        Assert.Contains(text, refused.Message, StringComparison.Ordinal);
        Assert.Contains("SPEED@START@REALSTART", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task At_100x_a_minute_passes_in_six_tenths_of_a_second()
    {
        var clock = new AgentClock(100, new DateTimeOffset(2026, 11, 18, 10, 0, 0, TimeSpan.Zero), DateTimeOffset.UtcNow);
        var before = clock.GetUtcNow();
        var real = Stopwatch.StartNew();

        await Task.Delay(TimeSpan.FromMinutes(1), clock);

        real.Stop();
        var passed = clock.GetUtcNow() - before;
        // Generous: a busy two-core machine may wake the timer late, never early.
        Assert.InRange(real.Elapsed, TimeSpan.FromSeconds(0.55), TimeSpan.FromSeconds(5));
        Assert.True(passed >= TimeSpan.FromSeconds(59), $"the clock moved {passed} while the minute passed");
        Assert.InRange(passed / real.Elapsed, 90, 110);
    }

    [Fact]
    public void Real_durations_measured_outside_the_clock_are_scaled_to_it()
    {
        var clock = new AgentClock(100, DateTimeOffset.UnixEpoch, DateTimeOffset.UtcNow);
        Assert.Equal(TimeSpan.FromMinutes(5), clock.Scale(TimeSpan.FromSeconds(3)));
    }

    [Theory]
    [InlineData(0.99)]
    [InlineData(10_001)]
    [InlineData(double.NaN)]
    public void A_speed_out_of_range_is_refused(double speed) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new AgentClock(speed, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch));
}
