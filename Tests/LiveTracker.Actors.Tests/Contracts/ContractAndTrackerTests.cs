using Akka.Actor;
using Akka.Cluster.Sharding;
using LiveTracker.Actors.Billing;
using LiveTracker.Actors.Configuration;
using LiveTracker.Actors.Contracts;
using LiveTracker.Actors.Hosting;
using LiveTracker.Actors.Sessions;
using LiveTracker.Actors.Tests.Hosting;
using LiveTracker.Actors.Tests.Databases;
using LiveTracker.Testing;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace LiveTracker.Actors.Tests.Contracts;

/// <summary>Contracts route to their weeks; trackers enforce one session per freelancer and idleness on the server.</summary>
public sealed class ContractAndTrackerTests : IClassFixture<SqliteDatabaseFixture>, IDisposable
{
    private static readonly DateTimeOffset NineAm = new(2026, 11, 16, 9, 0, 0, TimeSpan.Zero);

    private readonly SqliteDatabaseFixture _database;
    private readonly string _contractId = "c-" + Guid.NewGuid().ToString("N");
    private readonly string _freelancerId = "f-" + Guid.NewGuid().ToString("N");
    private AkkaTestNode _node;

    public ContractAndTrackerTests(SqliteDatabaseFixture database)
    {
        _database = database;
        _node = AkkaTestNode.Start(Clock, persistence: AkkaTestNode.OnSqlite(database.DatabaseFile));
        Contract<Accepted>(NewContract(limitMinutes: null)).GetAwaiter().GetResult();
    }

    private FakeTimeProvider Clock { get; } = new(NineAm);

    public void Dispose() => _node.Dispose();

    /// <summary>Stops the node and starts another over the same database, with <paramref name="snapshotEvery"/> if given.</summary>
    private void Restart(int? snapshotEvery = null, Func<LiveTrackerSettings, LiveTrackerSettings>? configure = null)
    {
        _node.Dispose();
        _node = AkkaTestNode.Start(Clock, persistence: AkkaTestNode.OnSqlite(_database.DatabaseFile, snapshotEvery), configure: configure);
    }

    [Fact]
    public async Task A_contract_keeps_its_terms_and_refuses_to_be_created_twice_with_other_terms()
    {
        var view = await Contract<ContractView>(new GetContract());

        Assert.Equal((_freelancerId, 6000L, 10, 24), (view.FreelancerId, view.HourlyRateCents, view.SegmentMinutes, view.IdleTimeoutMinutes));
        await Contract<Accepted>(NewContract(limitMinutes: null));
        Assert.Equal("contract-exists", (await Contract<Rejected>(NewContract(limitMinutes: 600))).Code);
        Assert.Equal("not-found", (await _node.AskAsync<ContractRegion, Rejected>("no-such-contract", new GetContract())).Code);
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
        Restart(configure: settings => settings with { Domain = settings.Domain with { WeekZone = kathmandu } });
        var contractId = "c-" + Guid.NewGuid().ToString("N");
        await _node.AskAsync<ContractRegion, Accepted>(contractId, NewContract(null));
        var slot = new DateTimeOffset(2026, 11, 22, 18, 10, 0, TimeSpan.Zero);
        Clock.SetUtcNow(slot.AddMinutes(4)); // 18:14, a minute before Kathmandu's week ends

        await _node.AskAsync<ContractRegion, CaptureAccepted>(contractId, new ForWeek(slot.AddMinutes(2), Screen("k1", slot.AddMinutes(2))));
        Clock.SetUtcNow(slot.AddMinutes(8));
        // The minute 18:17 lies in the next week but in the slot that started in this one: it goes where the slot is billed.
        await _node.AskAsync<ContractRegion, Accepted>(contractId, new ForWeek(slot.AddMinutes(7), new RecordActivity([new ActivityMinute(slot.AddMinutes(7), 9, 0, 0)])));

        var first = await _node.AskAsync<ContractRegion, WeekDiary>(contractId, new ForWeek(slot, new GetDiary()));
        var next = await _node.AskAsync<ContractRegion, WeekDiary>(contractId, new ForWeek(slot.AddMinutes(10), new GetDiary()));
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
        Restart(snapshotEvery: 2);
        await _node.AskAsync<ContractRegion, Accepted>(contractId, NewContract(null));
        await _node.AskAsync<ContractRegion, Accepted>(contractId, new SetContractWeeklyLimit(300));
        await _node.AskAsync<ContractRegion, TrackingSession>(contractId, Start("laptop"));
        await Tracker<Accepted>(new ChangeMemo("reviewing", "review"));
        var contractBefore = await _node.AskAsync<ContractRegion, ContractView>(contractId, new GetContract());
        var trackerBefore = await Tracker<TrackingView>(new GetTracking());
        foreach (var id in new[] { "contract-" + contractId, "tracker-" + _freelancerId })
        {
            await AkkaJournal.DeleteEventsUpToLatestSnapshotAsync(_node.System, id);
        }

        Restart();
        var contractAfter = await _node.AskAsync<ContractRegion, ContractView>(contractId, new GetContract());
        var trackerAfter = await Tracker<TrackingView>(new GetTracking());
        Assert.Equal(System.Text.Json.JsonSerializer.Serialize(contractBefore), System.Text.Json.JsonSerializer.Serialize(contractAfter));
        Assert.Equal(trackerBefore, trackerAfter);
        Assert.Equal("reviewing", trackerAfter.Memo);
    }

    [Fact]
    public async Task A_session_left_tracking_when_its_node_stopped_is_paused_for_idleness_after_the_restart()
    {
        await Contract<TrackingSession>(Start("laptop"));
        _node.Dispose();

        Clock.Advance(TimeSpan.FromHours(3));
        Restart();

        // The overdue idle check wakes the tracker at once; with no input since, it pauses a timeout later.
        await AwaitAssertions.AwaitAssertAsync(
            async () => Assert.Contains(await _node.DeadlinesAsync(), d => d.EntityId == _freelancerId && d.Name == "idle-check" && d.DueAt > Clock.GetUtcNow()),
            AkkaTestNode.AskTimeout);
        Clock.Advance(TimeSpan.FromMinutes(24));

        await AwaitAssertions.AwaitAssertAsync(
            async () => Assert.Equal("idle", (await Tracker<TrackingView>(new GetTracking())).LastStopReason),
            AkkaTestNode.AskTimeout);
        await AwaitAssertions.AwaitAssertAsync(
            async () => Assert.DoesNotContain(await _node.DeadlinesAsync(), d => d.EntityId == _freelancerId),
            AkkaTestNode.AskTimeout);
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
        await _node.AskAsync<ContractRegion, Accepted>(other, NewContract(null));
        await Contract<TrackingSession>(Start("laptop"));

        await _node.AskAsync<ContractRegion, TrackingSession>(other, Start("laptop"));

        Assert.Equal(other, (await Tracker<TrackingView>(new GetTracking())).ContractId);
    }

    [Fact]
    public async Task No_input_for_the_idle_timeout_pauses_tracking_and_marks_the_idle_segments_unbilled()
    {
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
        AwaitAssertions.AwaitAssert(
            () =>
            {
                Clock.Advance(TimeSpan.FromMinutes(1));
                Assert.False(Tracker<TrackingView>(new GetTracking()).GetAwaiter().GetResult().Active);
            },
            AkkaTestNode.AskTimeout,
            TimeSpan.FromMilliseconds(500));

        var view = await Tracker<TrackingView>(new GetTracking());
        Assert.Equal("idle", view.LastStopReason);
        await AwaitAssertions.AwaitAssertAsync(
            async () =>
            {
                var diary = await Contract<WeekDiary>(new ForWeek(NineAm, new GetDiary()));
                Assert.Equal(SegmentStatus.Logged, diary.Segments[0].Status);
                Assert.Equal(SegmentStatus.Idle, diary.Segments.Single(s => s.Start == NineAm.AddMinutes(10)).Status);
                Assert.Equal(10, diary.BillableMinutes);
            },
            AkkaTestNode.AskTimeout);
        Assert.Equal("not-tracking", (await Tracker<Rejected>(new ReportActivity("laptop", []))).Code);
    }

    [Fact]
    public async Task A_tracked_contract_opens_its_next_week_in_the_last_hour_and_that_week_stays_loaded_until_it_starts()
    {
        Restart(configure: s => s with { Sharding = s.Sharding with { PassivateIdleEntityAfter = TimeSpan.FromSeconds(1) } });
        var sundayNoon = new DateTimeOffset(2026, 11, 22, 12, 0, 0, TimeSpan.Zero);
        var nextWeek = WorkWeek.EntityId(_contractId, IsoWeek.Parse("2026-W48"));
        var thisWeek = WorkWeek.EntityId(_contractId, IsoWeek.Parse("2026-W47"));

        // Twelve hours before the week ends: the next week is not opened yet.
        Clock.SetUtcNow(sundayNoon);
        await Contract<Accepted>(new RecordTrackedActivity([new ActivityMinute(sundayNoon.AddMinutes(-1), 10, 1, 0)]));
        Assert.DoesNotContain(nextWeek, await WeekEntitiesAsync());

        // Five minutes before: inside every contract's point of opening (6 to 60 minutes ahead, spread by contract).
        Clock.SetUtcNow(sundayNoon.AddHours(11).AddMinutes(55));
        await Contract<Accepted>(new RecordTrackedActivity([new ActivityMinute(sundayNoon.AddHours(11).AddMinutes(54), 10, 1, 0)]));
        await AwaitAssertions.AwaitAssertAsync(async () => Assert.Contains(nextWeek, await WeekEntitiesAsync()), AkkaTestNode.AskTimeout);
        // The client is not shown a week that has not begun.
        Assert.Equal(["2026-W47"], (await Contract<ContractView>(new GetContract())).Weeks);

        // Idle, the current week is unloaded after the passivation time; the opened one stays until it starts.
        await AwaitAssertions.AwaitAssertAsync(async () => Assert.DoesNotContain(thisWeek, await WeekEntitiesAsync()), AkkaTestNode.AskTimeout);
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.Contains(nextWeek, await WeekEntitiesAsync());

        // Once the week has begun it is an ordinary week: listed, and unloaded when idle.
        Clock.SetUtcNow(sundayNoon.AddHours(12).AddMinutes(1));
        await AwaitAssertions.AwaitAssertAsync(async () => Assert.DoesNotContain(nextWeek, await WeekEntitiesAsync()), AkkaTestNode.AskTimeout);
        Assert.Equal(["2026-W47", "2026-W48"], (await Contract<ContractView>(new GetContract())).Weeks);
        var capturedAt = sundayNoon.AddHours(12).AddSeconds(30);
        await Contract<CaptureAccepted>(new ForWeek(capturedAt, Screen("k-monday", capturedAt)));
    }

    /// <summary>The week entities this node has loaded (what the operators' view counts).</summary>
    private async Task<IReadOnlyList<string>> WeekEntitiesAsync()
    {
        var region = await _node.Registry.GetAsync<WeekRegion>();
        var state = await region.Ask<CurrentShardRegionState>(GetShardRegionState.Instance, AkkaTestNode.AskTimeout);
        return [.. state.Shards.SelectMany(shard => shard.EntityIds)];
    }

    private CreateContract NewContract(int? limitMinutes) =>
        new("client-1", _freelancerId, "Invoice app", ContractKind.Hourly, 6000, "USD", limitMinutes, 10, 24);

    private StartContractTracking Start(string device) => new(_freelancerId, device, "building invoices", "dev");

    private Task<T> Contract<T>(object command) => _node.AskAsync<ContractRegion, T>(_contractId, command);

    private Task<T> Tracker<T>(object command) => _node.AskAsync<TrackerRegion, T>(_freelancerId, command);

    private static RecordCapture Screen(string key, DateTimeOffset at) =>
        new(key, at, CaptureKind.Screen, "sha256-" + key, 1234, Memo: "invoice page");
}
