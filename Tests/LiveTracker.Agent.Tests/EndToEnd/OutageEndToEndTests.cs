using Xunit;

namespace LiveTracker.Agent.Tests.EndToEnd;

/// <summary>The outbox under a dead server and a killed agent: every queued item arrives, exactly once.</summary>
[Collection(EndToEndCollection.Name)]
public sealed class OutageEndToEndTests
{
    [Fact]
    public async Task Tracking_goes_on_while_the_server_is_down_and_everything_arrives_once_it_is_back()
    {
        await using var world = await TrackingWorld.CreateAsync();
        await world.LoginAsync();
        world.Settings(("noticeBeforeUpload", "false"));
        await world.StartAgentAsync();
        var (code, output) = await world.CliAsync("start", "--memo", "Offline work");
        Assert.True(code == 0, output);
        var started = world.Clock.GetUtcNow();
        var typed = 0;
        await world.PassAsync(3);

        await world.StopNodeAsync();
        var down = world.Clock.GetUtcNow();
        while (world.Clock.GetUtcNow() < down.AddMinutes(25))
        {
            world.Type(4);
            typed += 4;
            await world.PassAsync(2);
        }

        var offline = await world.StateAsync();
        Assert.Equal("tracking", offline.Status);
        Assert.True(offline.CapturesWaiting >= 2, $"captures wait in the outbox ({offline.CapturesWaiting})");
        Assert.True(offline.MinutesWaiting > 0);
        Assert.NotNull(offline.ServerTrouble);

        await world.StartNodeAsync();
        await world.PassAsync(3);
        (code, output) = await world.CliAsync("stop");
        Assert.True(code == 0, output);
        await world.DrainOutboxAsync(60);

        var diary = (await world.DiaryAsync(started)).Where(s => s.SegmentStart >= Tracking.SegmentSchedule.StartOf(started, 10)).ToList();
        var sent = (await world.StateAsync()).RecentCaptures.Where(c => c.State == "sent").ToList();
        Assert.Equal(sent.Count, diary.Count(s => s.Screenshot is not null));
        Assert.Equal(sent.Select(c => c.ScreenshotId).Order(), diary.Where(s => s.Screenshot is not null).Select(s => s.Screenshot!.Id).Order());
        Assert.Equal(typed, diary.Sum(s => s.Activity.Sum(m => m.Keystrokes)));
        Assert.All(diary.Where(s => s.SegmentStart > down && s.SegmentStart.AddMinutes(10) < down.AddMinutes(25)),
            s => Assert.True(s.Billable, $"segment {s.SegmentStart:HH:mm}, tracked while the server was down, is billed"));
    }

    [Fact]
    public async Task An_agent_killed_while_the_server_holds_its_answer_resends_and_nothing_is_lost_or_doubled()
    {
        await using var world = await TrackingWorld.CreateAsync();
        await world.LoginAsync();
        world.Settings(("noticeBeforeUpload", "false"));
        await world.StartAgentAsync();
        // Uploads reach the server, which records them, but their answers never get back: kill -9 right then.
        world.Proxy.Mode = ProxyMode.HoldUploadAnswers;
        var (code, output) = await world.CliAsync("start", "--memo", "Crash course");
        Assert.True(code == 0, output);
        var started = world.Clock.GetUtcNow();
        world.Type(5);

        // Killed with a capture in flight and the typed minute in the outbox (counts of a minute still running live
        // only in memory until it ends; those are all a kill -9 can take).
        await TrackingWorld.EventuallyAsync(async () => world.Proxy.Held > 0
            && (world.Proxy.Requests.Any(r => r.PathAndQuery.EndsWith("/activity", StringComparison.Ordinal) && r.Status == 202)
                || (await world.StateAsync()).MinutesWaiting > 0), "an upload in flight and the typed minute queued");
        var inFlight = world.Proxy.Requests.Last(r => r.IsUpload);
        world.KillAgent();
        world.Proxy.Mode = ProxyMode.Forward;
        world.Proxy.Release();

        await world.StartAgentAsync();
        var restarted = await world.StateAsync();
        Assert.Equal("tracking", restarted.Status);
        world.Type(5);
        await world.PassAsync(12);
        (code, output) = await world.CliAsync("stop");
        Assert.True(code == 0, output);
        await world.DrainOutboxAsync();

        var uploads = world.Proxy.Requests.Where(r => r.IsUpload).ToList();
        var key = inFlight.Meta().GetProperty("idempotencyKey").GetString()!;
        Assert.True(uploads.Count(u => u.Meta().GetProperty("idempotencyKey").GetString() == key) >= 2, "the capture in flight was sent again after the restart");
        var diary = (await world.DiaryAsync(started)).Where(s => s.SegmentStart >= Tracking.SegmentSchedule.StartOf(started, 10)).ToList();
        var shots = diary.Where(s => s.Screenshot is not null).ToList();
        Assert.Equal(shots.Count, shots.Select(s => s.SegmentStart).Distinct().Count());
        var sent = (await world.StateAsync()).RecentCaptures.Where(c => c.State == "sent").ToList();
        Assert.Equal(sent.Select(c => c.ScreenshotId).Order(), shots.Select(s => s.Screenshot!.Id).Order());
        Assert.Equal(10, diary.Sum(s => s.Activity.Sum(m => m.Keystrokes)));
    }
}
