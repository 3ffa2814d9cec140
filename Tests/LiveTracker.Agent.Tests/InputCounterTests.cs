using Xunit;
using System.Diagnostics;
using LiveTracker.Agent.X11;

namespace LiveTracker.Agent.Tests;

[Collection(DesktopCollection.Name)]
public sealed class InputCounterTests(DesktopFixture desktop)
{
    private readonly XServer x = desktop.X;

    [Fact]
    public void Typed_keys_are_counted_exactly()
    {
        _ = x.Xterm("LtTyping");
        using var counter = new InputCounter(x.Display);
        _ = x.Run("xdotool", "type", "--delay", "5", "abcdefghijklmnopqrstuvwxy");
        var total = Settle(counter, c => c.Keystrokes >= 25);
        Assert.Equal(new InputCounts(25, 0, 0), total);
    }

    [Fact]
    public void A_held_key_counts_once_not_its_auto_repeats()
    {
        _ = x.Xterm("LtHeld");
        using var counter = new InputCounter(x.Display);
        _ = x.Run("xdotool", "keydown", "a");
        Thread.Sleep(1000);
        _ = x.Run("xdotool", "keyup", "a");
        var total = Settle(counter, c => c.Keystrokes >= 1);
        Assert.Equal(new InputCounts(1, 0, 0), total);
    }

    [Fact]
    public void Clicks_and_scroll_steps_are_counted_apart()
    {
        var id = x.Xterm("LtClicks");
        // Over the xterm: a right click on openbox's root would open its menu and grab the pointer.
        _ = x.Run("xdotool", "mousemove", "--sync", "--window", id, "20", "20");
        using var counter = new InputCounter(x.Display);
        _ = x.Run("xdotool", "click", "--repeat", "2", "--delay", "20", "1");
        _ = x.Run("xdotool", "click", "3", "click", "8", "click", "9");
        _ = x.Run("xdotool", "click", "--repeat", "4", "--delay", "20", "5");
        _ = x.Run("xdotool", "click", "4", "click", "6", "click", "7");
        var total = Settle(counter, c => c.Clicks >= 5 && c.ScrollSteps >= 7);
        Assert.Equal(new InputCounts(0, 5, 7), total);
    }

    [Fact]
    public void Counts_are_kept_per_minute_and_drained()
    {
        var clock = new ManualClock(new DateTimeOffset(2026, 11, 22, 9, 0, 30, TimeSpan.Zero));
        _ = x.Xterm("LtMinutes");
        using var counter = new InputCounter(x.Display, clock);
        _ = x.Run("xdotool", "type", "--delay", "5", "abc");
        _ = Settle(counter, c => c.Keystrokes >= 3);
        clock.Now = clock.Now.AddMinutes(1);
        _ = x.Run("xdotool", "type", "--delay", "5", "de");
        _ = Settle(counter, c => c.Keystrokes >= 5);

        var drained = counter.DrainMinutes(new DateTimeOffset(2026, 11, 22, 9, 1, 0, TimeSpan.Zero));

        Assert.Equal([(new DateTimeOffset(2026, 11, 22, 9, 0, 0, TimeSpan.Zero), new InputCounts(3, 0, 0))], drained);
        Assert.Equal(new InputCounts(2, 0, 0), counter.Total);
    }

    [Fact]
    public void Only_counts_are_exposed()
    {
        // Privacy: an hour of activity is three numbers a minute, never which key or where. (The one bool is Lost:
        // whether the X server went away.)
        Assert.All(typeof(InputCounts).GetProperties(), p => Assert.Equal(typeof(int), p.PropertyType));
        var exposed = typeof(InputCounter).GetProperties().Select(p => p.PropertyType)
            .Concat(typeof(InputCounter).GetMethods().Where(m => m.DeclaringType == typeof(InputCounter)).Select(m => m.ReturnType));
        Assert.All(exposed, t => Assert.Contains(t, new[]
        {
            typeof(InputCounts), typeof(void), typeof(IReadOnlyList<(DateTimeOffset, InputCounts)>), typeof(bool),
        }));
        Assert.Equal(["Lost"], typeof(InputCounter).GetProperties().Where(p => p.PropertyType == typeof(bool)).Select(p => p.Name));
    }

    /// <summary>Waits until <paramref name="reached"/>, then a little longer so that extra (wrong) counts show.</summary>
    private static InputCounts Settle(InputCounter counter, Func<InputCounts, bool> reached)
    {
        var clock = Stopwatch.StartNew();
        while (!reached(counter.Total) && clock.ElapsedMilliseconds < 5000)
        {
            Thread.Sleep(20);
        }

        Thread.Sleep(300);
        return counter.Total;
    }

    private sealed class ManualClock(DateTimeOffset start) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = start;

        public override DateTimeOffset GetUtcNow() => Now;
    }
}
