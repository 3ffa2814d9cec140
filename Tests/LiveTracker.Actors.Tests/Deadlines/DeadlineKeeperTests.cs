using System.Collections.Concurrent;
using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Persistence;
using Akka.Persistence.Journal;
using LiveTracker.Actors.Deadlines;
using LiveTracker.Actors.Hosting;
using LiveTracker.Actors.Tests.Hosting;
using LiveTracker.Actors.Tests.Databases;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace LiveTracker.Actors.Tests.Deadlines;

/// <summary>
/// The cluster's deadline keeper on a node as production wires it, with entities of a test region that set deadlines in
/// their journals: weeks of deadlines pass in moments on the fake clock, and they survive a node restart.
/// </summary>
public sealed class DeadlineKeeperTests(SqliteDatabaseFixture database) : IClassFixture<SqliteDatabaseFixture>, IDisposable
{
    private const string Region = "test-alarms";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 11, 16, 9, 0, 0, TimeSpan.Zero));
    private readonly string _run = Guid.NewGuid().ToString("N")[..8];
    private AkkaTestNode? _node;

    public void Dispose() => _node?.Dispose();

    [Fact]
    public async Task A_deadline_is_delivered_once_when_the_clock_passes_it_and_a_moved_one_only_at_its_new_time()
    {
        var alarms = Start();
        await Set(alarms, "a", "lock", _clock.GetUtcNow().AddDays(3));
        await Set(alarms, "b", "lock", _clock.GetUtcNow().AddDays(2));
        await Set(alarms, "b", "lock", _clock.GetUtcNow().AddDays(5)); // moved: the first time no longer counts
        await AwaitPending(2);

        _clock.Advance(TimeSpan.FromDays(4));
        await AwaitDelivered("a", 1);
        await AwaitPending(1);
        await Task.Delay(TimeSpan.FromSeconds(3));

        Assert.Equal(1, Delivered("a"));
        Assert.Equal(0, Delivered("b"));
        _clock.Advance(TimeSpan.FromDays(2));
        await AwaitDelivered("b", 1);
        Assert.Equal([_clock.GetUtcNow().AddDays(-1)], Received.Where(r => r.Entity == Id("b")).Select(r => r.DueAt));
    }

    [Fact]
    public async Task An_entity_that_never_answers_is_asked_again_and_does_not_hold_back_the_deadlines_behind_it()
    {
        var alarms = Start();
        await Set(alarms, "stuck", "check", _clock.GetUtcNow().AddMinutes(1));
        await Set(alarms, "fine", "check", _clock.GetUtcNow().AddMinutes(2));
        await AwaitPending(2);
        Stuck.TryAdd(Id("stuck"), 0);

        _clock.Advance(TimeSpan.FromMinutes(3));
        await AwaitDelivered("fine", 1);
        await AwaitDelivered("stuck", 2);
        Stuck.TryRemove(Id("stuck"), out _);
        await AwaitPending(0);

        Assert.Equal(1, Delivered("fine"));
    }

    [Fact]
    public async Task A_deadline_set_before_a_node_restart_is_delivered_after_it_and_a_cleared_one_never()
    {
        var alarms = Start();
        await Set(alarms, "kept", "payout", _clock.GetUtcNow().AddDays(14));
        await Set(alarms, "dropped", "payout", _clock.GetUtcNow().AddDays(14));
        await alarms.Ask<Done>(new ShardingEnvelope(Id("dropped"), new ClearAlarm("payout")), AkkaTestNode.AskTimeout);
        await AwaitPending(1);
        _node!.Dispose();

        _clock.Advance(TimeSpan.FromDays(15));
        Start();
        await AwaitDelivered("kept", 1);
        await Task.Delay(TimeSpan.FromSeconds(3));

        Assert.Equal(0, Delivered("dropped"));
    }

    // ---------------------------------------------------------------- the test region

    private static readonly ConcurrentQueue<(string Entity, string Name, DateTimeOffset DueAt)> Received = new();
    private static readonly ConcurrentDictionary<string, byte> Stuck = new();

    private string Id(string name) => _run + "-" + name;

    private int Delivered(string name) => Received.Count(r => r.Entity == Id(name));

    private IActorRef Start()
    {
        _node = AkkaTestNode.Start(_clock, persistence: AkkaTestNode.OnSqlite(database.DatabaseFile));
        var system = _node.System;
        return ClusterSharding.Get(system).StartAsync(
            Region, id => Props.Create(() => new Alarm(id)), ClusterShardingSettings.Create(system), new EntityMessageExtractor(4)).GetAwaiter().GetResult();
    }

    private async Task Set(IActorRef alarms, string name, string deadline, DateTimeOffset at) =>
        await alarms.Ask<Done>(new ShardingEnvelope(Id(name), new SetAlarm(deadline, at)), AkkaTestNode.AskTimeout);

    private async Task AwaitDelivered(string name, int atLeast)
    {
        var until = DateTime.UtcNow + Patience;
        while (Delivered(name) < atLeast)
        {
            Assert.True(DateTime.UtcNow < until, $"{name} received {Delivered(name)} deliveries, expected at least {atLeast}");
            await Task.Delay(50);
        }
    }

    /// <summary>Waits until the keeper holds <paramref name="count"/> deadlines of this test's entities.</summary>
    private async Task AwaitPending(int count)
    {
        var keeper = await _node!.Registry.GetAsync<DeadlineKeeperSingleton>();
        var until = DateTime.UtcNow + Patience;
        while (true)
        {
            var pending = await keeper.Ask<PendingDeadlines>(new GetDeadlines(), AkkaTestNode.AskTimeout);
            var mine = pending.Deadlines.Count(d => d.EntityId.StartsWith(_run, StringComparison.Ordinal));
            if (mine == count)
            {
                return;
            }

            Assert.True(DateTime.UtcNow < until, $"the keeper holds {mine} of this test's deadlines, expected {count}");
            await Task.Delay(50);
        }
    }

    public sealed record SetAlarm(string Name, DateTimeOffset At);

    public sealed record ClearAlarm(string Name);

    public sealed record Done;

    /// <summary>An entity that writes its deadlines as the product's entities do, and notes each delivery.</summary>
    private sealed class Alarm : ReceivePersistentActor
    {
        private readonly string _id;

        public Alarm(string id)
        {
            _id = id;
            PersistenceId = "test-alarm-" + id;
            RecoverAny(_ => { });
            Command<SetAlarm>(set => Persist(
                new Tagged(new DeadlineSet(Region, _id, set.Name, set.At), [DeadlineKeeper.Tag]), _ => Sender.Tell(new Done())));
            Command<ClearAlarm>(clear => Persist(
                new Tagged(new DeadlineCleared(Region, _id, clear.Name), [DeadlineKeeper.Tag]), _ => Sender.Tell(new Done())));
            Command<DeadlineDue>(due =>
            {
                Received.Enqueue((_id, due.Name, due.DueAt));
                if (!Stuck.ContainsKey(_id))
                {
                    Sender.Tell(new DeadlineHandled(due.Name, due.DueAt));
                }
            });
        }

        public override string PersistenceId { get; }
    }
}
