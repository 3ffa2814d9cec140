using Xunit;
using LiveTracker.Agent.X11;

namespace LiveTracker.Agent.Tests;

public sealed class BareServerTests
{
    [Fact]
    public void A_black_empty_screen_is_flagged_and_the_focus_fallback_finds_a_window_without_a_window_manager()
    {
        using var x = XServer.Start(windowManager: false, blackRoot: true);
        using var display = X11Display.Open(x.Display);
        var capture = new ScreenCapture(display);
        Assert.True(capture.Grab().IsBlack());

        _ = x.StartClient("xterm", "-class", "LtBare", "-T", "bare", "-geometry", "40x10+0+0");
        var id = x.Run("xdotool", "search", "--sync", "--onlyvisible", "--class", "LtBare").Split('\n')[0].Trim();
        _ = x.Run("xdotool", "windowfocus", "--sync", id);

        var window = new ActiveWindow(display).Read();
        Assert.Equal(("LtBare", "bare"), (window?.App, window?.Title));
        Assert.False(capture.Grab().IsBlack());
    }

    [Fact]
    public void Missing_display_says_so_and_wayland_without_xwayland_says_capture_needs_x11()
    {
        var none = Assert.Throws<X11UnavailableException>(() => X11Display.Open(environment: _ => null));
        Assert.Contains("DISPLAY is not set", none.Message, StringComparison.Ordinal);

        var wayland = Assert.Throws<X11UnavailableException>(() => X11Display.Open(
            environment: name => name switch { "WAYLAND_DISPLAY" => "wayland-0", "XDG_SESSION_TYPE" => "wayland", _ => null }));
        Assert.Contains("XWayland", wayland.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Compound_text_titles_decode_latin1_and_utf8_segments()
    {
        byte[] text = [0xDC, .. "berblick "u8, 0x1B, (byte)'%', (byte)'G',
            .. "– ✓"u8, 0x1B, (byte)'%', (byte)'@', .. " na"u8, 0xEF, (byte)'v'];
        Assert.Equal("Überblick – ✓ naïv", CompoundText.Decode(text));
    }
}
