using LiveTracker.Actors.Billing;
using LiveTracker.Actors.Cluster;
using LiveTracker.Actors.Contracts;
using LiveTracker.Actors.Kernel;
using LiveTracker.Actors.Persistence;
using LiveTracker.Actors.Persistence.Sqlite;
using LiveTracker.Actors.Tests.Persistence;
using LiveTracker.TestKit;
using Xunit;

namespace LiveTracker.Actors.Tests.Contracts;

/// <summary>
/// Random weeks of uploads, activity, deletions, rejections and limit changes (seeded: a failure names its seed):
/// the limit is never exceeded, removed time is never billed, a recovered week bills exactly the same, and the
/// order in which late uploads arrive does not change the result.
/// </summary>
public sealed class WorkWeekPropertyTests : ActorTestKit, IClassFixture<SqliteDatabaseFixture>, IAsyncLifetime
{
    private static readonly IsoWeek Week = IsoWeek.Parse("2026-W47");
    private static readonly DateTimeOffset Monday = new(2026, 11, 16, 0, 0, 0, TimeSpan.Zero);

    private readonly SqliteDatabaseFixture _database;
    private SqlitePersistenceStore? _store;

    public WorkWeekPropertyTests(SqliteDatabaseFixture database) => _database = database;

    async Task IAsyncLifetime.InitializeAsync()
    {
        _store = new SqlitePersistenceStore(_database.DatabaseFile, "test", Clock);
        await _store.InitializeAsync();
        Clock.AdvanceTo(Monday.AddDays(7).AddMinutes(-1)); // end of the week: every upload is "late" but allowed
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        await Sys.TerminateAsync();
        await _store!.DisposeAsync();
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(6)]
    public async Task Random_weeks_bill_the_same_in_any_upload_order_and_after_recovery(int seed)
    {
        var random = new Random(seed);
        var limit = random.Next(3) == 0 ? (int?)null : random.Next(1, 40) * 10;
        var uploads = RandomUploads(random);
        var region = StartRegion(Sys);

        var inOrder = await PlayAsync(region, "in-order-" + seed, uploads, limit);
        var shuffled = await PlayAsync(region, "shuffled-" + seed, [.. uploads.OrderBy(_ => random.Next())], limit);

        Assert.Equal(inOrder.BillableMinutes, shuffled.BillableMinutes);
        Assert.Equal(inOrder.Segments.Select(s => (s.Start, s.Status, s.Billable)), shuffled.Segments.Select(s => (s.Start, s.Status, s.Billable)));
        Assert.True(limit is null || inOrder.BillableMinutes <= limit, $"seed {seed}: {inOrder.BillableMinutes} over limit {limit}");
        Assert.DoesNotContain(inOrder.Segments, s => s.Billable && s.Status is SegmentStatus.Deleted or SegmentStatus.Rejected or SegmentStatus.Idle);

        await Sys.TerminateAsync();
        await using var restarted = ActorSystem.Create("restarted", time: Clock);
        var recovered = await StartRegion(restarted).Ask<WeekDiary>(WorkWeek.EntityId("in-order-" + seed, Week), new GetDiary()).WaitAsync(DefaultTimeout);
        Assert.Equal(System.Text.Json.JsonSerializer.Serialize(inOrder), System.Text.Json.JsonSerializer.Serialize(recovered));
    }

    private static async Task<WeekDiary> PlayAsync(EntityRegion region, string contractId, IReadOnlyList<Upload> uploads, int? limit)
    {
        var id = WorkWeek.EntityId(contractId, Week);
        await region.Ask<Accepted>(id, new OpenWeek(new WeekTerms(contractId, Week, TimeZoneInfo.Utc, 10, 4500, limit))).WaitAsync(DefaultTimeout);
        foreach (var upload in uploads)
        {
            var capture = await region.Ask<CaptureAccepted>(id, new RecordCapture(upload.Key, upload.At, CaptureKind.Screen, "blob", 10, Memo: "m")).WaitAsync(DefaultTimeout);
            await region.Ask<Accepted>(id, new RecordActivity([new ActivityMinute(upload.At.AddSeconds(-upload.At.Second), upload.Keys, 0, 0)])).WaitAsync(DefaultTimeout);
            if (upload.Delete)
            {
                await region.Ask<Accepted>(id, new DeleteCapture(capture.CaptureId)).WaitAsync(DefaultTimeout);
            }

            if (upload.Reject)
            {
                await region.Ask<object>(id, new RejectCapture(capture.CaptureId, "not mine")).WaitAsync(DefaultTimeout);
            }
        }

        return await region.Ask<WeekDiary>(id, new GetDiary()).WaitAsync(DefaultTimeout);
    }

    private static List<Upload> RandomUploads(Random random) =>
        Enumerable.Range(0, 7 * 24 * 6)
            .Where(_ => random.Next(12) == 0)
            .Select(slot => new Upload(
                "key-" + slot,
                Monday.AddMinutes((slot * 10) + random.Next(10)).AddSeconds(random.Next(60)),
                random.Next(4) == 0 ? 0 : random.Next(1, 200),
                random.Next(10) == 0,
                random.Next(10) == 0))
            .ToList();

    private EntityRegion StartRegion(ActorSystem system)
    {
        var context = new PersistenceContext(_store!, new EventSerializer().RegisterAssembly(typeof(WorkWeek).Assembly));
        return EntityRegion.Start(system, "work-weeks", id => Props.Create(() => new WorkWeek(id, context, TimeSpan.FromMinutes(2))));
    }

    private sealed record Upload(string Key, DateTimeOffset At, int Keys, bool Delete, bool Reject);
}
