using Xunit;

namespace LiveTracker.Agent.Tests.EndToEnd;

/// <summary>The agent and the desktop session around it: notifications, and the X server going away.</summary>
[Collection(EndToEndCollection.Name)]
public sealed class DesktopEndToEndTests
{
    [Fact]
    public async Task Each_capture_is_announced_and_discarding_from_the_notification_keeps_it_off_the_server()
    {
        using var bus = SessionBus.Start();
        // A notification service that, like a freelancer who sees something private, clicks the button offered.
        bus.StartNotificationService("click");
        await using var world = await TrackingWorld.CreateAsync();
        world.SessionBusAddress = bus.Address;
        await world.LoginAsync();
        world.Settings(("noticeBeforeUpload", "true"), ("noticeSeconds", "600"));
        await world.StartAgentAsync();
        var (code, output) = await world.CliAsync("start", "--memo", "Private things on screen");
        Assert.True(code == 0, output);
        world.Type(2);

        await TrackingWorld.EventuallyAsync(async () => (await world.StateAsync()).RecentCaptures.Any(c => c.State == "discarded"),
            "the capture to be discarded from its notification");
        Assert.Contains("Screenshot taken", bus.Monitored, StringComparison.Ordinal);
        Assert.Contains("Discard", bus.Monitored, StringComparison.Ordinal);
        Assert.Contains("LiveTracker", bus.Monitored, StringComparison.Ordinal);
        var discarded = (await world.StateAsync()).RecentCaptures.First(c => c.State == "discarded");
        Assert.DoesNotContain(world.Proxy.Requests, r => r.IsUpload
            && System.Text.Encoding.UTF8.GetString(r.Body).Contains(discarded.Key, StringComparison.Ordinal));
        Assert.Null((await world.StateAsync()).NotifierProblem);
    }

    [Fact]
    public async Task Losing_the_X_display_pauses_tracking_without_a_crash_and_queued_uploads_still_go()
    {
        await using var world = await TrackingWorld.CreateAsync();
        await world.LoginAsync();
        world.Settings(("noticeBeforeUpload", "true"), ("noticeSeconds", "300"));
        await world.StartAgentAsync();
        var (code, output) = await world.CliAsync("start", "--memo", "Until the session ends");
        Assert.True(code == 0, output);
        world.Type(3);
        await TrackingWorld.EventuallyAsync(async () => (await world.StateAsync()).CapturesWaiting > 0, "a capture in its notice period");

        world.X.KillServer();
        await TrackingWorld.EventuallyAsync(async () => (await world.StateAsync()).Status == "display-lost", "the pause");
        var state = await world.StateAsync();
        Assert.Contains("Lost the connection to the X display", state.Notice, StringComparison.Ordinal);
        Assert.True(world.AgentRunning, "the agent is still running:\n" + world.AgentOutput);
        (code, output) = await world.CliAsync("status");
        Assert.Contains("Paused (no display)", output, StringComparison.Ordinal);

        // The capture taken before the loss still goes up once its notice period is over.
        await TrackingWorld.EventuallyAsync(async () => (await world.StateAsync()).CapturesWaiting == 0, "the queued capture to be sent", 60);
        Assert.Contains((await world.StateAsync()).RecentCaptures, c => c.State == "sent");
        Assert.True(world.AgentRunning);
        (code, output) = await world.CliAsync("stop");
        Assert.True(code == 0, output);
        Assert.Equal("off", (await world.StateAsync()).Status);
    }
}
