using System.Net.Http.Headers;
using System.Net.Http.Json;
using LiveTracker.Agent.Local;
using Xunit;

namespace LiveTracker.Agent.Tests.EndToEnd;

/// <summary>A server (or what stands in front of it) answering badly: clear messages, no crash, nothing lost.</summary>
[Collection(EndToEndCollection.Name)]
public sealed class BadAnswersEndToEndTests
{
    [Fact]
    public async Task Unavailable_garbage_and_a_revoked_sign_in_are_explained_and_everything_arrives_afterwards()
    {
        await using var world = await TrackingWorld.CreateAsync();
        await world.LoginAsync();
        world.Settings(("noticeBeforeUpload", "false"));
        await world.StartAgentAsync();
        var (code, output) = await world.CliAsync("start", "--memo", "Flaky network");
        Assert.True(code == 0, output);
        var started = world.Clock.GetUtcNow();
        var typed = 0;

        async Task WorkAsync(double minutes)
        {
            var until = world.Clock.GetUtcNow().AddMinutes(minutes);
            while (world.Clock.GetUtcNow() < until)
            {
                world.Type(2);
                typed += 2;
                await world.PassAsync(2);
            }
        }

        world.Proxy.Mode = ProxyMode.Unavailable;
        await WorkAsync(12);
        var state = await world.StateAsync();
        Assert.Contains("unavailable", state.ServerTrouble, StringComparison.OrdinalIgnoreCase);
        Assert.Equal("tracking", state.Status);

        world.Proxy.Mode = ProxyMode.Garbage;
        await WorkAsync(12);
        state = await world.StateAsync();
        Assert.Contains("is the server address right?", state.ServerTrouble, StringComparison.Ordinal);
        Assert.True(state.CapturesWaiting >= 1, "captures wait instead of being dropped");

        // Signed out from the web: the agent says so and keeps what it has until the freelancer signs in again.
        world.Proxy.Mode = ProxyMode.Forward;
        using (var agentToken = new HttpClient { BaseAddress = world.Server })
        {
            agentToken.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Credentials.Load(world.Paths)!.Token);
            (await agentToken.PostAsync("/api/auth/logout", null)).EnsureSuccessStatusCode();
        }

        await TrackingWorld.EventuallyAsync(async () => (await world.StateAsync()).SignedIn == false, "the agent to notice it is signed out");
        state = await world.StateAsync();
        Assert.Contains("livetracker-agent login", state.ServerTrouble, StringComparison.Ordinal);
        Assert.True(world.AgentRunning);
        (code, output) = await world.CliAsync("status");
        Assert.Contains("livetracker-agent login", output, StringComparison.Ordinal);

        await world.LoginAsync();
        await WorkAsync(4);
        (code, output) = await world.CliAsync("stop");
        Assert.True(code == 0, output);
        await world.DrainOutboxAsync(60);

        var diary = (await world.DiaryAsync(started)).Where(s => s.SegmentStart >= Tracking.SegmentSchedule.StartOf(started, 10)).ToList();
        var sent = (await world.StateAsync()).RecentCaptures.Where(c => c.State == "sent").ToList();
        Assert.True(sent.Count >= 3, $"captures of the bad spell arrived ({sent.Count})");
        Assert.Equal(sent.Select(c => c.ScreenshotId).Order(), diary.Where(s => s.Screenshot is not null).Select(s => s.Screenshot!.Id).Order());
        Assert.Equal(typed, diary.Sum(s => s.Activity.Sum(m => m.Keystrokes)));
    }

    [Fact]
    public async Task Tracking_taken_over_by_another_computer_stops_here_with_a_message_and_can_be_taken_back()
    {
        await using var world = await TrackingWorld.CreateAsync();
        await world.LoginAsync();
        await world.StartAgentAsync();
        var (code, output) = await world.CliAsync("start", "--memo", "Laptop work");
        Assert.True(code == 0, output);
        await TrackingWorld.EventuallyAsync(async () =>
            (await world.FreelancerHttp.GetFromJsonAsync<Server.TrackingInfo>("/api/me/tracking", TrackingWorld.Json))!.Active, "the server session");

        var elsewhere = await world.FreelancerHttp.PostAsJsonAsync($"/api/contracts/{world.ContractId}/tracking/start",
            new { memo = "Desktop work", deviceId = "office-desktop", takeOver = true });
        elsewhere.EnsureSuccessStatusCode();
        await TrackingWorld.EventuallyAsync(async () => (await world.StateAsync()).Status == "off", "the agent to stop tracking here");
        var state = await world.StateAsync();
        Assert.Contains("another computer", state.Notice, StringComparison.Ordinal);

        (code, output) = await world.CliAsync("start");
        Assert.Equal(1, code);
        Assert.Contains("--take-over", output, StringComparison.Ordinal);
        Assert.Equal("off", (await world.StateAsync()).Status);

        (code, output) = await world.CliAsync("start", "--take-over");
        Assert.True(code == 0, output);
        var tracking = await world.FreelancerHttp.GetFromJsonAsync<Server.TrackingInfo>("/api/me/tracking", TrackingWorld.Json);
        Assert.True(tracking!.Active);
        Assert.Equal(AgentSettings.Load(world.Paths).DeviceId, tracking.DeviceId);
        Assert.Equal("tracking", (await world.StateAsync()).Status);
    }

    [Fact]
    public async Task A_capture_the_server_refuses_as_too_large_is_reported_and_tracking_goes_on()
    {
        await using var world = await TrackingWorld.CreateAsync(nodeSettings: "domain { max-screenshot-bytes = 2048 }");
        await world.LoginAsync();
        world.Settings(("noticeBeforeUpload", "false"));
        await world.StartAgentAsync();
        var (code, output) = await world.CliAsync("start", "--memo", "Big screen");
        Assert.True(code == 0, output);
        var started = world.Clock.GetUtcNow();

        await TrackingWorld.EventuallyAsync(async () =>
        {
            world.Type(1);
            return (await world.StateAsync()).Problems.Count > 0;
        }, "the refusal to be reported");
        var state = await world.StateAsync();
        Assert.Contains("image-too-large", state.Problems[0], StringComparison.Ordinal);
        Assert.Contains(state.RecentCaptures, c => c.State == "failed");
        Assert.Equal("tracking", state.Status);
        (code, output) = await world.CliAsync("status");
        Assert.Contains("not uploaded", output, StringComparison.Ordinal);

        await TrackingWorld.EventuallyAsync(async () => (await world.DiaryAsync(started)).Sum(s => s.ActiveMinutes) > 0, "activity to arrive all the same");
        Assert.True(world.AgentRunning);
    }
}
