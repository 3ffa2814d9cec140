using LiveTracker.Actors.Billing;
using LiveTracker.Actors.Contracts;
using LiveTracker.Actors.Hosting;
using LiveTracker.Actors.Tests.Hosting;
using LiveTracker.Actors.Tests.Databases;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace LiveTracker.Actors.Tests.Contracts;

/// <summary>
/// Random weeks of uploads, activity, deletions, rejections and limit changes (seeded: a failure names its seed):
/// the limit is never exceeded, removed time is never billed, a recovered week bills exactly the same, and the
/// order in which late uploads arrive does not change the result.
/// </summary>
public sealed class WorkWeekPropertyTests : IClassFixture<SqliteDatabaseFixture>, IDisposable
{
    private static readonly IsoWeek Week = IsoWeek.Parse("2026-W47");
    private static readonly DateTimeOffset Monday = new(2026, 11, 16, 0, 0, 0, TimeSpan.Zero);

    private readonly SqliteDatabaseFixture _database;

    // The end of the week: every upload is "late" but allowed.
    private readonly FakeTimeProvider _clock = new(Monday.AddDays(7).AddMinutes(-1));
    private AkkaTestNode _node;

    public WorkWeekPropertyTests(SqliteDatabaseFixture database)
    {
        _database = database;
        _node = AkkaTestNode.Start(_clock, persistence: AkkaTestNode.OnSqlite(database.DatabaseFile));
    }

    public void Dispose() => _node.Dispose();

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

        var inOrder = await PlayAsync("in-order-" + seed, uploads, limit);
        var shuffled = await PlayAsync("shuffled-" + seed, [.. uploads.OrderBy(_ => random.Next())], limit);

        Assert.Equal(inOrder.BillableMinutes, shuffled.BillableMinutes);
        Assert.Equal(inOrder.Segments.Select(s => (s.Start, s.Status, s.Billable)), shuffled.Segments.Select(s => (s.Start, s.Status, s.Billable)));
        Assert.True(limit is null || inOrder.BillableMinutes <= limit, $"seed {seed}: {inOrder.BillableMinutes} over limit {limit}");
        Assert.DoesNotContain(inOrder.Segments, s => s.Billable && s.Status is SegmentStatus.Deleted or SegmentStatus.Rejected or SegmentStatus.Idle);

        _node.Dispose();
        _node = AkkaTestNode.Start(_clock, persistence: AkkaTestNode.OnSqlite(_database.DatabaseFile));
        var recovered = await _node.AskAsync<WeekRegion, WeekDiary>(WorkWeek.EntityId("in-order-" + seed, Week), new GetDiary());
        Assert.Equal(System.Text.Json.JsonSerializer.Serialize(inOrder), System.Text.Json.JsonSerializer.Serialize(recovered));
    }

    private async Task<WeekDiary> PlayAsync(string contractId, IReadOnlyList<Upload> uploads, int? limit)
    {
        var id = WorkWeek.EntityId(contractId, Week);
        await _node.AskAsync<WeekRegion, Accepted>(id, new OpenWeek(new WeekTerms(contractId, Week, TimeZoneInfo.Utc, 10, 4500, limit)));
        foreach (var upload in uploads)
        {
            var capture = await _node.AskAsync<WeekRegion, CaptureAccepted>(id, new RecordCapture(upload.Key, upload.At, CaptureKind.Screen, "blob", 10, Memo: "m"));
            await _node.AskAsync<WeekRegion, Accepted>(id, new RecordActivity([new ActivityMinute(upload.At.AddSeconds(-upload.At.Second), upload.Keys, 0, 0)]));
            if (upload.Delete)
            {
                await _node.AskAsync<WeekRegion, Accepted>(id, new DeleteCapture(capture.CaptureId));
            }

            if (upload.Reject)
            {
                await _node.AskAsync<WeekRegion, object>(id, new RejectCapture(capture.CaptureId, "not mine"));
            }
        }

        return await _node.AskAsync<WeekRegion, WeekDiary>(id, new GetDiary());
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

    private sealed record Upload(string Key, DateTimeOffset At, int Keys, bool Delete, bool Reject);
}
