using Xunit;
using LiveTracker.Agent.X11;

namespace LiveTracker.Agent.Tests;

[Collection(DesktopCollection.Name)]
public sealed class DesktopTests(DesktopFixture desktop)
{
    private readonly XServer x = desktop.X;

    [Fact]
    public void Idle_time_grows_without_input_and_resets_on_input()
    {
        using var display = X11Display.Open(x.Display);
        var idle = new IdleClock(display);
        _ = x.Run("xdotool", "mousemove_relative", "--", "3", "3");
        Thread.Sleep(800);
        var before = idle.Idle();
        Assert.InRange(before.TotalMilliseconds, 700, 60_000);

        _ = x.Run("xdotool", "mousemove_relative", "--", "-3", "-3");
        Assert.InRange(idle.Idle().TotalMilliseconds, 0, 500);

        _ = x.Run("xdotool", "key", "shift");
        Thread.Sleep(300);
        Assert.InRange(idle.Idle().TotalMilliseconds, 250, 2_000);
    }

    [Fact]
    public void Active_window_app_and_non_ascii_title_are_read()
    {
        using var display = X11Display.Open(x.Display);
        var active = new ActiveWindow(display);
        _ = x.Xterm("LtPlain", "-T", "plain title");
        x.WaitFor(() => active.Read()?.App == "LtPlain", "the plain xterm to be active");
        Assert.Equal("plain title", active.Read()!.Title);

        _ = x.Xterm("LtUnicode", "-T", "Überblick – naïve ✓");
        x.WaitFor(() => active.Read()?.App == "LtUnicode", "the second xterm to be active");
        Assert.Equal("Überblick – naïve ✓", active.Read()!.Title);
    }

    [Fact]
    public void Capture_encodes_a_full_size_jpeg_and_a_320_thumbnail()
    {
        using var display = X11Display.Open(x.Display);
        // Xvfb's bare root is a one-pixel weave whose every 4th pixel (what the black check samples) is black.
        _ = x.Xterm("LtCapture", "-bg", "white", "-geometry", "40x10+300+300");
        var capture = new ScreenCapture(display);
        var frame = capture.Grab();
        Assert.True(capture.UsedSharedMemory);
        Assert.Equal((1280, 800), Jpeg.Size(frame.EncodeJpeg(70)));

        var thumbnail = frame.Thumbnail();
        Assert.Equal((320, 200), (thumbnail.Width, thumbnail.Height));
        Assert.Equal((320, 200), Jpeg.Size(thumbnail.EncodeJpeg(70)));
        Assert.False(frame.IsBlack());

        var monitor = capture.Grab(CaptureArea.ActiveMonitor);
        Assert.Equal((1280, 800), (monitor.Width, monitor.Height));
    }

    [Fact]
    public void The_XGetImage_fallback_captures_the_same_pixels_as_shared_memory()
    {
        using var display = X11Display.Open(x.Display);
        _ = x.Xterm("LtStill", "-bg", "blue", "-geometry", "30x8+600+400");
        var fallback = new ScreenCapture(display, useSharedMemory: false);
        var shared = new ScreenCapture(display);

        // The xterm's cursor blinks, so compare two grabs taken back to back and allow one retry.
        var same = false;
        for (var attempt = 0; attempt < 3 && !same; attempt++)
        {
            var a = shared.Grab();
            var b = fallback.Grab();
            same = a.Pixels.Span.SequenceEqual(b.Pixels.Span);
        }

        Assert.True(shared.UsedSharedMemory);
        Assert.False(fallback.UsedSharedMemory);
        Assert.True(same);
    }

    [Fact]
    public void A_scaled_grab_read_in_bands_equals_the_whole_screen_scaled_at_once()
    {
        using var display = X11Display.Open(x.Display);
        _ = x.Xterm("LtBands", "-bg", "darkgreen", "-geometry", "60x20+100+100");
        foreach (var capture in new[] { new ScreenCapture(display), new ScreenCapture(display, useSharedMemory: false) })
        {
            // The xterm's cursor blinks, so compare two grabs taken back to back and allow retries.
            var same = false;
            for (var attempt = 0; attempt < 3 && !same; attempt++)
            {
                var (scaled, black) = capture.GrabScaled(CaptureArea.WholeDesktop, 1000);
                var whole = capture.Grab();
                Assert.Equal((1000, 625), (scaled.Width, scaled.Height));
                Assert.False(black);
                same = scaled.Pixels.Span.SequenceEqual(whole.Thumbnail(1000).Pixels.Span);
            }

            Assert.True(same);
        }
    }

    [Fact]
    public void A_red_window_shows_red_in_its_region()
    {
        using var display = X11Display.Open(x.Display);
        var active = new ActiveWindow(display);
        _ = x.Xterm("LtRed", "-bg", "red", "-geometry", "40x10+200+150");
        x.WaitFor(() => active.Read()?.App == "LtRed", "the red xterm to be active");
        var (left, top, width, height) = active.Read()!.Bounds;

        var frame = new ScreenCapture(display).Grab();

        // The lower right quarter holds no text or cursor, only the background.
        for (var y = top + (height / 2); y < top + height - 4; y += 5)
        {
            for (var px = left + (width / 2); px < left + width - 4; px += 5)
            {
                Assert.Equal(((byte)255, (byte)0, (byte)0), frame.PixelAt(px, y));
            }
        }

        var thumb = frame.Thumbnail();
        var (r, g, b) = thumb.PixelAt((left + (width * 3 / 4)) / 4, (top + (height * 3 / 4)) / 4);
        Assert.True(r > 240 && g < 16 && b < 16, $"thumbnail pixel {r},{g},{b}");
    }

    [Fact]
    public void X_errors_are_recorded_instead_of_exiting()
    {
        using var display = X11Display.Open(x.Display);
        _ = x.Run("xdotool", "getactivewindow");
        unsafe
        {
            _ = Xlib.XGetGeometry(display.Handle, 0x3FFFFFF, out _, out _, out _, out _, out _, out _, out _);
        }

        var errors = display.SyncAndTakeErrors();
        Assert.Contains(errors, e => e.ErrorCode is 9 /* BadDrawable */ or 3 /* BadWindow */);
        Assert.Empty(display.SyncAndTakeErrors());
    }
}
