using LiveTracker.Actors.Billing;
using LiveTracker.Actors.Cluster;
using LiveTracker.Actors.Contracts;
using LiveTracker.Actors.Hosting;
using LiveTracker.Actors.Persistence;
using LiveTracker.Actors.Persistence.Sqlite;
using LiveTracker.Actors.Sessions;
using LiveTracker.Actors.Tests.Hosting;
using LiveTracker.Actors.Tests.Persistence;
using LiveTracker.TestKit;
using Xunit;

namespace LiveTracker.Actors.Tests.Contracts;

/// <summary>Contracts route to their weeks; trackers enforce one session per freelancer and idleness on the server.</summary>
public sealed class ContractAndTrackerTests : ActorTestKit, IClassFixture<SqliteDatabaseFixture>, IAsyncLifetime
{
    private static readonly DateTimeOffset NineAm = new(2026, 11, 16, 9, 0, 0, TimeSpan.Zero);

    private readonly SqliteDatabaseFixture _database;
    private readonly string _contractId = "c-" + Guid.NewGuid().ToString("N");
    private readonly string _freelancerId = "f-" + Guid.NewGuid().ToString("N");
    private SqlitePersistenceStore? _store;
    private DomainRegions? _regions;

    // Users, billing accounts and the dispute desk are on Akka.NET already (ADR 0009).
    private AkkaTestNode? _akka;

    public ContractAndTrackerTests(SqliteDatabaseFixture database) => _database = database;

    async Task IAsyncLifetime.InitializeAsync()
    {
        _akka = AkkaTestNode.Start(Clock);
        _store = new SqlitePersistenceStore(_database.DatabaseFile, "test", Clock);
        await _store.InitializeAsync();
        var persistence = new PersistenceContext(_store, new EventSerializer().RegisterAssembly(typeof(Contract).Assembly));
        _regions = DomainRegions.Start(Sys, persistence, new RegionSettings { ShardCount = 8 }, ContractRules.Default, TimeSpan.FromMinutes(2), _akka!.Bridge<UserRegion>(), _akka.Bridge<BillingRegion>(), _akka.Bridge<DisputeDeskRegion>());
        await Contract<Accepted>(NewContract(limitMinutes: null));
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        await Sys.TerminateAsync();
        await _store!.DisposeAsync();
        _akka?.Dispose();
    }

    [Fact]
    public async Task A_contract_keeps_its_terms_and_refuses_to_be_created_twice_with_other_terms()
    {
        var view = await Contract<ContractView>(new GetContract());

        Assert.Equal((_freelancerId, 6000L, 10, 24), (view.FreelancerId, view.HourlyRateCents, view.SegmentMinutes, view.IdleTimeoutMinutes));
        await Contract<Accepted>(NewContract(limitMinutes: null));
        Assert.Equal("contract-exists", (await Contract<Rejected>(NewContract(limitMinutes: 600))).Code);
        Assert.Equal("not-found", (await _regions!.Contracts.Ask<Rejected>("no-such-contract", new GetContract()).WaitAsync(DefaultTimeout)).Code);
    }

    [Fact]
    public async Task Work_diary_commands_reach_the_week_of_their_time_which_the_contract_opens_with_its_terms()
    {
        Clock.Advance(TimeSpan.FromMinutes(9));

        var capture = await Contract<CaptureAccepted>(new ForWeek(NineAm.AddMinutes(3), Screen("k1", NineAm.AddMinutes(3))));
        var diary = await Contract<WeekDiary>(new ForWeek(NineAm, new GetDiary()));

        Assert.Equal(capture.CaptureId, Assert.Single(diary.Segments).ScreenCaptureId);
        Assert.Equal(["2026-W47"], (await Contract<ContractView>(new GetContract())).Weeks);
    }

    [Fact]
    public async Task Reading_a_week_nobody_worked_in_answers_empty_without_opening_it()
    {
        var diary = await Contract<WeekDiary>(new ForWeek(NineAm.AddDays(-30), new GetDiary()));

        Assert.Empty(diary.Segments);
        Assert.Empty((await Contract<ContractView>(new GetContract())).Weeks);
        Assert.Equal("not-a-diary-command", (await Contract<Rejected>(new ForWeek(NineAm, new SetWeeklyLimit(-1)))).Code);
        Assert.Equal("invalid-time", (await Contract<Rejected>(new ForWeek(DateTimeOffset.MaxValue, new GetDiary()))).Code);
    }

    [Fact]
    public async Task A_segment_that_straddles_the_week_boundary_of_the_week_zone_is_billed_in_one_week()
    {
        // Kathmandu is UTC+05:45: its Monday 00:00 is 18:15 UTC, inside the UTC-aligned slot 18:10-18:20.
        var kathmandu = TimeZoneInfo.FindSystemTimeZoneById("Asia/Kathmandu");
        await using var system = LiveTracker.Actors.Kernel.ActorSystem.Create("kathmandu", time: Clock);
        var persistence = new PersistenceContext(_store!, new EventSerializer().RegisterAssembly(typeof(Contract).Assembly));
        var regions = DomainRegions.Start(system, persistence, new RegionSettings { ShardCount = 2 }, ContractRules.Default with { Cycle = BillingCycle.Default with { WeekZone = kathmandu } }, TimeSpan.FromMinutes(2), _akka!.Bridge<UserRegion>(), _akka.Bridge<BillingRegion>(), _akka.Bridge<DisputeDeskRegion>());
        await regions.Contracts.Ask<Accepted>(_contractId, NewContract(null)).WaitAsync(DefaultTimeout);
        var slot = new DateTimeOffset(2026, 11, 22, 18, 10, 0, TimeSpan.Zero);
        Clock.AdvanceTo(slot.AddMinutes(4)); // 18:14, a minute before Kathmandu's week ends

        await regions.Contracts.Ask<CaptureAccepted>(_contractId, new ForWeek(slot.AddMinutes(2), Screen("k1", slot.AddMinutes(2)))).WaitAsync(DefaultTimeout);
        Clock.AdvanceTo(slot.AddMinutes(8));
        // The minute 18:17 lies in the next week but in the slot that started in this one: it goes where the slot is billed.
        await regions.Contracts.Ask<Accepted>(_contractId, new ForWeek(slot.AddMinutes(7), new RecordActivity([new ActivityMinute(slot.AddMinutes(7), 9, 0, 0)]))).WaitAsync(DefaultTimeout);

        var first = await regions.Contracts.Ask<WeekDiary>(_contractId, new ForWeek(slot, new GetDiary())).WaitAsync(DefaultTimeout);
        var next = await regions.Contracts.Ask<WeekDiary>(_contractId, new ForWeek(slot.AddMinutes(10), new GetDiary())).WaitAsync(DefaultTimeout);
        Assert.Equal(("2026-W47", 10), (first.Week.ToString(), first.BillableMinutes));
        Assert.Equal(("2026-W48", 0), (next.Week.ToString(), next.BillableMinutes));
        Assert.Empty(next.Segments);
    }

    [Fact]
    public async Task Changing_the_contract_limit_re_evaluates_the_current_week()
    {
        Clock.Advance(TimeSpan.FromHours(1));
        for (var i = 0; i < 3; i++)
        {
            await Contract<CaptureAccepted>(new ForWeek(NineAm, Screen("k" + i, NineAm.AddMinutes((10 * i) + 1))));
            await Contract<Accepted>(new ForWeek(NineAm, new RecordActivity([new ActivityMinute(NineAm.AddMinutes((10 * i) + 1), 5, 0, 0)])));
        }

        await Contract<Accepted>(new SetContractWeeklyLimit(20));

        var diary = await Contract<WeekDiary>(new ForWeek(NineAm, new GetDiary()));
        Assert.Equal(20, diary.BillableMinutes);
        Assert.Equal(SegmentStatus.OverLimit, diary.Segments[^1].Status);
        Assert.Equal(20, (await Contract<ContractView>(new GetContract())).WeeklyLimitMinutes);
    }

    [Fact]
    public async Task A_limit_change_applies_from_the_current_week_while_a_past_week_keeps_its_limit_and_stays_closed()
    {
        await Contract<Accepted>(new SetContractWeeklyLimit(30));
        var lastWeek = NineAm.AddDays(-1);

        // Last week ended (and locked) at midnight: nobody worked in it, and no upload can open it now.
        Assert.Equal("week-locked", (await Contract<Rejected>(new ForWeek(lastWeek, Screen("late", lastWeek)))).Code);

        Assert.Null((await Contract<WeekDiary>(new ForWeek(lastWeek, new GetDiary()))).LimitMinutes);
        Assert.Equal(30, (await Contract<WeekDiary>(new ForWeek(NineAm, new GetDiary()))).LimitMinutes);
        Assert.Equal(["2026-W47"], (await Contract<ContractView>(new GetContract())).Weeks);
    }

    [Fact]
    public async Task Contracts_and_trackers_recover_from_their_snapshots()
    {
        var contractId = "snap-" + Guid.NewGuid().ToString("N");
        var persistence = new PersistenceContext(_store!, new EventSerializer().RegisterAssembly(typeof(Contract).Assembly), SnapshotEvery: 2);
        var system = LiveTracker.Actors.Kernel.ActorSystem.Create("snapshots", time: Clock);
        var regions = DomainRegions.Start(system, persistence, new RegionSettings { ShardCount = 2 }, ContractRules.Default, TimeSpan.FromMinutes(2), _akka!.Bridge<UserRegion>(), _akka.Bridge<BillingRegion>(), _akka.Bridge<DisputeDeskRegion>());
        await regions.Contracts.Ask<Accepted>(contractId, NewContract(null)).WaitAsync(DefaultTimeout);
        await regions.Contracts.Ask<Accepted>(contractId, new SetContractWeeklyLimit(300)).WaitAsync(DefaultTimeout);
        await regions.Contracts.Ask<TrackingSession>(contractId, Start("laptop")).WaitAsync(DefaultTimeout);
        await regions.Trackers.Ask<Accepted>(_freelancerId, new ChangeMemo("reviewing", "review")).WaitAsync(DefaultTimeout);
        var contractBefore = await regions.Contracts.Ask<ContractView>(contractId, new GetContract()).WaitAsync(DefaultTimeout);
        var trackerBefore = await regions.Trackers.Ask<TrackingView>(_freelancerId, new GetTracking()).WaitAsync(DefaultTimeout);
        await system.TerminateAsync();
        foreach (var id in new[] { "contract-" + contractId, "tracker-" + _freelancerId })
        {
            var snapshot = await _store!.Snapshots.LoadAsync(id);
            Assert.NotNull(snapshot);
            await _store.Journal.DeleteEventsToAsync(id, snapshot.SequenceNr);
        }

        await using var restarted = LiveTracker.Actors.Kernel.ActorSystem.Create("restarted", time: Clock);
        var recovered = DomainRegions.Start(restarted, persistence, new RegionSettings { ShardCount = 2 }, ContractRules.Default, TimeSpan.FromMinutes(2), _akka!.Bridge<UserRegion>(), _akka.Bridge<BillingRegion>(), _akka.Bridge<DisputeDeskRegion>());

        var contractAfter = await recovered.Contracts.Ask<ContractView>(contractId, new GetContract()).WaitAsync(DefaultTimeout);
        var trackerAfter = await recovered.Trackers.Ask<TrackingView>(_freelancerId, new GetTracking()).WaitAsync(DefaultTimeout);
        Assert.Equal(System.Text.Json.JsonSerializer.Serialize(contractBefore), System.Text.Json.JsonSerializer.Serialize(contractAfter));
        Assert.Equal(trackerBefore, trackerAfter);
        Assert.Equal("reviewing", trackerAfter.Memo);
    }

    [Fact]
    public async Task A_session_left_tracking_when_its_node_stopped_is_paused_for_idleness_after_the_restart()
    {
        // Its own database: the fixture's reminder delivery must not reach this test's entities.
        var file = Path.Combine(_database.Directory, "idle-" + Guid.NewGuid().ToString("N") + ".db");
        await using (var store = new SqlitePersistenceStore(file, "test", Clock))
        {
            await store.InitializeAsync();
            var persistence = new PersistenceContext(store, new EventSerializer().RegisterAssembly(typeof(Contract).Assembly));
            var system = LiveTracker.Actors.Kernel.ActorSystem.Create("before", time: Clock);
            var regions = DomainRegions.Start(system, persistence, new RegionSettings { ShardCount = 2 }, ContractRules.Default, TimeSpan.FromMinutes(2), _akka!.Bridge<UserRegion>(), _akka.Bridge<BillingRegion>(), _akka.Bridge<DisputeDeskRegion>());
            await regions.Contracts.AskExpecting<Accepted>(_contractId, NewContract(null));
            await regions.Contracts.AskExpecting<TrackingSession>(_contractId, Start("laptop"));
            await system.TerminateAsync();
        }

        Clock.Advance(TimeSpan.FromHours(3));
        await using var reopened = new SqlitePersistenceStore(file, "test", Clock);
        await reopened.InitializeAsync();
        await using var restarted = LiveTracker.Actors.Kernel.ActorSystem.Create("after", time: Clock);
        var recovered = DomainRegions.Start(
            restarted, new PersistenceContext(reopened, new EventSerializer().RegisterAssembly(typeof(Contract).Assembly)),
            new RegionSettings { ShardCount = 2 }, ContractRules.Default, TimeSpan.FromMinutes(2), _akka!.Bridge<UserRegion>(), _akka.Bridge<BillingRegion>(), _akka.Bridge<DisputeDeskRegion>());
        await using var delivery = recovered.StartReminderDelivery(reopened.Reminders, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);

        // The overdue idle check wakes the tracker at once; with no input since, it pauses a timeout later.
        await AwaitAssertions.AwaitAssertAsync(
            async () => Assert.NotNull(await reopened.Reminders.ReadAsync(new ReminderKey(FreelancerTracker.RegionType, _freelancerId, "idle-check")) is { } r && r.DueAt > Clock.GetUtcNow() ? r : null),
            DefaultTimeout);
        Clock.Advance(TimeSpan.FromMinutes(24));

        await AwaitAssertions.AwaitAssertAsync(
            async () => Assert.Equal("idle", (await recovered.Trackers.AskExpecting<TrackingView>(_freelancerId, new GetTracking())).LastStopReason),
            DefaultTimeout);
        Assert.Null(await reopened.Reminders.ReadAsync(new ReminderKey(FreelancerTracker.RegionType, _freelancerId, "idle-check")));
    }

    [Fact]
    public async Task Only_one_device_tracks_at_a_time_unless_the_freelancer_takes_over()
    {
        var first = await Contract<TrackingSession>(Start("laptop"));
        Assert.Equal(first, await Contract<TrackingSession>(Start("laptop")));

        var elsewhere = await Contract<Rejected>(Start("desktop"));
        var takeOver = await Contract<TrackingSession>(Start("desktop") with { TakeOver = true });

        Assert.Equal("session-active-elsewhere", elsewhere.Code);
        Assert.NotEqual(first.SessionId, takeOver.SessionId);
        var view = await Tracker<TrackingView>(new GetTracking());
        Assert.Equal((true, "desktop"), (view.Active, view.DeviceId));
        Assert.Equal("not-your-contract", (await Contract<Rejected>(Start("laptop") with { FreelancerId = "someone-else" })).Code);
    }

    [Fact]
    public async Task Switching_contracts_on_one_device_stops_the_first_session()
    {
        var other = "c-" + Guid.NewGuid().ToString("N");
        await _regions!.Contracts.Ask<Accepted>(other, NewContract(null)).WaitAsync(DefaultTimeout);
        await Contract<TrackingSession>(Start("laptop"));

        await _regions.Contracts.Ask<TrackingSession>(other, Start("laptop")).WaitAsync(DefaultTimeout);

        Assert.Equal(other, (await Tracker<TrackingView>(new GetTracking())).ContractId);
    }

    [Fact]
    public async Task No_input_for_the_idle_timeout_pauses_tracking_and_marks_the_idle_segments_unbilled()
    {
        // Only here: other tests run second actor systems over the same database, which a delivery would also reach.
        await using var reminders = _regions!.StartReminderDelivery(_store!.Reminders, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
        await Contract<TrackingSession>(Start("laptop"));
        Clock.Advance(TimeSpan.FromMinutes(4));
        await Tracker<Accepted>(new ReportActivity("laptop", [new ActivityMinute(NineAm.AddMinutes(3), 12, 2, 0)]));
        // Minutes meant for another contract (the session switched while they were on their way) are not forwarded.
        Assert.Equal("not-tracking", (await Tracker<Rejected>(
            new ReportActivity("laptop", [new ActivityMinute(NineAm.AddMinutes(3), 1, 0, 0)], "ct_another"))).Code);
        await Contract<CaptureAccepted>(new ForWeek(NineAm, Screen("k1", NineAm.AddMinutes(2))));
        Clock.Advance(TimeSpan.FromMinutes(11));
        await Contract<CaptureAccepted>(new ForWeek(NineAm, Screen("k2", NineAm.AddMinutes(14))));

        // Last input ended 09:04; 24 idle minutes later (09:28) the server pauses tracking.
        AwaitAssertions.AwaitAssert(() =>
        {
            Clock.Advance(TimeSpan.FromMinutes(1));
            Assert.False(Tracker<TrackingView>(new GetTracking()).GetAwaiter().GetResult().Active);
        });

        var view = await Tracker<TrackingView>(new GetTracking());
        Assert.Equal("idle", view.LastStopReason);
        await AwaitAssertions.AwaitAssertAsync(async () =>
        {
            var diary = await Contract<WeekDiary>(new ForWeek(NineAm, new GetDiary()));
            Assert.Equal(SegmentStatus.Logged, diary.Segments[0].Status);
            Assert.Equal(SegmentStatus.Idle, diary.Segments.Single(s => s.Start == NineAm.AddMinutes(10)).Status);
            Assert.Equal(10, diary.BillableMinutes);
        });
        Assert.Equal("not-tracking", (await Tracker<Rejected>(new ReportActivity("laptop", []))).Code);
    }

    private CreateContract NewContract(int? limitMinutes) =>
        new("client-1", _freelancerId, "Invoice app", ContractKind.Hourly, 6000, "USD", limitMinutes, 10, 24);

    private StartContractTracking Start(string device) => new(_freelancerId, device, "building invoices", "dev");

    private Task<T> Contract<T>(object command) => _regions!.Contracts.AskExpecting<T>(_contractId, command);

    private Task<T> Tracker<T>(object command) => _regions!.Trackers.AskExpecting<T>(_freelancerId, command);

    private static RecordCapture Screen(string key, DateTimeOffset at) =>
        new(key, at, CaptureKind.Screen, "sha256-" + key, 1234, Memo: "invoice page");
}
