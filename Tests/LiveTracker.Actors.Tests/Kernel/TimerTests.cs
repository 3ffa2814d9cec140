using LiveTracker.Actors.Kernel;
using LiveTracker.TestKit;
using Xunit;

namespace LiveTracker.Actors.Tests.Kernel;

internal sealed record StartSingle(string Key, string Message, TimeSpan Delay);

internal sealed record StartPeriodic(string Key, TimeSpan Interval);

internal sealed record CancelTimer(string Key);

internal sealed record IsActive(string Key);

/// <summary>Drives its keyed timers from messages and forwards every tick to a probe.</summary>
internal sealed class TimerActor(IActorRef probe, Task? gate = null) : ActorBase
{
    protected override async ValueTask OnReceiveAsync(object message)
    {
        switch (message)
        {
            case StartSingle single:
                Timers.StartSingleTimer(single.Key, single.Message, single.Delay);
                break;
            case StartPeriodic periodic:
                Timers.StartPeriodicTimer(periodic.Key, "tick:" + periodic.Key, periodic.Interval);
                break;
            case CancelTimer cancel:
                Timers.Cancel(cancel.Key);
                break;
            case IsActive active:
                Sender.Tell(Timers.IsTimerActive(active.Key));
                break;
            case "block-then-replace":
                await gate!;
                Timers.StartSingleTimer("k", "replacement", TimeSpan.FromHours(1));
                probe.Tell("replaced");
                break;
            case Fail fail:
                throw new InvalidOperationException(fail.Why);
            default:
                probe.Tell(message);
                break;
        }
    }
}

public sealed class TimerTests : ActorTestKit
{
    [Fact]
    public void A_single_timer_fires_once_when_its_delay_has_passed_on_the_clock()
    {
        var probe = CreateTestProbe();
        var actor = Sys.ActorOf(Props.Create(() => new TimerActor(probe)));
        probe.Send(actor, new StartSingle("k", "ring", TimeSpan.FromMinutes(10)));
        probe.Send(actor, new IsActive("k"));
        Assert.True(probe.ExpectMsg<bool>());

        Clock.Advance(TimeSpan.FromMinutes(9));
        probe.ExpectNoMsg(TimeSpan.FromMilliseconds(50));
        Clock.Advance(TimeSpan.FromMinutes(1));

        probe.ExpectMsg("ring");
        Clock.Advance(TimeSpan.FromHours(1));
        probe.ExpectNoMsg(TimeSpan.FromMilliseconds(50));
        probe.Send(actor, new IsActive("k"));
        Assert.False(probe.ExpectMsg<bool>());
    }

    [Fact]
    public void Starting_a_timer_with_a_key_in_use_replaces_the_old_one()
    {
        var probe = CreateTestProbe();
        var actor = Sys.ActorOf(Props.Create(() => new TimerActor(probe)));
        actor.Tell(new StartSingle("k", "old", TimeSpan.FromSeconds(5)));
        actor.Tell(new StartSingle("k", "new", TimeSpan.FromSeconds(10)));
        AwaitAssertions.AwaitAssert(() => Assert.Equal(1, Clock.ActiveTimerCount));

        Clock.Advance(TimeSpan.FromSeconds(10));

        probe.ExpectMsg("new");
        probe.ExpectNoMsg(TimeSpan.FromMilliseconds(50));
    }

    [Fact]
    public void A_stale_tick_already_in_the_mailbox_is_never_delivered()
    {
        var probe = CreateTestProbe();
        var gate = new TaskCompletionSource();
        var actor = Sys.ActorOf(Props.Create(() => new TimerActor(probe, gate.Task)));
        actor.Tell(new StartSingle("k", "stale", TimeSpan.FromSeconds(1)));
        actor.Tell("block-then-replace");
        AwaitAssertions.AwaitAssert(() => Assert.Equal(1, Clock.ActiveTimerCount));

        // The tick is queued behind the blocked message; the handler then replaces the timer.
        Clock.Advance(TimeSpan.FromSeconds(1));
        gate.SetResult();

        probe.ExpectMsg("replaced");
        probe.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        Clock.Advance(TimeSpan.FromHours(1));
        probe.ExpectMsg("replacement");
    }

    [Fact]
    public void A_periodic_timer_ticks_each_interval_until_cancelled()
    {
        var probe = CreateTestProbe();
        var actor = Sys.ActorOf(Props.Create(() => new TimerActor(probe)));
        actor.Tell(new StartPeriodic("p", TimeSpan.FromMinutes(1)));
        AwaitAssertions.AwaitAssert(() => Assert.Equal(1, Clock.ActiveTimerCount));

        Clock.Advance(TimeSpan.FromMinutes(3));
        probe.ExpectMsg("tick:p");
        probe.ExpectMsg("tick:p");
        probe.ExpectMsg("tick:p");

        actor.Tell(new CancelTimer("p"));
        AwaitAssertions.AwaitAssert(() => Assert.Equal(0, Clock.ActiveTimerCount));
        Clock.Advance(TimeSpan.FromMinutes(5));
        probe.ExpectNoMsg(TimeSpan.FromMilliseconds(50));
    }

    [Fact]
    public void Timers_are_cancelled_when_the_actor_restarts()
    {
        var probe = CreateTestProbe();
        var noBackoff = SupervisorStrategy.Default with { MinBackoff = TimeSpan.Zero };
        var actor = Sys.ActorOf(Props.Create(() => new TimerActor(probe)).WithSupervisorStrategy(noBackoff));
        actor.Tell(new StartSingle("k", "before-restart", TimeSpan.FromMinutes(1)));
        actor.Tell(new Fail("restart me"));

        Clock.Advance(TimeSpan.FromMinutes(2));

        probe.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        probe.Send(actor, new IsActive("k"));
        Assert.False(probe.ExpectMsg<bool>());
    }

    [Fact]
    public void Weeks_of_periodic_ticks_run_in_moments_on_the_manual_clock()
    {
        var probe = CreateTestProbe();
        var actor = Sys.ActorOf(Props.Create(() => new TimerActor(probe)));
        actor.Tell(new StartPeriodic("hourly", TimeSpan.FromHours(1)));
        AwaitAssertions.AwaitAssert(() => Assert.Equal(1, Clock.ActiveTimerCount));

        Clock.Advance(TimeSpan.FromDays(14));

        for (var i = 0; i < 14 * 24; i++)
        {
            probe.ExpectMsg("tick:hourly");
        }
    }
}
