using Xunit;
using System.Diagnostics;
using LiveTracker.Agent.X11;

namespace LiveTracker.Agent.Tests;

/// <summary>
/// The X server going away (the user logs out, Xvfb is killed) must not end the agent: by default Xlib prints
/// "X connection to :N broken" and calls exit(1), which would take the whole test host down with it.
/// </summary>
/// <remarks>In the desktop collection only so that no other test's input counter thread runs meanwhile.</remarks>
[Collection(DesktopCollection.Name)]
public sealed class LostServerTests
{
    private const string CounterThread = "X11 input count";  // Linux keeps 15 bytes of a thread's name

    [Fact]
    public void A_stopped_X_server_is_reported_as_lost_and_a_restarted_one_can_be_captured()
    {
        var x = XServer.Start(windowManager: false);
        var expected = $"Lost the connection to the X display {x.Display} (X server stopped or session ended).";
        try
        {
            // One connection per call that is first to meet the dead server, so each one's mid-call detection runs.
            using var forCapture = X11Display.Open(x.Display);
            using var forIdle = X11Display.Open(x.Display);
            using var forWindow = X11Display.Open(x.Display);
            var capture = new ScreenCapture(forCapture);
            var idle = new IdleClock(forIdle);
            var active = new ActiveWindow(forWindow);
            using var counter = new InputCounter(x.Display);
            Assert.Equal(1280, capture.Grab().Width);
            _ = idle.Idle();
            _ = active.Read();
            Assert.Equal(1, CountThreads(CounterThread));

            x.KillServer();

            // Reaching the asserts at all means the process survived the I/O errors.
            Assert.Equal(expected, Assert.Throws<X11UnavailableException>(() => capture.Grab()).Message);
            Assert.Equal(expected, Assert.Throws<X11UnavailableException>(() => idle.Idle()).Message);
            Assert.Equal(expected, Assert.Throws<X11UnavailableException>(() => active.Read()).Message);
            Assert.True(forCapture.Lost && forIdle.Lost && forWindow.Lost);

            // Once lost, every use fails the same way and at once, on any connection.
            Assert.Equal(expected, Assert.Throws<X11UnavailableException>(() => capture.Grab(CaptureArea.ActiveMonitor)).Message);
            Assert.Equal(expected, Assert.Throws<X11UnavailableException>(() => new ScreenCapture(forIdle).Grab()).Message);
            Assert.Equal(expected, Assert.Throws<X11UnavailableException>(() => new ActiveWindow(forCapture).Read()).Message);
            Assert.Equal(expected, Assert.Throws<X11UnavailableException>(() => new IdleClock(forWindow).Idle()).Message);

            // The counter notices by itself (its thread sees the socket hang up) and its thread ends instead of
            // spinning on the dead socket.
            x.WaitFor(() => counter.Lost, "the input counter to notice the lost server", 5_000);
            x.WaitFor(() => CountThreads(CounterThread) == 0, "the input counter's thread to end", 5_000);

            var clock = Stopwatch.StartNew();
            counter.Dispose();
            forCapture.Dispose();
            forIdle.Dispose();
            forWindow.Dispose();
            Assert.InRange(clock.ElapsedMilliseconds, 0, 2_000);
        }
        finally
        {
            x.Dispose();
        }

        // A new server (here: a new display number, as after logging in again) is captured as usual.
        using var restarted = XServer.Start(windowManager: false);
        using var display = X11Display.Open(restarted.Display);
        var capture2 = new ScreenCapture(display);
        _ = restarted.StartClient("xterm", "-bg", "red", "-geometry", "20x5+0+0");
        restarted.WaitFor(() => capture2.Grab().PixelAt(60, 40) == (255, 0, 0), "the red xterm to show in a capture");
        Assert.True(capture2.UsedSharedMemory);
        Assert.Equal((1280, 800), Jpeg.Size(capture2.Grab().EncodeJpeg(70)));
        Assert.InRange(new IdleClock(display).Idle().TotalMilliseconds, 0, 600_000);
        Assert.False(display.Lost);
    }

    [Fact]
    public void A_server_that_dies_unnoticed_is_found_lost_on_dispose_without_hanging()
    {
        var x = XServer.Start(windowManager: false);
        try
        {
            var display = X11Display.Open(x.Display);
            var counter = new InputCounter(x.Display);
            _ = new ScreenCapture(display).Grab();
            x.KillServer();

            // No call in between: closing meets the broken connection itself.
            var clock = Stopwatch.StartNew();
            display.Dispose();
            counter.Dispose();
            Assert.InRange(clock.ElapsedMilliseconds, 0, 2_000);
            Assert.Equal(0, CountThreads(CounterThread));
        }
        finally
        {
            x.Dispose();
        }
    }

    /// <summary>Threads of this process with the given name, as the kernel lists them.</summary>
    private static int CountThreads(string name) =>
        Directory.EnumerateDirectories("/proc/self/task")
            .Count(task => File.Exists(Path.Combine(task, "comm")) && SafeRead(Path.Combine(task, "comm")).Trim() == name);

    private static string SafeRead(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (IOException)
        {
            return "";  // the thread ended while listing
        }
    }
}
