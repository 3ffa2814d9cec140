using LiveTracker.Actors.Cluster;
using LiveTracker.Actors.Kernel;
using LiveTracker.TestKit;
using Xunit;

namespace LiveTracker.Actors.Tests.Cluster;

public sealed class EntityRegionTests : ActorTestKit
{
    private static readonly TimeSpan Idle = TimeSpan.FromMinutes(2);

    [Fact]
    public void The_shard_hash_is_stable_across_processes_and_spreads_entities_evenly()
    {
        // FNV-1a 32-bit reference values: a process-randomised hash would break shard placement between nodes.
        Assert.Equal(0xE40C292Cu, HashShardExtractor.StableHash("a"));
        Assert.Equal(0xBF9CF968u, HashShardExtractor.StableHash("foobar"));

        var extractor = new HashShardExtractor(10);
        var perShard = Enumerable.Range(0, 10_000)
            .GroupBy(i => extractor.ShardOf("contract-" + i))
            .Select(g => g.Count())
            .ToList();

        Assert.Equal(10, perShard.Count);
        Assert.All(perShard, count => Assert.InRange(count, 800, 1200));
    }

    [Fact]
    public async Task An_entity_is_created_on_its_first_message_and_keeps_its_state_for_later_ones()
    {
        var lifecycle = CreateTestProbe();
        var region = StartRegion(lifecycle);

        Assert.Equal("a:1", await region.Ask<string>("a", "count"));
        Assert.Equal("a:2", await region.Ask<string>("a", "count"));
        Assert.Equal("b/with slash:1", await region.Ask<string>("b/with slash", "count"));

        Assert.Equal(2, await region.CountEntitiesAsync());
        lifecycle.ExpectMsg<string>(s => s.StartsWith("started:", StringComparison.Ordinal));
        lifecycle.ExpectMsg<string>(s => s.StartsWith("started:", StringComparison.Ordinal));
        lifecycle.ExpectNoMsg(TimeSpan.FromMilliseconds(50));
    }

    [Fact]
    public async Task Tell_with_a_sender_reaches_the_entity_and_the_reply_comes_back()
    {
        var probe = CreateTestProbe();
        var region = StartRegion(CreateTestProbe());

        region.Tell("x", "count", probe);

        probe.ExpectMsg("x:1");
        region.Tell(new ShardEnvelope("x", "count"), probe);
        probe.ExpectMsg("x:2");
        Assert.Equal(1, await region.CountEntitiesAsync());
    }

    [Fact]
    public async Task An_idle_entity_is_passivated_and_comes_back_on_the_next_message()
    {
        var lifecycle = CreateTestProbe();
        var region = StartRegion(lifecycle);
        Assert.Equal("a:1", await region.Ask<string>("a", "count"));
        lifecycle.ExpectMsg("started:a");

        Clock.Advance(Idle + Idle / 4);

        lifecycle.ExpectMsg("stopped:a");
        await AwaitAssertions.AwaitAssertAsync(async () => Assert.Equal(0, await region.CountEntitiesAsync()));
        Assert.Equal("a:1", await region.Ask<string>("a", "count"));
        lifecycle.ExpectMsg("started:a");
    }

    [Fact]
    public async Task An_entity_that_keeps_receiving_messages_is_not_passivated()
    {
        var lifecycle = CreateTestProbe();
        var region = StartRegion(lifecycle);
        await region.Ask<string>("busy", "count");
        lifecycle.ExpectMsg("started:busy");

        for (var i = 0; i < 8; i++)
        {
            Clock.Advance(Idle / 2);
            await region.Ask<string>("busy", "count");
        }

        lifecycle.ExpectNoMsg(TimeSpan.FromMilliseconds(50));
        Assert.Equal("busy:10", await region.Ask<string>("busy", "count"));
    }

    [Fact]
    public async Task An_entity_that_asks_to_be_kept_alive_is_not_passivated_until_it_releases_itself()
    {
        var lifecycle = CreateTestProbe();
        var region = StartRegion(lifecycle);
        await region.Ask<string>("k", "keep-alive");
        lifecycle.ExpectMsg("started:k");

        Clock.Advance(Idle * 3);
        lifecycle.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        await region.Ask<string>("k", "release");
        Clock.Advance(Idle * 2);

        lifecycle.ExpectMsg("stopped:k");
    }

    [Fact]
    public async Task Messages_that_arrive_while_an_entity_is_stopping_are_buffered_and_delivered_to_its_next_incarnation()
    {
        var lifecycle = CreateTestProbe();
        var gate = new TaskCompletionSource();
        var region = StartRegion(lifecycle, gate.Task);
        var probe = CreateTestProbe();
        Assert.Equal("e:1", await region.Ask<string>("e", "count"));
        lifecycle.ExpectMsg("started:e");

        region.Tell("e", "passivate-me", probe);
        lifecycle.ExpectMsg("stopping:e");
        for (var i = 0; i < 5; i++)
        {
            region.Tell("e", "count", probe);
        }

        gate.SetResult();

        lifecycle.ExpectMsg("stopped:e");
        lifecycle.ExpectMsg("started:e");
        for (var i = 1; i <= 5; i++)
        {
            probe.ExpectMsg($"e:{i}");
        }

        Assert.Equal(0, Sys.DeadLetterCount);
    }

    [Fact]
    public async Task A_failing_entity_is_restarted_and_keeps_serving()
    {
        var lifecycle = CreateTestProbe();
        var region = StartRegion(lifecycle);
        await region.Ask<string>("f", "count");
        lifecycle.ExpectMsg("started:f");

        region.Tell("f", "throw");

        // The restart waits its backoff on the manual clock: keep the clock moving until the entity is back.
        AwaitAssertions.AwaitAssert(() =>
        {
            Clock.Advance(SupervisorStrategy.Default.MinBackoff);
            lifecycle.ExpectMsg("started:f", TimeSpan.FromMilliseconds(20));
        });
        Assert.Equal("f:1", await region.Ask<string>("f", "count").WaitAsync(DefaultTimeout));
    }

    private EntityRegion StartRegion(IActorRef lifecycle, Task? stopGate = null) =>
        EntityRegion.Start(
            Sys,
            "counters",
            id => Props.Create(() => new CounterEntity(id, lifecycle, stopGate ?? Task.CompletedTask)),
            new RegionSettings { ShardCount = 10, PassivateIdleEntityAfter = Idle });

    private sealed class CounterEntity(string id, IActorRef lifecycle, Task stopGate) : ActorBase
    {
        private int _count;

        protected override void PreStart() => lifecycle.Tell("started:" + id);

        protected override void PostStop() => lifecycle.Tell("stopped:" + id);

        protected override async ValueTask OnReceiveAsync(object message)
        {
            switch (message)
            {
                case "count":
                    Sender.Tell($"{id}:{++_count}");
                    break;
                case "keep-alive" or "release":
                    Context.Parent.Tell(new KeepAlive(message is "keep-alive"), Self);
                    Sender.Tell("ok");
                    break;
                case "passivate-me":
                    Context.Parent.Tell(new Passivate("stop-now"), Self);
                    break;
                case "stop-now":
                    lifecycle.Tell("stopping:" + id);
                    await stopGate;
                    Context.Stop(Self);
                    break;
                case "throw":
                    throw new InvalidOperationException("entity failed");
            }
        }
    }
}
