using Xunit;
using System.Diagnostics;
using System.Text.RegularExpressions;
using LiveTracker.Agent.Desktop;

namespace LiveTracker.Agent.Tests;

/// <summary>notify-send against a real private dbus-daemon, with and without a notification service on it.</summary>
public sealed partial class DesktopNotifierTests
{
    private static readonly (string Key, string Label)[] Buttons = [("keep", "Keep it"), ("discard", "Discard screenshot")];

    [Fact]
    public async Task A_notification_with_thumbnail_and_buttons_reaches_the_service_and_returns_the_clicked_button()
    {
        using var bus = SessionBus.Start();
        bus.StartNotificationService("click");
        var thumbnail = Path.Combine(Path.GetTempPath(), $"lt thumb {Guid.NewGuid():N}.jpg");
        await File.WriteAllBytesAsync(thumbnail, [0xFF, 0xD8, 0xFF, 0xD9]);
        try
        {
            var notifier = new DesktopNotifier(bus.Environment);
            Assert.True(notifier.Available);
            var clock = Stopwatch.StartNew();

            var answer = await notifier.ShowAsync("Screenshot taken", "-3 min idle · Acme / Website", thumbnail,
                TimeSpan.FromSeconds(8), Buttons, CancellationToken.None);

            Assert.Equal("discard", answer);  // the service's "user" clicks the last button
            Assert.Null(notifier.LastProblem);
            Assert.InRange(clock.ElapsedMilliseconds, 0, 6_000);
            var notify = Messages(bus.Monitored).Single(m => Is(m, "Notify")).ToList();
            Assert.Equal(
                new[]
                {
                    "string \"LiveTracker\"", "uint32 0", $"string \"{thumbnail}\"", "string \"Screenshot taken\"",
                    "string \"-3 min idle · Acme / Website\"", "array [", "string \"keep\"", "string \"Keep it\"",
                    "string \"discard\"", "string \"Discard screenshot\"", "]",
                },
                notify.Skip(1).Take(11));
            Assert.Contains("int32 8000", notify);
            var hint = notify.IndexOf("string \"image-path\"");
            Assert.True(hint > 0, string.Join('\n', notify));
            Assert.Equal($"variant             string \"{new Uri(thumbnail).AbsoluteUri}\"", notify[hint + 1]);
            Assert.Contains("%20", notify[hint + 1], StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(thumbnail);
        }
    }

    [Fact]
    public async Task A_notification_closed_on_expiry_returns_null()
    {
        using var bus = SessionBus.Start();
        bus.StartNotificationService("expire");
        var notifier = new DesktopNotifier(bus.Environment);
        var clock = Stopwatch.StartNew();

        Assert.Null(await notifier.ShowAsync("Still working?", "", null, TimeSpan.FromMilliseconds(400), Buttons, CancellationToken.None));

        Assert.InRange(clock.ElapsedMilliseconds, 350, 2_300);  // the service closed it; no withdrawal was needed
        Assert.Null(notifier.LastProblem);
        Assert.DoesNotContain(Messages(bus.Monitored), m => Is(m, "CloseNotification"));
    }

    [Fact]
    public async Task A_notification_left_open_is_withdrawn_after_its_expiry_or_on_cancel()
    {
        using var bus = SessionBus.Start();
        bus.StartNotificationService("never");
        var notifier = new DesktopNotifier(bus.Environment);

        // Past its expiry (plus a grace for slow services) it is withdrawn from the screen.
        var clock = Stopwatch.StartNew();
        Assert.Null(await notifier.ShowAsync("Screenshot taken", "body", null, TimeSpan.FromMilliseconds(300), Buttons, CancellationToken.None));
        Assert.InRange(clock.ElapsedMilliseconds, 2_000, 5_000);
        Assert.Null(notifier.LastProblem);
        bus.WaitFor(() => Messages(bus.Monitored).Count(m => Is(m, "CloseNotification")) == 1,
            "the expired notification to be withdrawn");

        // Cancelled while it waits for the user: withdrawn too, and notify-send is gone from the bus.
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(400));
        clock.Restart();
        Assert.Null(await notifier.ShowAsync("Screenshot taken", "body", null, Timeout.InfiniteTimeSpan, Buttons, cancel.Token));
        Assert.InRange(clock.ElapsedMilliseconds, 350, 2_500);
        Assert.Null(notifier.LastProblem);
        var sender = SenderOf(Messages(bus.Monitored).Where(m => Is(m, "Notify")).Last());
        bus.WaitFor(() => Messages(bus.Monitored).Count(m => Is(m, "CloseNotification")) == 2,
            "the cancelled notification to be withdrawn");
        bus.WaitFor(() => Messages(bus.Monitored).Any(m => Is(m, "NameOwnerChanged")
                && m.Skip(1).SequenceEqual([$"string \"{sender}\"", $"string \"{sender}\"", "string \"\""])),
            "notify-send to leave the bus");
    }

    [Fact]
    public async Task Without_a_notification_service_it_returns_null_promptly_and_says_why()
    {
        using var bus = SessionBus.Start();
        var notifier = new DesktopNotifier(bus.Environment);
        Assert.True(notifier.Available);  // whether a service answers shows only when sending
        var clock = Stopwatch.StartNew();

        Assert.Null(await notifier.ShowAsync("Screenshot taken", "body", null, TimeSpan.FromSeconds(30), Buttons, CancellationToken.None));

        Assert.InRange(clock.ElapsedMilliseconds, 0, 5_000);  // not the 30 s expiry
        Assert.StartsWith("No notification service is running in this desktop session", notifier.LastProblem);
        Assert.Contains("member=GetServerInformation", bus.Monitored, StringComparison.Ordinal);  // it did ask on the bus
    }

    [Fact]
    public async Task Missing_notify_send_or_session_bus_is_reported_not_thrown()
    {
        var noTool = new DesktopNotifier(new Dictionary<string, string> { ["PATH"] = "/nonexistent", ["DBUS_SESSION_BUS_ADDRESS"] = "unix:path=/x" });
        Assert.False(noTool.Available);
        Assert.Null(await noTool.ShowAsync("s", "b", null, TimeSpan.FromSeconds(5), Buttons, CancellationToken.None));
        Assert.Equal("notify-send is not installed (apt install libnotify-bin), so desktop notifications cannot be shown.", noTool.LastProblem);

        var noBus = new DesktopNotifier(new Dictionary<string, string> { ["DBUS_SESSION_BUS_ADDRESS"] = "", ["XDG_RUNTIME_DIR"] = "" });
        Assert.False(noBus.Available);
        Assert.Null(await noBus.ShowAsync("s", "b", null, TimeSpan.FromSeconds(5), Buttons, CancellationToken.None));
        Assert.StartsWith("No D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is not set)", noBus.LastProblem);

        // A session bus that has gone (the user logged out): notify-send is tried and fails fast.
        var gone = Path.Combine(Path.GetTempPath(), $"lt-gone-{Guid.NewGuid():N}");
        var goneBus = new DesktopNotifier(new Dictionary<string, string> { ["DBUS_SESSION_BUS_ADDRESS"] = $"unix:path={gone}" });
        Assert.True(goneBus.Available);
        var clock = Stopwatch.StartNew();
        Assert.Null(await goneBus.ShowAsync("s", "b", null, TimeSpan.FromSeconds(30), Buttons, CancellationToken.None));
        Assert.InRange(clock.ElapsedMilliseconds, 0, 5_000);
        Assert.StartsWith("Cannot reach the D-Bus session bus", goneBus.LastProblem);

        _ = await Assert.ThrowsAsync<ArgumentException>(() =>
            noTool.ShowAsync("s", "b", null, TimeSpan.FromSeconds(5), [("a=b", "A")], CancellationToken.None));
    }

    /// <summary>dbus-monitor's output as messages: a header line, then its arguments, trimmed.</summary>
    private static List<string[]> Messages(string monitored)
    {
        var messages = new List<string[]>();
        var current = new List<string>();
        foreach (var line in monitored.Split('\n'))
        {
            if (line.Length > 0 && !char.IsWhiteSpace(line[0]) && current.Count > 0)
            {
                messages.Add([.. current]);
                current.Clear();
            }

            if (line.Trim().Length > 0)
            {
                current.Add(line.Trim());
            }
        }

        if (current.Count > 0)
        {
            messages.Add([.. current]);
        }

        return messages;
    }

    private static bool Is(string[] message, string member) => message[0].EndsWith("member=" + member, StringComparison.Ordinal);

    private static string SenderOf(string[] message) => SenderPattern().Match(message[0]).Groups[1].Value;

    [GeneratedRegex(@"sender=(\S+)")]
    private static partial Regex SenderPattern();
}
