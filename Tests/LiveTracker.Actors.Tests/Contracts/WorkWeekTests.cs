using System.Text.Json;
using LiveTracker.Actors.Billing;
using LiveTracker.Actors.Configuration;
using LiveTracker.Actors.Contracts;
using LiveTracker.Actors.Hosting;
using LiveTracker.Actors.Tests.Hosting;
using LiveTracker.Actors.Tests.Databases;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace LiveTracker.Actors.Tests.Contracts;

/// <summary>The Work Diary rules of one week, driven through its shard region as the API drives them, on each database.</summary>
public abstract class WorkWeekTests : IAsyncLifetime
{
    // Monday 2026-11-16 09:00 UTC, inside ISO week 2026-W47.
    private static readonly IsoWeek Week = IsoWeek.Parse("2026-W47");
    private static readonly DateTimeOffset NineAm = new(2026, 11, 16, 9, 0, 0, TimeSpan.Zero);

    private readonly string _contractId = "c-" + Guid.NewGuid().ToString("N");
    private AkkaTestNode? _node;

    private FakeTimeProvider Clock { get; } = new(NineAm);

    /// <summary>The test class's database, which outlives a node: a second node on it is a restart.</summary>
    protected abstract Func<PersistenceSettings, PersistenceSettings> Database(int? snapshotEvery = null);

    private string WeekId => WorkWeek.EntityId(_contractId, Week);

    async Task IAsyncLifetime.InitializeAsync()
    {
        _node = AkkaTestNode.Start(Clock, persistence: Database());
        await Ask<Accepted>(new OpenWeek(new WeekTerms(_contractId, Week, TimeZoneInfo.Utc, 10, 6000, LimitMinutes: null)));
    }

    Task IAsyncLifetime.DisposeAsync()
    {
        _node?.Dispose();
        return Task.CompletedTask;
    }

    /// <summary>Stops the node (as a crash or a deploy would) and starts another on the same database.</summary>
    private void Restart(int? snapshotEvery = null)
    {
        _node!.Dispose();
        _node = AkkaTestNode.Start(Clock, persistence: Database(snapshotEvery));
    }

    [Fact]
    public async Task A_capture_with_activity_in_its_segment_is_billed_for_the_whole_segment()
    {
        Clock.Advance(TimeSpan.FromMinutes(9));
        var accepted = await Ask<CaptureAccepted>(Screen("k1", NineAm.AddMinutes(4)));
        var unbilled = await Diary();
        Assert.Equal((SegmentStatus.Logged, false), (unbilled.Segments[0].Status, unbilled.Segments[0].Billable));

        await Ask<Accepted>(Activity(NineAm.AddMinutes(3), keystrokes: 40));

        var diary = await Diary();
        var segment = Assert.Single(diary.Segments);
        Assert.Equal(NineAm, accepted.SegmentStart);
        Assert.Equal((accepted.CaptureId, true, 1, 10), (segment.ScreenCaptureId, segment.Billable, segment.ActiveMinutes, diary.BillableMinutes));
        Assert.Equal(1000, diary.AmountCents);
        Assert.Equal("editor", segment.AppName);
        Assert.Equal([new ActivityMinute(NineAm.AddMinutes(3), 40, 1, 0)], segment.Activity);
    }

    [Fact]
    public async Task The_same_upload_twice_and_a_second_capture_in_a_segment_are_answered_with_the_first_capture()
    {
        Clock.Advance(TimeSpan.FromMinutes(9));
        var first = await Ask<CaptureAccepted>(Screen("k1", NineAm.AddMinutes(2)));

        var retried = await Ask<CaptureAccepted>(Screen("k1", NineAm.AddMinutes(2)));
        var second = await Ask<CaptureAccepted>(Screen("k2", NineAm.AddMinutes(7)));

        Assert.Equal((first.CaptureId, true), (retried.CaptureId, retried.Duplicate));
        Assert.Equal((first.CaptureId, true), (second.CaptureId, second.Duplicate));
        Assert.Single((await Diary()).Segments);
    }

    [Fact]
    public async Task Captures_from_the_future_or_another_week_are_refused_with_a_clear_code()
    {
        var future = await Ask<Rejected>(Screen("k1", NineAm.AddMinutes(5)));
        var lastWeek = await Ask<Rejected>(Screen("k2", NineAm.AddDays(-1)));
        var withinSkew = await Ask<CaptureAccepted>(Screen("k3", NineAm.AddMinutes(1)));

        Assert.Equal("capture-in-future", future.Code);
        Assert.Equal("wrong-week", lastWeek.Code);
        Assert.False(withinSkew.Duplicate);
    }

    [Fact]
    public async Task Deleting_a_screen_capture_removes_the_time_but_deleting_a_camera_snapshot_keeps_it()
    {
        Clock.Advance(TimeSpan.FromMinutes(25));
        var screen1 = await Ask<CaptureAccepted>(Screen("s1", NineAm.AddMinutes(1)));
        await Ask<CaptureAccepted>(Screen("s2", NineAm.AddMinutes(11)));
        var camera = await Ask<CaptureAccepted>(Screen("c2", NineAm.AddMinutes(12)) with { Kind = CaptureKind.Camera });
        await Ask<Accepted>(Activity(NineAm.AddMinutes(1), 5));
        await Ask<Accepted>(Activity(NineAm.AddMinutes(11), 5));

        await Ask<Accepted>(new DeleteCapture(screen1.CaptureId));
        await Ask<Accepted>(new DeleteCapture(camera.CaptureId));

        var diary = await Diary();
        Assert.Equal([SegmentStatus.Deleted, SegmentStatus.Logged], diary.Segments.Select(s => s.Status));
        Assert.Equal(10, diary.BillableMinutes);
        Assert.Null(diary.Segments[1].CameraCaptureId);
    }

    [Fact]
    public async Task A_rejected_capture_loses_its_time_and_its_freelancer_may_ask_for_review_once()
    {
        Clock.Advance(TimeSpan.FromMinutes(9));
        var capture = await Ask<CaptureAccepted>(Screen("k1", NineAm.AddMinutes(1)));
        await Ask<Accepted>(Activity(NineAm.AddMinutes(1), 10));
        Assert.Equal("not-rejected", (await Ask<Rejected>(new RequestReview(capture.CaptureId, "too early"))).Code);

        await Ask<Accepted>(new RejectCapture(capture.CaptureId, "not my project"));
        await Ask<Accepted>(new RequestReview(capture.CaptureId, "this was your bug #12"));
        var again = await Ask<Rejected>(new RequestReview(capture.CaptureId, "please"));

        Assert.Equal("review-already-requested", again.Code);
        var diary = await Diary();
        Assert.Equal((SegmentStatus.Rejected, 0), (diary.Segments[0].Status, diary.BillableMinutes));
        var stored = await AkkaJournal.StoredEventsAsync(_node!.Settings.Persistence, "work-week-" + WeekId);
        Assert.Contains(stored, e => e.Manifest == "work-week.capture-rejected.v1" && e.Payload.Contains("not my project", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Time_past_the_weekly_limit_is_over_limit_alerts_fire_at_80_and_100_percent_and_raising_the_limit_bills_it()
    {
        await Ask<Accepted>(new SetWeeklyLimit(50));
        Clock.Advance(TimeSpan.FromHours(1));
        for (var i = 0; i < 6; i++)
        {
            await Ask<CaptureAccepted>(Screen("k" + i, NineAm.AddMinutes((10 * i) + 1)));
            await Ask<Accepted>(Activity(NineAm.AddMinutes((10 * i) + 1), 3));
        }

        var limited = await Diary();
        Assert.Equal(50, limited.BillableMinutes);
        Assert.Equal(SegmentStatus.OverLimit, limited.Segments[^1].Status);
        var alerts = (await AkkaJournal.StoredEventsAsync(_node!.Settings.Persistence, "work-week-" + WeekId))
            .Where(e => e.Manifest == "work-week.limit-threshold-reached.v1").ToList();
        Assert.Equal(2, alerts.Count);

        await Ask<Accepted>(new SetWeeklyLimit(120));

        Assert.Equal(60, (await Diary()).BillableMinutes);
    }

    [Fact]
    public async Task Manual_time_is_billed_unprotected_and_cannot_overlap_tracked_time()
    {
        Clock.Advance(TimeSpan.FromHours(2));
        await Ask<CaptureAccepted>(Screen("k1", NineAm.AddMinutes(1)));

        var overlap = await Ask<Rejected>(new AddManualTime(NineAm, NineAm.AddMinutes(30), "meeting"));
        await Ask<Accepted>(new AddManualTime(NineAm.AddMinutes(30), NineAm.AddMinutes(60), "meeting with the client"));

        Assert.Equal("overlaps-tracked-time", overlap.Code);
        var manual = (await Diary()).Segments.Where(s => s.Status == SegmentStatus.Manual).ToList();
        Assert.Equal(3, manual.Count);
        Assert.All(manual, s => Assert.True(s.Billable && s.Unprotected));
    }

    [Fact]
    public async Task Activity_uploaded_late_by_an_agent_that_was_offline_outweighs_the_trackers_idle_verdict()
    {
        Clock.Advance(TimeSpan.FromMinutes(40));
        await Ask<Accepted>(new MarkIdle(NineAm.AddMinutes(10), NineAm.AddMinutes(30)));
        await Ask<CaptureAccepted>(Screen("offline", NineAm.AddMinutes(12)));
        var idle = await Diary();
        Assert.Equal(SegmentStatus.Idle, idle.Segments.Single(s => s.Start == NineAm.AddMinutes(10)).Status);

        await Ask<Accepted>(Activity(NineAm.AddMinutes(12), 30));

        var diary = await Diary();
        Assert.Equal((SegmentStatus.Logged, true), diary.Segments.Where(s => s.Start == NineAm.AddMinutes(10)).Select(s => (s.Status, s.Billable)).Single());
        Assert.Equal(SegmentStatus.Idle, diary.Segments.Single(s => s.Start == NineAm.AddMinutes(20)).Status);
    }

    [Fact]
    public async Task An_idempotency_key_reused_for_another_capture_is_refused()
    {
        Clock.Advance(TimeSpan.FromMinutes(20));
        await Ask<CaptureAccepted>(Screen("same-key", NineAm.AddMinutes(1)));

        var conflict = await Ask<Rejected>(Screen("same-key", NineAm.AddMinutes(12)));

        Assert.Equal("idempotency-key-conflict", conflict.Code);
        Assert.Single((await Diary()).Segments);
    }

    [Fact]
    public async Task A_week_recovers_from_its_snapshot_without_the_events_before_it()
    {
        Restart(snapshotEvery: 4);
        Clock.Advance(TimeSpan.FromHours(1));
        for (var i = 0; i < 5; i++)
        {
            var capture = await Ask<CaptureAccepted>(Screen("k" + i, NineAm.AddMinutes((10 * i) + 1)));
            await Ask<Accepted>(Activity(NineAm.AddMinutes((10 * i) + 1), i + 1));
            if (i == 2)
            {
                await Ask<Accepted>(new RejectCapture(capture.CaptureId, "not mine"));
            }
        }

        var before = await Ask<WeekDiary>(new GetDiary());
        await AkkaJournal.DeleteEventsUpToLatestSnapshotAsync(_node!.System, "work-week-" + WeekId);
        Restart();
        var after = await Ask<WeekDiary>(new GetDiary());

        Assert.Equal(JsonSerializer.Serialize(before), JsonSerializer.Serialize(after));
        // Idempotency keys come back with the snapshot too: a reused key for another capture is still refused.
        var reused = await Ask<Rejected>(Screen("k0", NineAm.AddMinutes(40)));
        Assert.Equal("idempotency-key-conflict", reused.Code);
    }

    [Fact]
    public async Task A_black_capture_is_flagged_and_not_billed()
    {
        Clock.Advance(TimeSpan.FromMinutes(9));
        await Ask<CaptureAccepted>(Screen("k1", NineAm.AddMinutes(2)) with { Black = true });
        await Ask<Accepted>(Activity(NineAm.AddMinutes(2), 9));

        var segment = Assert.Single((await Diary()).Segments);

        Assert.Equal((true, false, SegmentStatus.Logged), (segment.Black, segment.Billable, segment.Status));
    }

    [Fact]
    public async Task A_contract_with_twelve_minute_segments_slots_and_bills_twelve_minutes()
    {
        var week = WorkWeek.EntityId("elance-" + Guid.NewGuid().ToString("N"), Week);
        await _node!.AskAsync<WeekRegion, Accepted>(week, new OpenWeek(new WeekTerms("elance", Week, TimeZoneInfo.Utc, 12, 6000, null)));
        Clock.Advance(TimeSpan.FromMinutes(30));

        var capture = await _node!.AskAsync<WeekRegion, CaptureAccepted>(week, Screen("k1", NineAm.AddMinutes(13)));
        await _node!.AskAsync<WeekRegion, Accepted>(week, Activity(NineAm.AddMinutes(13), 4));
        var diary = await _node!.AskAsync<WeekRegion, WeekDiary>(week, new GetDiary());

        Assert.Equal(NineAm.AddMinutes(12), capture.SegmentStart);
        Assert.Equal((12, 1200L), (diary.BillableMinutes, diary.AmountCents));
    }

    [Fact]
    public async Task The_freelancer_can_comment_a_capture_until_it_is_deleted_or_the_week_locks()
    {
        Clock.Advance(TimeSpan.FromMinutes(30));
        var capture = await Ask<CaptureAccepted>(Screen("k1", NineAm.AddMinutes(1)) with { Comment = "first draft" });

        await Ask<Accepted>(new CommentOnCapture(capture.CaptureId, "refactoring the parser"));

        Assert.Equal("refactoring the parser", (await Diary()).Segments[0].Comment);
        await Ask<Accepted>(new LockWeek());
        Assert.Equal("week-locked", (await Ask<Rejected>(new CommentOnCapture(capture.CaptureId, "late"))).Code);
    }

    [Fact]
    public async Task Today_and_this_week_totals_count_only_billable_time()
    {
        Clock.Advance(TimeSpan.FromDays(1));
        foreach (var at in new[] { NineAm.AddMinutes(1), NineAm.AddMinutes(11), NineAm.AddDays(1).AddMinutes(1) })
        {
            await Ask<CaptureAccepted>(Screen("k" + at.Ticks, at));
            await Ask<Accepted>(Activity(at, 3));
        }

        var monday = await Ask<WeekTotals>(new GetTotals(new DateOnly(2026, 11, 16)));
        var tuesday = await Ask<WeekTotals>(new GetTotals(new DateOnly(2026, 11, 17)));

        Assert.Equal((20, 30, 3000L), (monday.DayBillableMinutes, monday.WeekBillableMinutes, monday.WeekAmountCents));
        Assert.Equal(10, tuesday.DayBillableMinutes);
    }

    [Fact]
    public async Task A_locked_week_refuses_deletes_memo_edits_and_late_uploads()
    {
        Clock.Advance(TimeSpan.FromMinutes(9));
        var capture = await Ask<CaptureAccepted>(Screen("k1", NineAm.AddMinutes(1)));
        await Ask<Accepted>(new EditMemo(NineAm, "fixing the login bug", "bugfix"));

        await Ask<Accepted>(new LockWeek());

        Assert.Equal("week-locked", (await Ask<Rejected>(new DeleteCapture(capture.CaptureId))).Code);
        Assert.Equal("week-locked", (await Ask<Rejected>(new EditMemo(NineAm, "changed", null))).Code);
        Assert.Equal("week-locked", (await Ask<Rejected>(Screen("late", NineAm.AddMinutes(3)))).Code);
        Assert.Equal("fixing the login bug", (await Diary()).Segments[0].Memo);
    }

    [Fact]
    public async Task Idleness_noticed_after_the_lock_is_still_recorded_without_changing_what_is_billed()
    {
        Clock.Advance(TimeSpan.FromMinutes(30));
        await Ask<CaptureAccepted>(Screen("k1", NineAm.AddMinutes(1)));
        await Ask<Accepted>(Activity(NineAm.AddMinutes(1), 5));
        await Ask<CaptureAccepted>(Screen("k2", NineAm.AddMinutes(12)));
        await Ask<Accepted>(new LockWeek());

        await Ask<Accepted>(new MarkIdle(NineAm.AddMinutes(10), NineAm.AddMinutes(30)));

        var diary = await Diary();
        Assert.Equal([SegmentStatus.Logged, SegmentStatus.Idle, SegmentStatus.Idle], diary.Segments.Select(s => s.Status));
        Assert.Equal(10, diary.BillableMinutes);
    }

    [Fact]
    public async Task The_diary_is_the_same_after_the_actor_system_is_killed_and_recovers_from_the_journal()
    {
        Clock.Advance(TimeSpan.FromHours(1));
        await Ask<Accepted>(new SetWeeklyLimit(30));
        for (var i = 0; i < 5; i++)
        {
            await Ask<CaptureAccepted>(Screen("k" + i, NineAm.AddMinutes((10 * i) + 2)));
            await Ask<Accepted>(Activity(NineAm.AddMinutes((10 * i) + 2), i));
        }

        var capture = (await Diary()).Segments[1].ScreenCaptureId!;
        await Ask<Accepted>(new DeleteCapture(capture));
        var before = await Diary();
        Restart();
        var after = await Diary();

        Assert.Equal(before.BillableMinutes, after.BillableMinutes);
        Assert.Equal(JsonSerializer.Serialize(before), JsonSerializer.Serialize(after));
    }

    private Task<T> Ask<T>(object command) => _node!.AskAsync<WeekRegion, T>(WeekId, command);

    private Task<WeekDiary> Diary() => Ask<WeekDiary>(new GetDiary());

    private static RecordCapture Screen(string key, DateTimeOffset at) =>
        new(key, at, CaptureKind.Screen, "sha256-" + key, 1234, AppName: "editor", WindowTitle: "main.cs", Memo: "invoice page");

    private static RecordActivity Activity(DateTimeOffset minute, int keystrokes) =>
        new([new ActivityMinute(minute, keystrokes, 1, 0)]);
}

public sealed class SqliteWorkWeekTests(SqliteDatabaseFixture database) : WorkWeekTests, IClassFixture<SqliteDatabaseFixture>
{
    protected override Func<PersistenceSettings, PersistenceSettings> Database(int? snapshotEvery = null) =>
        AkkaTestNode.OnSqlite(database.DatabaseFile, snapshotEvery);
}

public sealed class PostgresWorkWeekTests(PostgresDatabaseFixture database) : WorkWeekTests, IClassFixture<PostgresDatabaseFixture>
{
    protected override Func<PersistenceSettings, PersistenceSettings> Database(int? snapshotEvery = null) =>
        AkkaTestNode.OnPostgres(database.ConnectionString, snapshotEvery);
}
