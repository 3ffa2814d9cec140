using System.Net.Http.Json;
using LiveTracker.Agent.Tracking;
using Xunit;

namespace LiveTracker.Agent.Tests.EndToEnd;

/// <summary>The agent against a real node: segments, captures and activity land where they belong.</summary>
[Collection(EndToEndCollection.Name)]
public sealed class TrackingEndToEndTests
{
    [Fact]
    public async Task Tracked_segments_get_one_capture_each_and_the_typed_activity()
    {
        await using var world = await TrackingWorld.CreateAsync();
        await world.LoginAsync();
        world.Settings(("noticeBeforeUpload", "false"), ("memoReminderMinutes", "15"));
        await world.StartAgentAsync();

        var (code, output) = await world.CliAsync("start", "--memo", "Card form validation");
        Assert.True(code == 0, output);
        var started = world.Clock.GetUtcNow();
        var typed = 0;
        // Three and a half segments, typing a little every two minutes of the shared clock.
        while (world.Clock.GetUtcNow() < started.AddMinutes(35))
        {
            world.Type(3);
            typed += 3;
            await world.PassAsync(2);
        }

        // The memo reminder (every 15 minutes here) asked, and a bare `memo` answers "still working on it".
        var asking = await world.StateAsync();
        Assert.Equal("Still working on \"Card form validation\"?", asking.MemoQuestion);
        Assert.True(asking.SessionSeconds >= 35 * 60, $"the stopwatch shows the session ({asking.SessionSeconds} s)");
        (code, output) = await world.CliAsync("memo");
        Assert.True(code == 0, output);
        Assert.Null((await world.StateAsync()).MemoQuestion);

        (code, output) = await world.CliAsync("stop");
        Assert.True(code == 0, output);
        await world.DrainOutboxAsync();

        var diary = await world.DiaryAsync(started);
        var billed = diary.Count(s => s.Billable) * 10;
        await TrackingWorld.EventuallyAsync(async () => await world.StateAsync() is var v && v.TodayMinutes == billed && v.WeekMinutes == billed,
            $"Today and This Week to show the {billed} billed minutes");
        (code, output) = await world.CliAsync("status");
        Assert.Contains($"this week     {billed / 60}:{billed % 60:00}", output, StringComparison.Ordinal);
        var tracked = diary.Where(s => s.SegmentStart >= started.AddMinutes(-10)).ToList();
        Assert.InRange(tracked.Count, 4, 5);
        var full = tracked.Where(s => s.SegmentStart >= started && s.SegmentStart.AddMinutes(10) <= world.Clock.GetUtcNow()).ToList();
        Assert.NotEmpty(full);
        Assert.All(full, s =>
        {
            Assert.True(s.Screenshot is not null, $"segment {s.SegmentStart:HH:mm} has its capture; agent log:\n{world.AgentOutput}");
            Assert.InRange(s.Screenshot!.CapturedAt, s.SegmentStart, s.SegmentStart.AddMinutes(10));
            Assert.Equal("logged", s.Status);
            Assert.True(s.Billable);
            Assert.Equal("Card form validation", s.Memo);
            Assert.Equal("TrackedTerm", s.AppName);
        });
        Assert.Equal(typed, tracked.Sum(s => s.Activity.Sum(m => m.Keystrokes)));
        Assert.All(tracked, s => Assert.All(s.Activity, m => Assert.Equal(s.SegmentStart, Tracking.SegmentSchedule.StartOf(m.MinuteUtc, 10))));
        var captures = (await world.StateAsync()).RecentCaptures;
        Assert.Equal(tracked.Count(s => s.Screenshot is not null), captures.Count(c => c.State == "sent"));
    }

    [Fact]
    public async Task A_capture_discarded_within_the_notice_period_never_reaches_the_server_and_its_time_is_dropped()
    {
        await using var world = await TrackingWorld.CreateAsync();
        await world.LoginAsync();
        // Four minutes of the shared clock to change one's mind (2.4 s here).
        world.Settings(("noticeBeforeUpload", "true"), ("noticeSeconds", "240"));
        await world.StartAgentAsync();
        var (code, output) = await world.CliAsync("start", "--memo", "Invoices");
        Assert.True(code == 0, output);
        var started = world.Clock.GetUtcNow();

        TrackerView? state = null;
        await TrackingWorld.EventuallyAsync(async () =>
        {
            world.Type(2);
            state = await world.StateAsync();
            return state.RecentCaptures.Any(c => c.State == "waiting");
        }, "the first capture to be taken");
        var first = state!.RecentCaptures.Single(c => c.State == "waiting");
        Assert.True(first.UploadAfter > world.Clock.GetUtcNow(), "the capture is still in its notice period");
        (code, output) = await world.CliAsync("discard", first.Key);
        Assert.True(code == 0, output);
        Assert.Contains("dropped", output, StringComparison.Ordinal);

        // Keep working into the next segments; their captures go up after the notice period.
        while (world.Clock.GetUtcNow() < first.SegmentStart.AddMinutes(25))
        {
            world.Type(2);
            await world.PassAsync(2);
        }

        (code, output) = await world.CliAsync("stop");
        Assert.True(code == 0, output);
        await world.DrainOutboxAsync();

        var diary = await world.DiaryAsync(started);
        var discarded = diary.Single(s => s.SegmentStart == first.SegmentStart);
        Assert.Null(discarded.Screenshot);
        Assert.False(discarded.Billable);
        Assert.True(discarded.ActiveMinutes > 0, "the activity was still counted; only the time is dropped");
        var later = diary.Where(s => s.SegmentStart > first.SegmentStart && s.SegmentStart.AddMinutes(10) <= world.Clock.GetUtcNow()).ToList();
        Assert.NotEmpty(later);
        Assert.All(later, s => Assert.True(s.Billable && s.Screenshot is not null, $"segment {s.SegmentStart:HH:mm} is billed with its capture"));
        Assert.DoesNotContain(world.Proxy.Requests, r => r.IsUpload
            && System.Text.Encoding.UTF8.GetString(r.Body).Contains(first.Key, StringComparison.Ordinal));
    }
}

[Collection(EndToEndCollection.Name)]
public sealed class SwitchContractEndToEndTests
{
    [Fact]
    public async Task Starting_on_another_contract_switches_and_the_captures_follow()
    {
        await using var world = await TrackingWorld.CreateAsync();
        var second = await world.ClientHttp.PostAsJsonAsync("/api/contracts", new
        {
            freelancerEmail = world.FreelancerEmail, title = "Mobile app", kind = "hourly", hourlyRateCents = 5000, currency = "USD", segmentMinutes = 10,
            idleTimeoutMinutes = 240,
        });
        var mobile = (await second.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>()).GetProperty("contractId").GetString()!;
        await world.LoginAsync();
        world.Settings(("noticeBeforeUpload", "false"));
        await world.StartAgentAsync();
        var (code, output) = await world.CliAsync("start", "--contract", world.ContractId, "--memo", "Checkout");
        Assert.True(code == 0, output);
        world.Type(2);
        await world.PassAsync(11);

        (code, output) = await world.CliAsync("start", "--contract", mobile, "--memo", "Push notifications");
        Assert.True(code == 0, output);
        Assert.Contains("Mobile app", output, StringComparison.Ordinal);
        var state = await world.StateAsync();
        Assert.Equal((mobile, "Push notifications", "tracking"), (state.ContractId, state.Memo, state.Status));
        // The switch instant is the agent's own (the clock runs 60 times fast, so the test's reading after the CLI
        // returns would be seconds of agent time late on a loaded machine).
        var switched = state.SessionStartedAt!.Value;
        world.Type(2);
        await world.PassAsync(12);
        await TrackingWorld.EventuallyAsync(async () =>
            (await world.FreelancerHttp.GetFromJsonAsync<Server.TrackingInfo>("/api/me/tracking", TrackingWorld.Json))!.ContractId == mobile,
            "the server session to follow");
        (code, output) = await world.CliAsync("stop");
        Assert.True(code == 0, output);
        await world.DrainOutboxAsync();

        var day = DateOnly.FromDateTime(switched.UtcDateTime).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        var mobileDiary = await world.ClientHttp.GetFromJsonAsync<System.Text.Json.JsonElement>($"/api/contracts/{mobile}/diary?date={day}");
        var mobileShots = mobileDiary.GetProperty("segments").EnumerateArray()
            .Where(s => s.GetProperty("screenshot").ValueKind != System.Text.Json.JsonValueKind.Null).ToList();
        Assert.NotEmpty(mobileShots);
        Assert.All(mobileShots, s => Assert.True(s.GetProperty("screenshot").GetProperty("capturedAt").GetDateTimeOffset() >= switched));
        Assert.All((await world.DiaryAsync(switched)).Where(s => s.Screenshot is not null),
            s => Assert.True(s.Screenshot!.CapturedAt < switched, "nothing after the switch lands on the first contract"));
    }
}

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class EndToEndCollection
{
    public const string Name = "agent end to end";
}
