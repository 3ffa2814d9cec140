using LiveTracker.Actors.Kernel;
using LiveTracker.TestKit;
using Xunit;

namespace LiveTracker.Actors.Tests.Kernel;

/// <summary>Stopping is where runtimes leak: actors created too late, timers started too late, letters to nobody.</summary>
public sealed class ShutdownEdgeTests : ActorTestKit
{
    [Fact]
    public async Task A_stopped_dead_letter_subscriber_does_not_bring_the_system_down()
    {
        var subscriber = CreateTestProbe();
        Sys.SubscribeDeadLetters(subscriber.Ref);
        Sys.Stop(subscriber.Ref);
        await ActorSystem.WhenStopped(subscriber.Ref);
        var gone = Sys.ActorOf(Props.Create(() => new EchoActor()));
        Sys.Stop(gone);
        await ActorSystem.WhenStopped(gone);
        var before = Sys.DeadLetterCount;

        gone.Tell("to nobody");

        Assert.True(Sys.DeadLetterCount > before);
        var echo = Sys.ActorOf(Props.Create(() => new EchoActor()));
        Assert.Equal("still alive", await echo.Ask<string>("still alive").WaitAsync(DefaultTimeout));
    }

    [Fact]
    public async Task An_actor_cannot_create_children_once_it_is_stopping()
    {
        var report = new TaskCompletionSource<Exception?>(TaskCreationOptions.RunContinuationsAsynchronously);
        var actor = Sys.ActorOf(Props.Create(() => new LateSpawner(report)));

        actor.Tell(PoisonPill.Instance);

        Assert.IsType<InvalidOperationException>(await report.Task.WaitAsync(DefaultTimeout));
    }

    [Fact]
    public async Task A_timer_started_in_post_stop_never_fires()
    {
        var probe = CreateTestProbe();
        var actor = Sys.ActorOf(Props.Create(() => new LateTimer(probe)));
        actor.Tell(PoisonPill.Instance);
        await ActorSystem.WhenStopped(actor);

        Clock.Advance(TimeSpan.FromHours(1));

        Assert.Equal(0, Clock.ActiveTimerCount);
        probe.ExpectNoMsg(TimeSpan.FromMilliseconds(50));
    }

    [Fact]
    public async Task A_restarted_actor_does_not_see_the_failed_message_as_current()
    {
        var probe = CreateTestProbe();
        var strategy = SupervisorStrategy.Default with { MinBackoff = TimeSpan.Zero };
        var actor = Sys.ActorOf(Props.Create(() => new SenderReporter(probe)).WithSupervisorStrategy(strategy));
        probe.ExpectMsg("started, sender /deadLetters");

        probe.Send(actor, "fail");

        probe.ExpectMsg("started, sender /deadLetters");
        await Task.CompletedTask;
    }

    private sealed class LateSpawner(TaskCompletionSource<Exception?> report) : ActorBase
    {
        protected override void PostStop()
        {
            try
            {
                Context.ActorOf(Props.Create(() => new EchoActor()));
                report.SetResult(null);
            }
            catch (InvalidOperationException ex)
            {
                report.SetResult(ex);
            }
        }
    }

    private sealed class LateTimer(IActorRef probe) : ActorBase
    {
        protected override void PostStop() => Timers.StartSingleTimer("late", "too late", TimeSpan.FromMinutes(1));

        protected override void OnReceive(object message) => probe.Tell(message);
    }

    private sealed class SenderReporter(IActorRef probe) : ActorBase
    {
        protected override void PreStart() => probe.Tell("started, sender " + Sender.Path);

        protected override async ValueTask OnReceiveAsync(object message)
        {
            await Task.Yield();
            throw new InvalidOperationException("fail");
        }
    }
}
