using System.Net.Http.Json;
using Xunit;

namespace LiveTracker.Agent.Tests.EndToEnd;

/// <summary>Idle: tracking pauses after the contract's idle timeout and asks on return; the idle span is not billed.</summary>
[Collection(EndToEndCollection.Name)]
public sealed class IdleEndToEndTests
{
    [Fact]
    public async Task No_input_for_the_idle_timeout_pauses_tracking_and_the_return_asks_whether_to_keep_working()
    {
        const int IdleTimeoutMinutes = 3;
        await using var world = await TrackingWorld.CreateAsync(idleTimeoutMinutes: IdleTimeoutMinutes);
        await world.LoginAsync();
        world.Settings(("noticeBeforeUpload", "false"));
        await world.StartAgentAsync();
        var (code, output) = await world.CliAsync("start", "--memo", "Reading specs");
        Assert.True(code == 0, output);
        var started = world.Clock.GetUtcNow();
        world.Type(3);
        var lastInput = world.Clock.GetUtcNow();

        await TrackingWorld.EventuallyAsync(async () => (await world.StateAsync()).Status == "idle", "the idle pause");
        var paused = await world.StateAsync();
        Assert.Contains("no keyboard or mouse input", paused.Notice, StringComparison.Ordinal);
        Assert.InRange(paused.IdlePrompt!.IdleSince, lastInput.AddMinutes(-1), lastInput.AddMinutes(2));
        await TrackingWorld.EventuallyAsync(async () =>
            !(await world.FreelancerHttp.GetFromJsonAsync<Server.TrackingInfo>("/api/me/tracking", TrackingWorld.Json))!.Active,
            "the server session to stop too");

        // Away for more than two whole segments.
        await world.PassAsync(25);
        Assert.Equal("idle", (await world.StateAsync()).Status);
        Assert.Null((await world.StateAsync()).IdlePrompt!.ReturnedAt);
        world.Type(1);
        await TrackingWorld.EventuallyAsync(async () => (await world.StateAsync()).IdlePrompt?.ReturnedAt is not null, "the question on return");
        var question = (await world.StateAsync()).IdlePrompt!;
        Assert.True(question.IdleMinutes >= 20, $"idle for {question.IdleMinutes} minutes");
        (code, output) = await world.CliAsync("status");
        Assert.Contains("keep working?", output, StringComparison.Ordinal);

        (code, output) = await world.CliAsync("idle", "keep");
        Assert.True(code == 0, output);
        var resumed = await world.StateAsync();
        Assert.Equal("tracking", resumed.Status);
        Assert.Null(resumed.IdlePrompt);
        // Back at work: input every two minutes keeps the three-minute idle timeout away.
        var back = world.Clock.GetUtcNow();
        while (world.Clock.GetUtcNow() < back.AddMinutes(14))
        {
            world.Type(2);
            await world.PassAsync(2);
        }

        Assert.Equal("tracking", (await world.StateAsync()).Status);
        (code, output) = await world.CliAsync("stop");
        Assert.True(code == 0, output);
        await world.DrainOutboxAsync();

        var idleSpan = (From: question.IdleSince, To: question.ReturnedAt!.Value);
        var captures = (await world.StateAsync()).RecentCaptures;
        // Until the three-minute timeout has passed nobody knows the freelancer is away (a capture then is fine, and the
        // server marks its segment idle); once paused, no capture is taken until the return.
        var pausedBy = idleSpan.From.AddMinutes(IdleTimeoutMinutes + 1);
        Assert.DoesNotContain(captures, c => c.CapturedAt > pausedBy && c.CapturedAt < idleSpan.To);
        var diary = await world.DiaryAsync(started);
        // Segments wholly inside the idle span have no billed time (most are not in the diary at all), and no capture
        // but one taken before the pause, the same allowance as above.
        Assert.True(idleSpan.To - idleSpan.From >= TimeSpan.FromMinutes(20));
        var insideIdle = diary.Where(s => s.SegmentStart >= idleSpan.From && s.SegmentStart.AddMinutes(10) <= idleSpan.To).ToList();
        Assert.DoesNotContain(insideIdle, s => s.Billable);
        Assert.DoesNotContain(insideIdle, s => s.Screenshot is { } shot && shot.CapturedAt > pausedBy);
        Assert.Contains(diary, s => s.SegmentStart >= idleSpan.To.AddMinutes(-10) && s.Billable);
    }
}
