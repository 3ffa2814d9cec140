using LiveTracker.Actors.Billing;
using LiveTracker.Actors.Cluster;
using LiveTracker.Actors.Contracts;
using LiveTracker.Actors.Persistence;
using LiveTracker.Actors.Persistence.Sqlite;
using LiveTracker.Actors.Sessions;
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
    private TrackingRegions? _regions;

    public ContractAndTrackerTests(SqliteDatabaseFixture database) => _database = database;

    async Task IAsyncLifetime.InitializeAsync()
    {
        _store = new SqlitePersistenceStore(_database.DatabaseFile, "test", Clock);
        await _store.InitializeAsync();
        var persistence = new PersistenceContext(_store, new EventSerializer().RegisterAssembly(typeof(Contract).Assembly));
        _regions = TrackingRegions.Start(Sys, persistence, new RegionSettings { ShardCount = 8 }, TimeZoneInfo.Utc, TimeSpan.FromMinutes(2));
        await Contract<Accepted>(NewContract(limitMinutes: null));
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        await Sys.TerminateAsync();
        await _store!.DisposeAsync();
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
        await Contract<TrackingSession>(Start("laptop"));
        Clock.Advance(TimeSpan.FromMinutes(4));
        await Tracker<Accepted>(new ReportActivity("laptop", [new ActivityMinute(NineAm.AddMinutes(3), 12, 2, 0)]));
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

    private async Task<T> Contract<T>(object command)
    {
        var reply = await _regions!.Contracts.Ask<object>(_contractId, command).WaitAsync(DefaultTimeout);
        return reply is T typed ? typed : throw new Xunit.Sdk.XunitException($"Expected {typeof(T).Name}, got {reply}");
    }

    private async Task<T> Tracker<T>(object command)
    {
        var reply = await _regions!.Trackers.Ask<object>(_freelancerId, command).WaitAsync(DefaultTimeout);
        return reply is T typed ? typed : throw new Xunit.Sdk.XunitException($"Expected {typeof(T).Name}, got {reply}");
    }

    private static RecordCapture Screen(string key, DateTimeOffset at) =>
        new(key, at, CaptureKind.Screen, "sha256-" + key, 1234, Memo: "invoice page");
}
