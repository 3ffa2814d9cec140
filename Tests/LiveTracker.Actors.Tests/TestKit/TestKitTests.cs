using LiveTracker.Actors.Kernel;
using LiveTracker.TestKit;
using Xunit;

namespace LiveTracker.Actors.Tests.TestKit;

/// <summary>The TestKit's own expectations must fail when they should, or every test built on them is hollow.</summary>
public sealed class TestKitTests : ActorTestKit
{
    [Fact]
    public void ExpectMsg_fails_on_a_message_of_another_type_or_value()
    {
        var probe = CreateTestProbe();
        probe.Tell("text");
        probe.Tell(42);

        Assert.Throws<TestKitAssertionException>(() => probe.ExpectMsg<int>());
        var wrongValue = Assert.Throws<TestKitAssertionException>(() => probe.ExpectMsg(41));
        Assert.Contains("42", wrongValue.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ExpectMsg_times_out_with_a_message_naming_what_was_awaited()
    {
        var probe = CreateTestProbe("silent");

        var error = Assert.Throws<TestKitAssertionException>(() => probe.ExpectMsg<string>(timeout: TimeSpan.FromMilliseconds(50)));

        Assert.Contains("String", error.Message, StringComparison.Ordinal);
        Assert.Contains("/user/silent", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ExpectNoMsg_fails_when_something_arrives()
    {
        var probe = CreateTestProbe();
        probe.Tell("surprise");

        Assert.Throws<TestKitAssertionException>(() => probe.ExpectNoMsg(TimeSpan.FromMilliseconds(100)));
    }

    [Fact]
    public void FishForMessage_skips_until_a_match_and_fails_when_none_comes()
    {
        var probe = CreateTestProbe();
        probe.Tell("noise");
        probe.Tell(1);
        probe.Tell(7);
        probe.Tell("after");

        Assert.Equal(7, probe.FishForMessage<int>(i => i > 5));
        probe.ExpectMsg("after");
        Assert.Throws<TestKitAssertionException>(() => probe.FishForMessage<int>(_ => true, TimeSpan.FromMilliseconds(50)));
    }

    [Fact]
    public void Within_bounds_the_block_and_gives_inner_expectations_the_time_left()
    {
        var probe = CreateTestProbe();
        probe.Tell("quick");

        var value = probe.Within(TimeSpan.Zero, TimeSpan.FromSeconds(2), () => probe.ExpectMsg<string>());
        Assert.Equal("quick", value);

        var started = DateTime.UtcNow;
        Assert.Throws<TestKitAssertionException>(() =>
            probe.Within(TimeSpan.FromMilliseconds(200), () => probe.ExpectMsg<string>()));
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(5), "the inner wait must use Within's budget, not the 10 s default");

        Assert.Throws<TestKitAssertionException>(() =>
            probe.Within(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), () => true));
    }

    [Fact]
    public void AwaitAssert_retries_until_the_assertion_holds_and_rethrows_when_it_never_does()
    {
        var attempts = 0;
        AwaitAssertions.AwaitAssert(() => Assert.True(++attempts >= 3));
        Assert.Equal(3, attempts);

        Assert.ThrowsAny<Exception>(() => AwaitAssertions.AwaitAssert(() => Assert.Fail("never"), TimeSpan.FromMilliseconds(100)));
    }

    [Fact]
    public void Reply_answers_the_sender_of_the_last_message()
    {
        var asker = CreateTestProbe();
        var responder = CreateTestProbe();

        asker.Send(responder, "ping");
        responder.ExpectMsg("ping");
        responder.Reply("pong");

        asker.ExpectMsg("pong");
        Assert.Equal(responder.Path, asker.LastSender!.Path);
    }

    [Fact]
    public void The_manual_clock_fires_timers_in_due_order_with_the_clock_at_each_due_time()
    {
        var clock = new ManualTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var fired = new List<(string Name, DateTimeOffset At)>();
        using var late = clock.CreateTimer(_ => fired.Add(("late", clock.GetUtcNow())), null, TimeSpan.FromMinutes(5), Timeout.InfiniteTimeSpan);
        using var early = clock.CreateTimer(_ => fired.Add(("early", clock.GetUtcNow())), null, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(3));

        clock.Advance(TimeSpan.FromMinutes(7));

        Assert.Equal(
            [("early", At(1)), ("early", At(4)), ("late", At(5)), ("early", At(7))],
            fired);
        Assert.Equal(At(7), clock.GetUtcNow());
        early.Dispose();
        clock.Advance(TimeSpan.FromHours(1));
        Assert.Equal(4, fired.Count);
        Assert.Equal(0, clock.ActiveTimerCount);

        static DateTimeOffset At(int minute) => new(2026, 1, 1, 0, minute, 0, TimeSpan.Zero);
    }

    [Fact]
    public async Task Task_delay_on_the_manual_clock_completes_only_when_the_clock_passes_it()
    {
        var delay = Task.Delay(TimeSpan.FromDays(10), Clock);

        Clock.Advance(TimeSpan.FromDays(9));
        await Task.Yield();
        Assert.False(delay.IsCompleted);
        Clock.Advance(TimeSpan.FromDays(1));

        await delay.WaitAsync(DefaultTimeout);
    }
}
