using LiveTracker.Actors.Cluster;
using LiveTracker.Actors.Kernel;
using LiveTracker.Actors.Persistence;
using LiveTracker.Actors.Persistence.Sqlite;
using LiveTracker.Actors.Reminders;
using LiveTracker.Actors.Tests.Persistence;
using LiveTracker.TestKit;
using Microsoft.Extensions.Logging;
using Xunit;

namespace LiveTracker.Actors.Tests.Reminders;

/// <summary>The delivery service: due reminders reach their entity through its region, at least once, on the injected clock.</summary>
public sealed class ReminderDeliveryTests : ActorTestKit, IClassFixture<SqliteDatabaseFixture>, IAsyncLifetime
{
    private const string EntityType = "alarm-clocks";
    private readonly SqliteDatabaseFixture _database;
    private readonly string _entityId = "alarm-" + Guid.NewGuid().ToString("N");
    private SqlitePersistenceStore? _store;
    private EntityRegion? _region;
    private TestProbe? _probe;
    private ReminderDelivery? _delivery;

    public ReminderDeliveryTests(SqliteDatabaseFixture database) => _database = database;

    private ReminderKey Key(string name) => new(EntityType, _entityId, name);

    async Task IAsyncLifetime.InitializeAsync()
    {
        // A database per test: reminders a test leaves behind must not ring in the next one.
        _store = new SqlitePersistenceStore(Path.Combine(_database.Directory, _entityId + ".db"), "test", Clock);
        await _store.InitializeAsync();
        var persistence = new PersistenceContext(_store, new EventSerializer().RegisterAssembly(typeof(ReminderDeliveryTests).Assembly));
        _probe = CreateTestProbe();
        var probe = _probe.Ref;
        _region = EntityRegion.Start(Sys, EntityType, id => Props.Create(() => new AlarmClock(id, persistence, probe)), new RegionSettings { ShardCount = 2 });
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        if (_delivery is not null)
        {
            await _delivery.DisposeAsync();
        }

        await Sys.TerminateAsync();
        await _store!.DisposeAsync();
    }

    [Fact]
    public async Task A_due_reminder_wakes_its_passivated_entity_and_is_removed_once_acknowledged()
    {
        StartDelivery();
        await _region!.AskExpecting<string>(_entityId, new SetAlarm("wake-up", Clock.GetUtcNow().AddHours(1), null));
        Clock.Advance(TimeSpan.FromMinutes(5)); // past the idle passivation of the region

        Clock.Advance(TimeSpan.FromHours(1));

        var due = _probe!.ExpectMsg<ReminderDue>();
        Assert.Equal("wake-up", due.Name);
        await AwaitAssertions.AwaitAssertAsync(async () => Assert.Null(await _store!.Reminders.ReadAsync(Key("wake-up"))), DefaultTimeout);
        Assert.Equal(1, _delivery!.Delivered);
    }

    [Fact]
    public async Task A_reminder_that_fell_due_while_the_node_was_down_is_delivered_on_start()
    {
        await _store!.Reminders.ApplyAsync([ReminderChange.Set(Key("missed"), Clock.GetUtcNow().AddDays(-2))]);

        StartDelivery();

        Assert.Equal("missed", _probe!.ExpectMsg<ReminderDue>().Name);
    }

    [Fact]
    public async Task An_entity_that_does_not_acknowledge_gets_the_reminder_again_after_the_retry_delay()
    {
        StartDelivery();
        await _region!.AskExpecting<string>(_entityId, new SetAlarm("refused-once", Clock.GetUtcNow().AddMinutes(10), null));

        Clock.Advance(TimeSpan.FromMinutes(10));
        Assert.Equal("refused-once", _probe!.ExpectMsg<ReminderDue>().Name);
        Assert.NotNull(await _store!.Reminders.ReadAsync(Key("refused-once")));
        AwaitAssertions.AwaitAssert(() => Assert.Contains(Logs.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains("refused-once", StringComparison.Ordinal)), DefaultTimeout);

        Clock.Advance(TimeSpan.FromMinutes(1));

        Assert.Equal("refused-once", _probe.ExpectMsg<ReminderDue>().Name);
        await AwaitAssertions.AwaitAssertAsync(async () => Assert.Null(await _store.Reminders.ReadAsync(Key("refused-once"))), DefaultTimeout);
    }

    [Fact]
    public async Task A_recurring_reminder_fires_every_period_and_stays()
    {
        StartDelivery();
        var first = Clock.GetUtcNow().AddHours(1);
        await _region!.AskExpecting<string>(_entityId, new SetAlarm("hourly", first, TimeSpan.FromHours(1)));

        Clock.Advance(TimeSpan.FromHours(1));
        Assert.Equal(first, _probe!.ExpectMsg<ReminderDue>().DueAt);
        await AwaitAssertions.AwaitAssertAsync(async () => Assert.Equal(first.AddHours(1), (await _store!.Reminders.ReadAsync(Key("hourly")))!.DueAt), DefaultTimeout);
        Clock.Advance(TimeSpan.FromHours(1));

        Assert.Equal(first.AddHours(1), _probe.ExpectMsg<ReminderDue>().DueAt);
    }

    private void StartDelivery() =>
        _delivery = ReminderDelivery.Start(
            _store!.Reminders, [_region!], Clock, LoggerFactory.CreateLogger<ReminderDelivery>(), new ReminderDeliverySettings { RetryDelay = TimeSpan.FromMinutes(1) });

    private sealed record SetAlarm(string Name, DateTimeOffset DueAt, TimeSpan? Every);

    [Manifest("test.alarm-set.v1")]
    private sealed record AlarmSet(string Name);

    /// <summary>Sets reminders on request and reports each delivery; refuses the first delivery of "refused-once".</summary>
    private sealed class AlarmClock(string id, PersistenceContext persistence, IActorRef probe) : PersistentActor("alarm-" + id, persistence)
    {
        private bool _refused;

        protected override void OnCommand(object command)
        {
            switch (command)
            {
                case SetAlarm set:
                    SetReminder(new ReminderKey(EntityType, id, set.Name), set.DueAt, set.Every);
                    Persist(new AlarmSet(set.Name), _ => Sender.Tell("set"));
                    break;
                case ReminderDue due:
                    probe.Tell(due);
                    if (due.Name == "refused-once" && !_refused)
                    {
                        _refused = true;
                        Sender.Tell("not now");
                        break;
                    }

                    Sender.Tell(ReminderAck.Instance);
                    break;
            }
        }

        protected override void ApplyEvent(object @event)
        {
        }
    }
}
