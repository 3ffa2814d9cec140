using System.Text.Json.Nodes;
using LiveTracker.Actors.Cluster;
using LiveTracker.Actors.Kernel;
using LiveTracker.Actors.Persistence;
using LiveTracker.Actors.Persistence.Postgres;
using LiveTracker.Actors.Persistence.Sqlite;
using LiveTracker.TestKit;
using Xunit;

namespace LiveTracker.Actors.Tests.Persistence;

[Manifest("test.counter-added.v2")]
public sealed record CounterAdded(int By, string Reason);

[Manifest("test.counter-reset.v1")]
public sealed record CounterReset;

[Manifest("test.counter-state.v1")]
public sealed record CounterSnapshot(int Total, int Events);

public sealed record Add(int By);

public sealed record AddTwice(int By);

public sealed record GetTotal;

public sealed record AddThenFail(int By);

public sealed record Total(int Value, long SequenceNr, int EventsApplied);

/// <summary>v1 stored <c>{"amount": n}</c>; v2 has <c>by</c> and a <c>reason</c>.</summary>
public sealed class CounterAddedV1ToV2 : IEventUpcaster
{
    public string FromManifest => "test.counter-added.v1";

    public string ToManifest => "test.counter-added.v2";

    public JsonObject Upcast(JsonObject payload) =>
        new() { ["by"] = payload["amount"]!.GetValue<int>(), ["reason"] = "before reasons were recorded" };
}

/// <summary>Snapshots a state type the serializer does not know, as a bug in an entity would.</summary>
public sealed class UnserializableSnapshotCounter(string id, PersistenceContext persistence) : PersistentActor("counter-" + id, persistence)
{
    private int _total;

    protected override void OnCommand(object command)
    {
        if (command is Add add)
        {
            Persist(new CounterAdded(add.By, "test"), _ => Sender.Tell(new Total(_total, LastSequenceNr, 0)));
        }
    }

    protected override void ApplyEvent(object @event) => _total += ((CounterAdded)@event).By;

    protected override object CreateSnapshot() => new { _total };
}

public sealed class CounterEntity(string id, PersistenceContext persistence) : PersistentActor("counter-" + id, persistence)
{
    private int _total;
    private int _events;

    protected override void OnCommand(object command)
    {
        switch (command)
        {
            case Add add when add.By <= 0:
                Sender.Tell(new Status.Failure(new ArgumentOutOfRangeException(nameof(command), "Only positive amounts.")));
                break;
            case Add add:
                Persist(new CounterAdded(add.By, "test"), _ => Sender.Tell(new Total(_total, LastSequenceNr, _events)));
                break;
            case AddTwice twice:
                PersistAll([new CounterAdded(twice.By, "a"), new CounterAdded(twice.By, "b")]);
                Persist(new CounterReset(), _ => Sender.Tell(new Total(_total, LastSequenceNr, _events)));
                break;
            case GetTotal:
                Sender.Tell(new Total(_total, LastSequenceNr, _events));
                break;
            case AddThenFail add:
                Persist(new CounterAdded(add.By, "never written"));
                throw new InvalidOperationException("failed after Persist");
        }
    }

    protected override void ApplyEvent(object @event)
    {
        _events++;
        _total = @event switch
        {
            CounterAdded added => _total + added.By,
            CounterReset => 0,
            _ => _total,
        };
    }

    protected override object CreateSnapshot() => new CounterSnapshot(_total, _events);

    protected override void ApplySnapshot(object snapshot)
    {
        var state = (CounterSnapshot)snapshot;
        (_total, _events) = (state.Total, state.Events);
    }
}

/// <summary>Event-sourced actors on each real back-end: durable writes, recovery, snapshots, upcasting, conflicts.</summary>
public abstract class PersistentActorTests : ActorTestKit, IAsyncLifetime
{
    private IPersistenceStore? _store;

    protected PersistentActorTests()
    {
        Serializer = new EventSerializer().RegisterAssembly(typeof(PersistentActorTests).Assembly).AddUpcaster(new CounterAddedV1ToV2());
    }

    protected EventSerializer Serializer { get; }

    protected IPersistenceStore Store => _store!;

    protected PersistenceContext Context(int snapshotEvery = 1000) => new(Store, Serializer, snapshotEvery);

    protected abstract IPersistenceStore CreateStore();

    async Task IAsyncLifetime.InitializeAsync()
    {
        _store = CreateStore();
        await _store.InitializeAsync();
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        await Sys.TerminateAsync();
        await Store.DisposeAsync();
    }

    [Fact]
    public async Task The_reply_comes_after_the_event_is_durably_in_the_journal()
    {
        var id = NewId();
        var counter = Sys.ActorOf(Props.Create(() => new CounterEntity(id, Context())));

        var total = await counter.Ask<Total>(new Add(5));

        Assert.Equal(new Total(5, 1, 1), total);
        var stored = await Store.Journal.ReplayAsync("counter-" + id, 1, long.MaxValue).ToListAsync();
        var only = Assert.Single(stored);
        Assert.Equal("test.counter-added.v2", only.Manifest);
        Assert.Equal(5, JsonNode.Parse(only.Payload)!["by"]!.GetValue<int>());
    }

    [Fact]
    public async Task State_is_recovered_from_the_journal_by_a_new_incarnation()
    {
        var id = NewId();
        var first = Sys.ActorOf(Props.Create(() => new CounterEntity(id, Context())));
        for (var i = 1; i <= 10; i++)
        {
            await first.Ask<Total>(new Add(i));
        }

        Sys.Stop(first);
        await ActorSystem.WhenStopped(first);
        var second = Sys.ActorOf(Props.Create(() => new CounterEntity(id, Context())));

        Assert.Equal(new Total(55, 10, 10), await second.Ask<Total>(new GetTotal()));
    }

    [Fact]
    public async Task Commands_sent_while_a_write_is_in_flight_wait_and_see_the_state_before_them()
    {
        var id = NewId();
        var counter = Sys.ActorOf(Props.Create(() => new CounterEntity(id, Context())));

        var replies = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => counter.Ask<Total>(new Add(1))));

        Assert.Equal(Enumerable.Range(1, 50), replies.Select(r => r.Value).Order());
        Assert.Equal(replies.Select(r => r.Value), replies.Select(r => (int)r.SequenceNr));
    }

    [Fact]
    public async Task Persist_all_and_later_persists_of_one_command_are_one_atomic_write_applied_in_order()
    {
        var id = NewId();
        var counter = Sys.ActorOf(Props.Create(() => new CounterEntity(id, Context())));
        await counter.Ask<Total>(new Add(7));

        var total = await counter.Ask<Total>(new AddTwice(3));

        Assert.Equal(new Total(0, 4, 4), total);
        var stored = await Store.Journal.ReplayAsync("counter-" + id, 1, long.MaxValue).ToListAsync();
        Assert.Equal(new long[] { 1, 2, 3, 4 }, stored.Select(e => e.SequenceNr));
        Assert.Equal(stored[1].Ordering + 1, stored[2].Ordering);
    }

    [Fact]
    public async Task A_rejected_command_persists_nothing()
    {
        var id = NewId();
        var counter = Sys.ActorOf(Props.Create(() => new CounterEntity(id, Context())));

        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => counter.Ask<Total>(new Add(-1)));

        Assert.Equal(0, await Store.Journal.ReadHighestSequenceNrAsync("counter-" + id));
    }

    [Fact]
    public async Task A_snapshot_is_taken_every_n_events_and_recovery_starts_from_it()
    {
        var id = NewId();
        var counter = Sys.ActorOf(Props.Create(() => new CounterEntity(id, Context(snapshotEvery: 5))));
        for (var i = 0; i < 12; i++)
        {
            await counter.Ask<Total>(new Add(1));
        }

        var snapshot = await Store.Snapshots.LoadAsync("counter-" + id);
        Assert.NotNull(snapshot);
        Assert.Equal(10, snapshot.SequenceNr);
        Sys.Stop(counter);
        await ActorSystem.WhenStopped(counter);

        // Without the events the snapshot covers, only the snapshot can explain a correct total.
        await Store.Journal.DeleteEventsToAsync("counter-" + id, 10);
        var recovered = Sys.ActorOf(Props.Create(() => new CounterEntity(id, Context(snapshotEvery: 5))));

        Assert.Equal(new Total(12, 12, 12), await recovered.Ask<Total>(new GetTotal()));
    }

    [Fact]
    public async Task A_snapshot_that_cannot_be_written_fails_no_command()
    {
        var id = NewId();
        var counter = Sys.ActorOf(Props.Create(() => new UnserializableSnapshotCounter(id, Context(snapshotEvery: 2))));

        for (var i = 1; i <= 6; i++)
        {
            Assert.Equal(i, (await counter.Ask<Total>(new Add(1))).Value);
        }

        Assert.Null(await Store.Snapshots.LoadAsync("counter-" + id));
        Assert.Contains(Logs.Entries, e => e.Message.Contains("Snapshot of counter-" + id, StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_unreadable_snapshot_is_skipped_and_all_events_replayed()
    {
        var id = NewId();
        var counter = Sys.ActorOf(Props.Create(() => new CounterEntity(id, Context())));
        await counter.Ask<Total>(new Add(2));
        await counter.Ask<Total>(new Add(3));
        Sys.Stop(counter);
        await ActorSystem.WhenStopped(counter);
        await Store.Snapshots.SaveAsync(new SnapshotEnvelope("counter-" + id, 2, "test.retired-state.v0", "{}", Clock.GetUtcNow()));

        var recovered = Sys.ActorOf(Props.Create(() => new CounterEntity(id, Context())));

        Assert.Equal(new Total(5, 2, 2), await recovered.Ask<Total>(new GetTotal()));
    }

    [Fact]
    public async Task Events_of_a_command_that_threw_are_not_written_even_when_the_actor_resumes()
    {
        var id = NewId();
        var resume = SupervisorStrategy.Default with { Decider = _ => Directive.Resume };
        var counter = Sys.ActorOf(Props.Create(() => new CounterEntity(id, Context())).WithSupervisorStrategy(resume));

        counter.Tell(new AddThenFail(100));
        var total = await counter.Ask<Total>(new Add(1));

        Assert.Equal(new Total(1, 1, 1), total);
        Assert.Equal(1, await Store.Journal.ReadHighestSequenceNrAsync("counter-" + id));
    }

    [Fact]
    public async Task Old_events_are_upcast_to_the_current_shape_when_read()
    {
        var id = NewId();
        await Store.Journal.WriteAsync(new AtomicWrite("counter-" + id, [
            new EventToWrite(1, "test.counter-added.v1", """{"amount":4}"""),
            new EventToWrite(2, "test.counter-added.v2", """{"by":1,"reason":"new"}"""),
        ]));

        var counter = Sys.ActorOf(Props.Create(() => new CounterEntity(id, Context())));

        Assert.Equal(new Total(5, 2, 2), await counter.Ask<Total>(new GetTotal()));
        var upcast = Serializer.Deserialize("test.counter-added.v1", """{"amount":4}""");
        Assert.Equal(new CounterAdded(4, "before reasons were recorded"), upcast);
    }

    [Fact]
    public async Task A_write_that_conflicts_with_another_incarnation_fails_the_command_and_the_actor_recovers()
    {
        var id = NewId();
        var strategy = SupervisorStrategy.Default with { MinBackoff = TimeSpan.Zero };
        var counter = Sys.ActorOf(Props.Create(() => new CounterEntity(id, Context())).WithSupervisorStrategy(strategy));
        await counter.Ask<Total>(new Add(1));

        // Another writer (a stale owner elsewhere) takes sequence number 2 behind this actor's back.
        await Store.Journal.WriteAsync(new AtomicWrite("counter-" + id, [new EventToWrite(2, "test.counter-added.v2", """{"by":100,"reason":"other"}""")]));

        var failure = await Assert.ThrowsAsync<PersistFailedException>(() => counter.Ask<Total>(new Add(10)));
        Assert.IsType<SequenceConflictException>(failure.InnerException);

        Assert.Equal(new Total(111, 3, 3), await counter.Ask<Total>(new Add(10)));
    }

    [Fact]
    public async Task Entities_in_a_region_survive_passivation_with_their_state()
    {
        var region = EntityRegion.Start(
            Sys,
            "counters",
            id => Props.Create(() => new CounterEntity(id, Context())),
            new RegionSettings { ShardCount = 4, PassivateIdleEntityAfter = TimeSpan.FromMinutes(2) });
        var ids = Enumerable.Range(0, 20).Select(_ => NewId()).ToList();
        foreach (var id in ids)
        {
            await region.Ask<Total>(id, new Add(3));
        }

        Clock.Advance(TimeSpan.FromMinutes(3));
        await AwaitAssertions.AwaitAssertAsync(async () => Assert.Equal(0, await region.CountEntitiesAsync()));

        foreach (var id in ids)
        {
            Assert.Equal(new Total(6, 2, 2), await region.Ask<Total>(id, new Add(3)));
        }
    }

    private static string NewId() => Guid.NewGuid().ToString("N");
}

public sealed class SqlitePersistentActorTests(SqliteDatabaseFixture database)
    : PersistentActorTests, IClassFixture<SqliteDatabaseFixture>
{
    protected override IPersistenceStore CreateStore() => new SqlitePersistenceStore(database.DatabaseFile, "test-node", Clock);
}

public sealed class PostgresPersistentActorTests(PostgresDatabaseFixture database)
    : PersistentActorTests, IClassFixture<PostgresDatabaseFixture>
{
    protected override IPersistenceStore CreateStore() => new PostgresPersistenceStore(database.ConnectionString, "test-node", Clock);
}
