using LiveTracker.Agent.Outbox;
using LiveTracker.Agent.Server;
using Microsoft.Data.Sqlite;
using Xunit;

namespace LiveTracker.Agent.Tests.Unit;

/// <summary>
/// The outbox on a real SQLite file: activity adds up and is never lost to a send that raced with new input, captures
/// wait out their notice period, a discarded capture never leaves, and all of it outlives the agent's process.
/// </summary>
public sealed class OutboxTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 18, 10, 0, 0, TimeSpan.Zero);
    private readonly TempFolder folder = new();
    private readonly string path;
    private Outbox.Outbox outbox;

    public OutboxTests()
    {
        path = Path.Combine(folder.Path, "outbox.db");
        outbox = new Outbox.Outbox(path);
    }

    [Fact]
    public void A_minute_seen_twice_adds_up()
    {
        outbox.AddMinute("c1", T0.AddMinutes(3), keystrokes: 10, clicks: 2, scrolls: 0);
        outbox.AddMinute("c1", T0.AddMinutes(3), keystrokes: 5, clicks: 0, scrolls: 7);

        var minute = Assert.Single(outbox.NextDueMinutes(T0.AddMinutes(4)));

        Assert.Equal(new OutboxMinute("c1", T0.AddMinutes(3), 15, 2, 7, 0), minute);
        Assert.Equal(1, outbox.Counts().MinutesWaiting);
    }

    [Fact]
    public void Minutes_go_out_per_contract_oldest_first()
    {
        outbox.AddMinute("c2", T0.AddMinutes(5), 1, 0, 0);
        outbox.AddMinute("c1", T0.AddMinutes(1), 1, 0, 0);
        outbox.AddMinute("c1", T0.AddMinutes(2), 1, 0, 0);

        var first = outbox.NextDueMinutes(T0.AddMinutes(10));

        Assert.Equal([T0.AddMinutes(1), T0.AddMinutes(2)], first.Select(m => m.Minute));
        Assert.All(first, m => Assert.Equal("c1", m.ContractId));
        outbox.MarkMinutesSent(first);
        Assert.Equal("c2", Assert.Single(outbox.NextDueMinutes(T0.AddMinutes(10))).ContractId);
    }

    [Fact]
    public void A_minute_that_grew_while_it_was_being_sent_is_sent_again_with_its_new_total()
    {
        outbox.AddMinute("c1", T0, 10, 1, 0);
        outbox.AddMinute("c1", T0.AddMinutes(1), 4, 0, 0);
        var inFlight = outbox.NextDueMinutes(T0.AddMinutes(2));
        Assert.Equal(2, inFlight.Count);

        // More input for the first minute arrives before the server answers.
        outbox.AddMinute("c1", T0, 3, 0, 0);
        outbox.MarkMinutesSent(inFlight);

        var again = Assert.Single(outbox.NextDueMinutes(T0.AddMinutes(2)));
        Assert.Equal(T0, again.Minute);
        Assert.Equal(13, again.Keystrokes);
        Assert.Equal(1, again.Clicks);
        outbox.MarkMinutesSent([again]);
        Assert.Empty(outbox.NextDueMinutes(T0.AddMinutes(2)));
        Assert.Equal(0, outbox.Counts().MinutesWaiting);
    }

    [Fact]
    public void A_minute_to_retry_waits_until_its_next_attempt()
    {
        outbox.AddMinute("c1", T0, 1, 0, 0);
        outbox.RetryMinutesLater(outbox.NextDueMinutes(T0), T0.AddMinutes(5), "server busy");

        Assert.Empty(outbox.NextDueMinutes(T0.AddMinutes(4)));
        var retried = Assert.Single(outbox.NextDueMinutes(T0.AddMinutes(5)));
        Assert.Equal(1, retried.Attempts);
        Assert.Equal(T0.AddMinutes(5), outbox.NextDueAt());
    }

    [Fact]
    public void A_capture_waits_until_its_notice_period_is_over()
    {
        var key = AddCapture(T0.AddMinutes(3), uploadAfter: T0.AddMinutes(4));

        Assert.Null(outbox.NextDueCapture(T0.AddMinutes(3)));
        Assert.Null(outbox.NextDueCapture(T0.AddMinutes(4).AddMilliseconds(-1)));
        Assert.Equal(T0.AddMinutes(4), outbox.NextDueAt());

        var due = outbox.NextDueCapture(T0.AddMinutes(4));
        Assert.NotNull(due);
        Assert.Equal(key, due.Value.Capture.Key);
        Assert.Equal(CaptureState.Waiting, due.Value.Capture.State);
        Assert.Equal(Image(key), due.Value.Image);
        Assert.Equal(Thumb(key), due.Value.Thumbnail);
        Assert.Equal("Checkout: card form", due.Value.Capture.Meta.Memo);
    }

    [Fact]
    public void A_discarded_capture_is_never_due()
    {
        var key = AddCapture(T0.AddMinutes(3), uploadAfter: T0.AddMinutes(4));

        var before = outbox.Discard(key);

        Assert.Equal(CaptureState.Waiting, before!.State);
        Assert.Equal(CaptureState.Discarded, outbox.Capture(key)!.State);
        Assert.Null(outbox.NextDueCapture(T0.AddDays(365)));
        Assert.Null(outbox.NextDueAt());
        Assert.Equal(0, outbox.Counts().CapturesWaiting);
        Assert.Null(outbox.Discard("no-such-capture"));
    }

    [Fact]
    public void A_capture_the_server_has_keeps_only_its_thumbnail()
    {
        var key = AddCapture(T0.AddMinutes(3), uploadAfter: T0.AddMinutes(3));

        outbox.MarkCaptureSent(key, "s-42");

        var sent = outbox.Capture(key)!;
        Assert.Equal(CaptureState.Sent, sent.State);
        Assert.Equal("s-42", sent.ScreenshotId);
        Assert.Equal(Thumb(key), outbox.Thumbnail(key));
        Assert.Null(outbox.NextDueCapture(T0.AddDays(1)));
        Assert.True(StoredImage(key) is null, "the full image is dropped from the disk once the server has it");
        // A sent capture cannot be discarded before upload any more: it is queued to be deleted on the server.
        Assert.Equal(CaptureState.Sent, outbox.Discard(key)!.State);
        Assert.Equal(CaptureState.Deleting, outbox.Capture(key)!.State);
        Assert.Equal(key, outbox.NextDueDeletion(T0.AddDays(1))!.Key);
        Assert.Null(outbox.Thumbnail(key));
        outbox.MarkDeleted(key);
        Assert.Equal(CaptureState.Discarded, outbox.Capture(key)!.State);
        Assert.Null(outbox.NextDueDeletion(T0.AddDays(1)));
    }

    [Fact]
    public void A_capture_discarded_while_its_upload_is_on_the_way_is_deleted_on_the_server_once_the_answer_comes()
    {
        var key = AddCapture(T0.AddMinutes(3), uploadAfter: T0.AddMinutes(4));
        Assert.NotNull(outbox.NextDueCapture(T0.AddMinutes(5)));

        // The freelancer clicks Discard while the POST is in flight; then the server's 201 arrives.
        Assert.Equal(CaptureState.Waiting, outbox.Discard(key)!.State);
        Assert.Equal(CaptureState.Deleting, outbox.MarkCaptureSent(key, "s-7"));

        var deleting = outbox.NextDueDeletion(T0.AddMinutes(5))!;
        Assert.Equal(("s-7", key), (deleting.ScreenshotId, deleting.Key));
        Assert.Equal(1, outbox.Counts().CapturesWaiting);
        Assert.NotNull(outbox.NextDueAt());
    }

    [Fact]
    public void An_activity_batch_stays_within_one_fifteen_minute_window_so_it_never_spans_two_weeks()
    {
        outbox.AddMinute("c1", T0.AddMinutes(13), 1, 0, 0);
        outbox.AddMinute("c1", T0.AddMinutes(14), 1, 0, 0);
        outbox.AddMinute("c1", T0.AddMinutes(15), 1, 0, 0);

        var first = outbox.NextDueMinutes(T0.AddHours(1));
        Assert.Equal([T0.AddMinutes(13), T0.AddMinutes(14)], first.Select(m => m.Minute));
        outbox.MarkMinutesSent(first);
        Assert.Equal(T0.AddMinutes(15), Assert.Single(outbox.NextDueMinutes(T0.AddHours(1))).Minute);
    }

    [Fact]
    public void Everything_waiting_outlives_a_restart()
    {
        var waiting = AddCapture(T0.AddMinutes(3), uploadAfter: T0.AddMinutes(4));
        var sent = AddCapture(T0.AddMinutes(13), uploadAfter: T0.AddMinutes(13));
        outbox.MarkCaptureSent(sent, "s-1");
        outbox.AddMinute("c1", T0.AddMinutes(3), 7, 1, 2);
        outbox.Set("memo:c1", "Checkout: card form");

        // The agent is killed: the connection goes without any clean-up beyond closing the file.
        outbox.Dispose();
        outbox = new Outbox.Outbox(path);

        Assert.Equal(waiting, outbox.NextDueCapture(T0.AddMinutes(5))!.Value.Capture.Key);
        Assert.Equal(Image(waiting), outbox.NextDueCapture(T0.AddMinutes(5))!.Value.Image);
        Assert.Equal(new OutboxMinute("c1", T0.AddMinutes(3), 7, 1, 2, 0), Assert.Single(outbox.NextDueMinutes(T0.AddMinutes(5))));
        Assert.Equal("Checkout: card form", outbox.Get<string>("memo:c1"));
        Assert.Equal([sent, waiting], outbox.RecentCaptures(10).Select(c => c.Key));
        Assert.Equal(CaptureState.Sent, outbox.Capture(sent)!.State);
        Assert.Equal(Thumb(sent), outbox.Thumbnail(sent));
        // A capture of the same segment is not taken twice after the restart.
        Assert.True(outbox.HasCapture("c1", T0));
        Assert.False(outbox.HasCapture("c1", T0.AddMinutes(20)));
    }

    [Fact]
    public void Refused_captures_and_activity_are_listed_with_the_reason_newest_first()
    {
        var capture = AddCapture(T0.AddMinutes(3), uploadAfter: T0.AddMinutes(3));
        outbox.MarkCaptureFailed(capture, "week-locked", "the week is locked for review");
        outbox.AddMinute("c1", T0.AddMinutes(47), 5, 0, 0);
        outbox.MarkMinutesFailed(outbox.NextDueMinutes(T0.AddHours(1)), "the contract has ended");

        var problems = outbox.Problems(10);

        Assert.Equal(
            [
                "Activity 2026-11-18 10:47 UTC not uploaded: the contract has ended",
                "Capture 2026-11-18 10:03 UTC not uploaded: the week is locked for review",
            ],
            problems);
        Assert.Equal(CaptureState.Failed, outbox.Capture(capture)!.State);
        Assert.Equal("week-locked", outbox.Capture(capture)!.ProblemCode);
        Assert.Null(outbox.NextDueCapture(T0.AddDays(1)));
        Assert.Empty(outbox.NextDueMinutes(T0.AddDays(1)));
        Assert.Single(outbox.Problems(1));
    }

    [Fact]
    public void Waiting_segments_count_each_segment_once()
    {
        // Two captures of the 10:00 segment, one of 10:10, one already sent, one of another contract, one before the range.
        AddCapture(T0.AddMinutes(2), T0.AddMinutes(3));
        AddCapture(T0.AddMinutes(7), T0.AddMinutes(8));
        AddCapture(T0.AddMinutes(12), T0.AddMinutes(13));
        outbox.MarkCaptureSent(AddCapture(T0.AddMinutes(25), T0.AddMinutes(26)), "s-9");
        AddCapture(T0.AddMinutes(33), T0.AddMinutes(34), contractId: "c2");
        AddCapture(T0.AddMinutes(-30), T0.AddMinutes(-29));

        Assert.Equal(2, outbox.WaitingSegments("c1", T0));
        Assert.Equal(3, outbox.WaitingSegments("c1", T0.AddHours(-1)));
        Assert.Equal(1, outbox.WaitingSegments("c2", T0));
        Assert.Equal(0, outbox.WaitingSegments("c3", T0));
    }

    [Fact]
    public void Pruning_drops_what_was_settled_long_ago_but_never_what_still_waits()
    {
        var old = AddCapture(T0.AddDays(-40), T0.AddDays(-40));
        outbox.MarkCaptureSent(old, "s-old");
        var stuck = AddCapture(T0.AddDays(-39), T0.AddDays(-39));

        outbox.Prune(T0.AddDays(-30));

        Assert.Null(outbox.Capture(old));
        Assert.NotNull(outbox.Capture(stuck));
    }

    public void Dispose()
    {
        outbox.Dispose();
        folder.Dispose();
    }

    private string AddCapture(DateTimeOffset at, DateTimeOffset uploadAfter, string contractId = "c1")
    {
        var key = Guid.NewGuid().ToString("N");
        var meta = new CaptureMeta(at, key, "xterm", "TrackedTerm", Black: false, "Checkout: card form", "coding");
        outbox.AddCapture(contractId, Tracking.SegmentSchedule.StartOf(at, 10), uploadAfter, meta, Image(key), Thumb(key));
        return key;
    }

    private static byte[] Image(string key) => [0xFF, 0xD8, .. System.Text.Encoding.ASCII.GetBytes("image " + key), 0xFF, 0xD9];

    private static byte[] Thumb(string key) => [0xFF, 0xD8, .. System.Text.Encoding.ASCII.GetBytes("thumb " + key), 0xFF, 0xD9];

    /// <summary>What the database file holds as the capture's image, read with a connection of its own.</summary>
    private byte[]? StoredImage(string key)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false, Mode = SqliteOpenMode.ReadOnly }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT image FROM captures WHERE key = $key";
        command.Parameters.AddWithValue("$key", key);
        return command.ExecuteScalar() as byte[];
    }
}
