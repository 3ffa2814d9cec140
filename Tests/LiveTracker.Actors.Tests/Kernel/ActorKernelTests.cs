using LiveTracker.Actors.Kernel;
using LiveTracker.TestKit;
using Microsoft.Extensions.Logging;
using Xunit;

namespace LiveTracker.Actors.Tests.Kernel;

public sealed class ActorKernelTests : ActorTestKit
{
    [Fact]
    public void Tell_delivers_messages_in_the_order_they_were_sent()
    {
        var probe = CreateTestProbe();
        var echo = Sys.ActorOf(Props.Create(() => new EchoActor()), "echo");
        for (var i = 0; i < 100; i++)
        {
            probe.Send(echo, i);
        }

        for (var i = 0; i < 100; i++)
        {
            probe.ExpectMsg(i);
        }

        Assert.Equal(echo.Path, probe.LastSender!.Path);
    }

    [Fact]
    public async Task An_actor_processes_one_message_at_a_time_even_when_its_handler_awaits()
    {
        var tracker = new ConcurrencyTracker();
        var actor = Sys.ActorOf(Props.Create(() => new SlowAsyncActor(tracker)));
        var asks = Enumerable.Range(0, 20).Select(i => actor.Ask<int>(i)).ToArray();

        var replies = await Task.WhenAll(asks);

        Assert.Equal(Enumerable.Range(0, 20), replies);
        Assert.Equal(1, tracker.MaxConcurrent);
    }

    [Fact]
    public async Task Ask_returns_the_typed_reply()
    {
        var echo = Sys.ActorOf(Props.Create(() => new EchoActor()));

        Assert.Equal("hello", await echo.Ask<string>("hello"));
    }

    [Fact]
    public async Task Ask_times_out_on_the_system_clock_when_nobody_replies()
    {
        var silent = Sys.ActorOf(Props.Create(() => new SilentActor()));
        var ask = silent.Ask<string>("anyone?", TimeSpan.FromSeconds(3));

        Clock.Advance(TimeSpan.FromSeconds(2));
        await Task.Delay(50);
        Assert.False(ask.IsCompleted);

        Clock.Advance(TimeSpan.FromSeconds(1));
        var error = await Assert.ThrowsAsync<AskTimeoutException>(() => ask);
        Assert.Contains("String", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ask_surfaces_a_failure_reply_as_its_exception()
    {
        var actor = Sys.ActorOf(Props.Create(() => new FailureReplier()));

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => actor.Ask<string>("go"));

        Assert.Equal("refused", error.Message);
    }

    [Fact]
    public async Task Ask_fails_fast_when_the_recipient_has_stopped()
    {
        var echo = Sys.ActorOf(Props.Create(() => new EchoActor()));
        Sys.Stop(echo);
        await ActorSystem.WhenStopped(echo);

        await Assert.ThrowsAsync<ActorStoppedException>(() => echo.Ask<string>("late"));
    }

    [Fact]
    public async Task Ask_with_an_unhandled_message_fails_instead_of_hanging()
    {
        var counter = Sys.ActorOf(Props.Create(() => new CountingActor(CreateTestProbe())));

        await Assert.ThrowsAsync<UnexpectedReplyException>(() => counter.Ask<int>("not a command"));
    }

    [Fact]
    public void Lifecycle_hooks_run_on_start_and_stop()
    {
        var probe = CreateTestProbe();
        var actor = Sys.ActorOf(Props.Create(() => new CountingActor(probe)));
        probe.ExpectMsg("pre-start");

        actor.Tell(PoisonPill.Instance);

        probe.ExpectMsg("post-stop");
    }

    [Fact]
    public void A_failing_actor_is_restarted_after_a_backoff_with_fresh_state_and_keeps_later_messages()
    {
        var probe = CreateTestProbe();
        var actor = Sys.ActorOf(Props.Create(() => new CountingActor(probe)));
        probe.ExpectMsg("pre-start");
        actor.Tell(new Increment());
        actor.Tell(new Increment());
        actor.Tell(new Fail("boom"));
        probe.ExpectMsg("pre-restart:boom");

        // Sent during the backoff: must wait in the mailbox, not be lost.
        actor.Tell(new Increment());
        probe.Send(actor, new GetCount());
        probe.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        AwaitBackoffTimer();

        Clock.Advance(SupervisorStrategy.Default.MinBackoff);

        probe.ExpectMsg("post-restart:boom");
        probe.ExpectMsg("pre-start");
        Assert.Equal(1, probe.ExpectMsg<int>());
        Assert.Contains(Logs.Entries, e => e.Level == LogLevel.Error && e.Message.Contains("failed handling Fail", StringComparison.Ordinal));
    }

    [Fact]
    public void Backoff_doubles_between_restarts_up_to_the_maximum()
    {
        var strategy = new SupervisorStrategy(10, TimeSpan.FromMinutes(1), TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(1));

        Assert.Equal(
            new[] { 100, 200, 400, 800, 1000, 1000 },
            Enumerable.Range(1, 6).Select(n => (int)strategy.BackoffFor(n).TotalMilliseconds));
    }

    [Fact]
    public void An_actor_that_fails_too_often_within_the_window_is_stopped_and_logged()
    {
        var probe = CreateTestProbe();
        var strategy = new SupervisorStrategy(2, TimeSpan.FromMinutes(1), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
        var actor = Sys.ActorOf(Props.Create(() => new CountingActor(probe)).WithSupervisorStrategy(strategy));
        probe.Watch(actor);
        probe.ExpectMsg("pre-start");

        for (var i = 1; i <= 2; i++)
        {
            actor.Tell(new Fail("again"));
            probe.ExpectMsg("pre-restart:again");
            AwaitBackoffTimer();
            Clock.Advance(TimeSpan.FromSeconds(1));
            probe.ExpectMsg("post-restart:again");
            probe.ExpectMsg("pre-start");
        }

        actor.Tell(new Fail("third"));

        probe.ExpectMsg("post-stop");
        probe.ExpectTerminated(actor);
        Assert.Contains(Logs.Entries, e => e.Message.Contains("failed 3 times within", StringComparison.Ordinal));
    }

    [Fact]
    public void Failures_outside_the_window_do_not_count_towards_stopping()
    {
        var probe = CreateTestProbe();
        var strategy = new SupervisorStrategy(1, TimeSpan.FromMinutes(1), TimeSpan.Zero, TimeSpan.Zero);
        var actor = Sys.ActorOf(Props.Create(() => new CountingActor(probe)).WithSupervisorStrategy(strategy));
        probe.ExpectMsg("pre-start");

        for (var i = 0; i < 3; i++)
        {
            actor.Tell(new Fail("spaced"));
            probe.ExpectMsg("pre-restart:spaced");
            probe.ExpectMsg("post-restart:spaced");
            probe.ExpectMsg("pre-start");
            Clock.Advance(TimeSpan.FromMinutes(2));
        }

        probe.Send(actor, new GetCount());
        Assert.Equal(0, probe.ExpectMsg<int>());
    }

    [Fact]
    public void Resume_keeps_the_actor_and_its_state()
    {
        var probe = CreateTestProbe();
        var strategy = SupervisorStrategy.Default with { Decider = _ => Directive.Resume };
        var actor = Sys.ActorOf(Props.Create(() => new CountingActor(probe)).WithSupervisorStrategy(strategy));
        probe.ExpectMsg("pre-start");

        actor.Tell(new Increment());
        actor.Tell(new Fail("ignored"));
        actor.Tell(new Increment());
        probe.Send(actor, new GetCount());

        Assert.Equal(2, probe.ExpectMsg<int>());
    }

    [Fact]
    public void A_throwing_constructor_is_supervised_like_a_failing_message()
    {
        var probe = CreateTestProbe();
        var attempts = 0;
        var actor = Sys.ActorOf(Props.Create(() =>
        {
            if (Interlocked.Increment(ref attempts) == 1)
            {
                throw new InvalidOperationException("first start fails");
            }

            return new EchoActor();
        }));
        probe.Send(actor, "after start");
        AwaitBackoffTimer();

        Clock.Advance(TimeSpan.FromSeconds(1));

        probe.ExpectMsg("after start");
        Assert.Equal(2, attempts);
    }

    [Fact]
    public void Become_switches_the_handler_until_unbecome()
    {
        var probe = CreateTestProbe();
        var actor = Sys.ActorOf(Props.Create(() => new SwitchActor()));

        probe.Send(actor, "who");
        probe.ExpectMsg("normal");
        probe.Send(actor, "switch");
        probe.Send(actor, "who");
        probe.ExpectMsg("switched");
        probe.Send(actor, "back");
        probe.Send(actor, "who");
        probe.ExpectMsg("normal");
    }

    [Fact]
    public void Stash_sets_messages_aside_and_unstash_returns_them_in_order_ahead_of_later_ones()
    {
        var probe = CreateTestProbe();
        var actor = Sys.ActorOf(Props.Create(() => new GateActor()));

        probe.Send(actor, "a");
        probe.Send(actor, "b");
        probe.ExpectNoMsg(TimeSpan.FromMilliseconds(50));
        probe.Send(actor, "open");
        probe.Send(actor, "c");

        probe.ExpectMsg("opened");
        probe.ExpectMsg("a");
        probe.ExpectMsg("b");
        probe.ExpectMsg("c");
    }

    [Fact]
    public async Task Stashed_messages_become_dead_letters_when_the_actor_stops()
    {
        var probe = CreateTestProbe();
        Sys.SubscribeDeadLetters(probe);
        var actor = Sys.ActorOf(Props.Create(() => new GateActor()));

        actor.Tell("stashed");
        actor.Tell(PoisonPill.Instance);
        await ActorSystem.WhenStopped(actor);

        Assert.Equal("stashed", probe.ExpectMsg<DeadLetter>().Message);
    }

    [Fact]
    public void Watch_delivers_terminated_and_poison_pill_stops_after_earlier_messages()
    {
        var probe = CreateTestProbe();
        var echo = Sys.ActorOf(Props.Create(() => new EchoActor()));
        probe.Watch(echo);

        probe.Send(echo, "first");
        echo.Tell(PoisonPill.Instance);
        probe.Send(echo, "after-pill");

        probe.ExpectMsg("first");
        probe.ExpectTerminated(echo);
        probe.ExpectNoMsg(TimeSpan.FromMilliseconds(50));
    }

    [Fact]
    public async Task Watching_an_actor_that_already_stopped_delivers_terminated_at_once()
    {
        var probe = CreateTestProbe();
        var echo = Sys.ActorOf(Props.Create(() => new EchoActor()));
        Sys.Stop(echo);
        await ActorSystem.WhenStopped(echo);

        probe.Watch(echo);

        probe.ExpectTerminated(echo);
    }

    [Fact]
    public async Task System_stop_overtakes_queued_messages_which_become_dead_letters()
    {
        var deadLetters = CreateTestProbe();
        Sys.SubscribeDeadLetters(deadLetters);
        var gate = new TaskCompletionSource();
        var entered = new TaskCompletionSource();
        var actor = Sys.ActorOf(Props.Create(() => new BlockingActor(gate.Task, entered)));
        actor.Tell("block");
        await entered.Task.WaitAsync(DefaultTimeout);
        actor.Tell("queued-1");
        actor.Tell("queued-2");

        Sys.Stop(actor);
        gate.SetResult();
        await ActorSystem.WhenStopped(actor);

        Assert.Equal("queued-1", deadLetters.ExpectMsg<DeadLetter>().Message);
        Assert.Equal("queued-2", deadLetters.ExpectMsg<DeadLetter>().Message);
        actor.Tell("after-stop");
        Assert.Equal("after-stop", deadLetters.ExpectMsg<DeadLetter>().Message);
    }

    [Fact]
    public void Children_are_named_found_and_stopped_with_their_parent()
    {
        var probe = CreateTestProbe();
        var lifecycle = CreateTestProbe();
        var parent = Sys.ActorOf(Props.Create(() => new ParentActor(lifecycle)), "parent");
        probe.Send(parent, "spawn:kid");
        lifecycle.ExpectMsg("pre-start:/user/parent/kid");
        var child = probe.ExpectMsg<IActorRef>();
        Assert.Equal("/user/parent/kid", child.Path);

        probe.Send(parent, "spawn:kid");
        Assert.IsType<InvalidOperationException>(probe.ExpectMsg<Exception>());

        parent.Tell(PoisonPill.Instance);

        lifecycle.ExpectMsg("post-stop:/user/parent/kid");
        lifecycle.ExpectMsg("parent-post-stop");
    }

    [Fact]
    public void A_restarting_parent_stops_its_children_first()
    {
        var probe = CreateTestProbe();
        var lifecycle = CreateTestProbe();
        var parent = Sys.ActorOf(Props.Create(() => new ParentActor(lifecycle)));
        probe.Send(parent, "spawn:kid");
        lifecycle.ExpectMsg<string>(s => s.StartsWith("pre-start:", StringComparison.Ordinal));
        var child = probe.ExpectMsg<IActorRef>();
        probe.Watch(child);

        parent.Tell(new Fail("parent failed"));

        lifecycle.ExpectMsg<string>(s => s.StartsWith("post-stop:", StringComparison.Ordinal) && s.EndsWith("/kid", StringComparison.Ordinal));
        probe.ExpectTerminated(child);
    }

    [Fact]
    public async Task Terminate_stops_children_before_parents_cancels_timers_and_fails_pending_asks()
    {
        var probe = CreateTestProbe();
        var lifecycle = new RecordingRef();
        var parent = Sys.ActorOf(Props.Create(() => new ParentActor(lifecycle)), "p");
        probe.Send(parent, "spawn:c");
        probe.ExpectMsg<IActorRef>();
        var ticker = Sys.ActorOf(Props.Create(() => new TimerActor(probe)));
        ticker.Tell(new StartPeriodic("tick", TimeSpan.FromSeconds(1)));
        var silent = Sys.ActorOf(Props.Create(() => new SilentActor()));
        var pendingAsk = silent.Ask<string>("never answered", TimeSpan.FromDays(1));
        await AwaitAssertions.AwaitAssertAsync(() =>
        {
            Assert.Equal(1, Clock.ActiveTimerCount - 1); // the ask's timeout timer is the other one
            return Task.CompletedTask;
        });

        await Sys.TerminateAsync().WaitAsync(TimeSpan.FromSeconds(10));

        Assert.True(Sys.WhenTerminated.IsCompletedSuccessfully);
        await Assert.ThrowsAsync<ActorStoppedException>(() => pendingAsk);
        Assert.Equal(0, Clock.ActiveTimerCount);
        Assert.Equal(["pre-start:/user/p/c", "post-stop:/user/p/c", "parent-post-stop"], lifecycle.Messages);
        Assert.Throws<ObjectDisposedException>(() => Sys.ActorOf(Props.Create(() => new EchoActor())));
    }

    /// <summary>Supervision waits its backoff on the manual clock; advance only once that wait is scheduled.</summary>
    private void AwaitBackoffTimer() => AwaitAssertions.AwaitAssert(() => Assert.Equal(1, Clock.ActiveTimerCount));

    /// <summary>Records what it is told without being an actor, so it outlives the system.</summary>
    private sealed class RecordingRef : IActorRef
    {
        private readonly System.Collections.Concurrent.ConcurrentQueue<object> _messages = new();

        public string Path => "/recording";

        public object[] Messages => [.. _messages];

        public void Tell(object message, IActorRef? sender = null) => _messages.Enqueue(message);
    }

    private sealed class ConcurrencyTracker
    {
        private int _current;

        public int MaxConcurrent { get; private set; }

        public void Enter()
        {
            var now = Interlocked.Increment(ref _current);
            MaxConcurrent = Math.Max(MaxConcurrent, now);
        }

        public void Exit() => Interlocked.Decrement(ref _current);
    }

    private sealed class SlowAsyncActor(ConcurrencyTracker tracker) : ActorBase
    {
        protected override async ValueTask OnReceiveAsync(object message)
        {
            tracker.Enter();
            await Task.Delay(2);
            await Task.Yield();
            tracker.Exit();
            Sender.Tell(message);
        }
    }

    private sealed class SilentActor : ActorBase
    {
        protected override void OnReceive(object message)
        {
        }
    }

    private sealed class FailureReplier : ActorBase
    {
        protected override void OnReceive(object message) =>
            Sender.Tell(new Status.Failure(new InvalidOperationException("refused")));
    }

    private sealed class SwitchActor : ActorBase
    {
        protected override void OnReceive(object message)
        {
            if (message is "switch")
            {
                Become(Switched);
            }
            else
            {
                Sender.Tell("normal");
            }
        }

        private void Switched(object message)
        {
            if (message is "back")
            {
                Unbecome();
            }
            else
            {
                Sender.Tell("switched");
            }
        }
    }

    private sealed class GateActor : ActorBase
    {
        private bool _open;

        protected override void OnReceive(object message)
        {
            if (message is "open")
            {
                _open = true;
                Sender.Tell("opened");
                Stash.UnstashAll();
            }
            else if (_open)
            {
                Sender.Tell(message);
            }
            else
            {
                Stash.Stash();
            }
        }
    }

    private sealed class BlockingActor(Task gate, TaskCompletionSource entered) : ActorBase
    {
        protected override async ValueTask OnReceiveAsync(object message)
        {
            if (message is "block")
            {
                entered.SetResult();
                await gate;
            }
        }
    }

    private sealed class ParentActor(IActorRef probe) : ActorBase
    {
        protected override void PostStop() => probe.Tell("parent-post-stop");

        protected override void OnReceive(object message)
        {
            switch (message)
            {
                case string s when s.StartsWith("spawn:", StringComparison.Ordinal):
                    try
                    {
                        Sender.Tell(Context.ActorOf(Props.Create(() => new EchoActor(probe)), s["spawn:".Length..]));
                    }
                    catch (InvalidOperationException ex)
                    {
                        Sender.Tell(ex);
                    }

                    break;
                case Fail fail:
                    throw new InvalidOperationException(fail.Why);
            }
        }
    }
}
