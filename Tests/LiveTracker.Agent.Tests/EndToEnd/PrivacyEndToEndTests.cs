using System.Text;
using System.Text.Json;
using Xunit;

namespace LiveTracker.Agent.Tests.EndToEnd;

/// <summary>
/// The privacy promise: what is typed, where the mouse clicks and what a window shows never leave the agent, except
/// as pixels in a capture; the server gets counts per minute, the app name and window title at capture time, and
/// the capture. Every byte the agent sends passes the recording proxy.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class PrivacyEndToEndTests
{
    private const string Typed = "hunter2zebra";

    [Fact]
    public async Task Only_counts_the_app_name_the_window_title_and_the_capture_leave_the_computer()
    {
        await using var world = await TrackingWorld.CreateAsync(windowTitle: "Budget — Ångström.ods");
        await world.LoginAsync();
        world.Settings(("noticeBeforeUpload", "false"));
        await world.StartAgentAsync();
        var (code, output) = await world.CliAsync("start", "--memo", "Budget review");
        Assert.True(code == 0, output);
        var started = world.Clock.GetUtcNow();
        while (world.Clock.GetUtcNow() < started.AddMinutes(14))
        {
            world.X.Run("xdotool", "type", "--delay", "1", Typed);
            world.X.Run("xdotool", "mousemove", "--window", world.Xterm, "31", "17", "click", "1", "click", "--repeat", "2", "5");
            await world.PassAsync(2);
        }

        (code, output) = await world.CliAsync("report", "The tracker seems slow today");
        Assert.True(code == 0, output);
        (code, output) = await world.CliAsync("stop");
        Assert.True(code == 0, output);
        await world.DrainOutboxAsync();

        var requests = world.Proxy.Requests;
        Assert.Contains(requests, r => r.PathAndQuery.EndsWith("/activity", StringComparison.Ordinal));
        Assert.Contains(requests, r => r.IsUpload);
        foreach (var request in requests)
        {
            Assert.DoesNotContain(Typed, Encoding.Latin1.GetString(request.Body), StringComparison.Ordinal);
            Assert.DoesNotContain(Typed, request.PathAndQuery, StringComparison.Ordinal);
        }

        var minutes = requests.Where(r => r.PathAndQuery.EndsWith("/activity", StringComparison.Ordinal))
            .SelectMany(r => JsonDocument.Parse(r.Body).RootElement.EnumerateArray()).ToList();
        Assert.All(minutes, m => Assert.Equal(["keystrokes", "minuteUtc", "mouseClicks", "scrolls"], m.EnumerateObject().Select(p => p.Name).Order()));
        Assert.True(minutes.Sum(m => m.GetProperty("mouseClicks").GetInt32()) > 0, "clicks were counted");
        Assert.True(minutes.Sum(m => m.GetProperty("scrolls").GetInt32()) > 0, "scroll steps were counted");

        string[] allowed = ["activityLabel", "appName", "black", "capturedAt", "idempotencyKey", "kind", "memo", "windowTitle"];
        var metas = requests.Where(r => r.IsUpload).Select(r => r.Meta()).ToList();
        Assert.All(metas, meta => Assert.All(meta.EnumerateObject(), p => Assert.Contains(p.Name, allowed)));
        Assert.Contains(metas, meta => meta.GetProperty("windowTitle").GetString() == "Budget — Ångström.ods");

        var report = requests.Single(r => r.PathAndQuery == "/api/support/reports");
        var excerpt = JsonDocument.Parse(report.Body).RootElement.GetProperty("logExcerpt").GetString()!;
        Assert.Contains("capture", excerpt, StringComparison.Ordinal);
        Assert.DoesNotContain("Ångström", excerpt, StringComparison.Ordinal);

        // Nor is any of it kept on disk: the outbox, the log and the settings hold counts and captures only.
        foreach (var file in Directory.EnumerateFiles(world.Paths.DataDirectory).Concat(Directory.EnumerateFiles(world.Paths.ConfigDirectory))
                     .Where(f => !f.EndsWith(".lock", StringComparison.Ordinal)))
        {
            Assert.DoesNotContain(Typed, Encoding.Latin1.GetString(await File.ReadAllBytesAsync(file)), StringComparison.Ordinal);
        }
    }
}
