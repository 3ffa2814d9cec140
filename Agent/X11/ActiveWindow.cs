using System.Text;

namespace LiveTracker.Agent.X11;

/// <summary>The focused application: WM_CLASS class part, title, and its bounds in root coordinates.</summary>
public sealed record WindowInfo(string App, string Title, (int X, int Y, int Width, int Height) Bounds);

/// <summary>
/// Reads the active window: _NET_ACTIVE_WINDOW when an EWMH window manager runs, else the input focus walked up
/// to the nearest window carrying WM_CLASS (the focus is often a child or a frame).
/// </summary>
public sealed unsafe class ActiveWindow(X11Display display)
{
    /// <summary>The active window, or null when none (or it vanished while being read).</summary>
    /// <exception cref="X11UnavailableException">The connection to the X server is lost.</exception>
    /// <remarks>
    /// Once the connection breaks mid-read, the remaining Xlib calls fail fast (some leave their outputs unset,
    /// so the values read are garbage); the closing SyncAndTakeErrors throws before any of it is returned.
    /// </remarks>
    public WindowInfo? Read()
    {
        var h = display.Handle;
        var window = EwmhActive(h);
        if (window == 0)
        {
            _ = Xlib.XGetInputFocus(h, out window, out _);
            window = window <= 1 ? 0 : WithClass(h, window);  // None = 0, PointerRoot = 1
        }

        if (window == 0 || window == display.Root)
        {
            _ = display.SyncAndTakeErrors();
            return null;
        }

        var app = ClassOf(h, window) ?? "";
        var title = Property(h, window, "_NET_WM_NAME") ?? Property(h, window, "WM_NAME") ?? "";
        var bounds = (0, 0, 0, 0);
        if (Xlib.XGetGeometry(h, window, out _, out _, out _, out var width, out var height, out _, out _) != 0
            && Xlib.XTranslateCoordinates(h, window, display.Root, 0, 0, out var x, out var y, out _) != 0)
        {
            bounds = (x, y, (int)width, (int)height);
        }

        // A window that vanished between the calls yields BadWindow; the error handler recorded it, drop it.
        return display.SyncAndTakeErrors().Count == 0 ? new WindowInfo(app, title, bounds) : null;
    }

    private nuint EwmhActive(nint h)
    {
        var atom = Xlib.XInternAtom(h, "_NET_ACTIVE_WINDOW", 1);
        if (atom == 0)
        {
            return 0;
        }

        if (Xlib.XGetWindowProperty(h, display.Root, atom, 0, 1, 0, 33 /* XA_WINDOW */, out _, out var format, out var items,
                out _, out var data) != 0 || data is null)
        {
            return 0;
        }

        try
        {
            // Format-32 items are C longs: 8 bytes each on LP64.
            return format == 32 && items == 1 ? *(nuint*)data : 0;
        }
        finally
        {
            _ = Xlib.XFree(data);
        }
    }

    private static nuint WithClass(nint h, nuint window)
    {
        for (var depth = 0; window != 0 && depth < 32; depth++)
        {
            if (ClassOf(h, window) is not null)
            {
                return window;
            }

            if (Xlib.XQueryTree(h, window, out var root, out var parent, out var children, out _) == 0)
            {
                return 0;
            }

            if (children is not null)
            {
                _ = Xlib.XFree(children);
            }

            if (parent == root)
            {
                return window;
            }

            window = parent;
        }

        return window;
    }

    private static string? ClassOf(nint h, nuint window)
    {
        if (Xlib.XGetClassHint(h, window, out var hint) == 0)
        {
            return null;
        }

        var result = hint.ResClass is null ? null : new string((sbyte*)hint.ResClass);
        if (hint.ResName is not null)
        {
            _ = Xlib.XFree(hint.ResName);
        }

        if (hint.ResClass is not null)
        {
            _ = Xlib.XFree(hint.ResClass);
        }

        return result;
    }

    private static string? Property(nint h, nuint window, string name)
    {
        var atom = Xlib.XInternAtom(h, name, 1);
        if (atom == 0)
        {
            return null;
        }

        if (Xlib.XGetWindowProperty(h, window, atom, 0, 1024, 0, Xlib.AnyPropertyType, out var type, out var format,
                out var items, out _, out var data) != 0 || data is null)
        {
            return null;
        }

        try
        {
            if (format != 8)
            {
                return null;
            }

            var bytes = new ReadOnlySpan<byte>(data, (int)items);
            var utf8 = Xlib.XInternAtom(h, "UTF8_STRING", 1);
            var compound = Xlib.XInternAtom(h, "COMPOUND_TEXT", 1);
            // STRING (31) is ISO-8859-1 by definition. xterm and other Xt clients set only WM_NAME, as
            // COMPOUND_TEXT, for any title that is not Latin-1.
            return type == utf8 && utf8 != 0 ? Encoding.UTF8.GetString(bytes)
                : type == compound && compound != 0 ? CompoundText.Decode(bytes)
                : Encoding.Latin1.GetString(bytes);
        }
        finally
        {
            _ = Xlib.XFree(data);
        }
    }
}

/// <summary>
/// A locale-independent reader for the COMPOUND_TEXT (ISO 2022) that Xlib writes: Latin-1 by default and
/// "ESC % G ... ESC % @" segments of UTF-8 for everything else. Xutf8TextPropertyToTextList would depend on the
/// process's C locale (which .NET leaves at "C"), so it is not used. Other character sets (legacy CJK
/// encodings) come out as U+FFFD.
/// </summary>
internal static class CompoundText
{
    private const byte Esc = 0x1B;

    internal static string Decode(ReadOnlySpan<byte> text)
    {
        var result = new StringBuilder(text.Length);
        var other = false;
        var i = 0;
        while (i < text.Length)
        {
            if (text[i] != Esc)
            {
                var run = text[i..];
                var end = run.IndexOf(Esc);
                run = end < 0 ? run : run[..end];
                _ = other ? result.Append('\uFFFD', run.Length) : result.Append(Encoding.Latin1.GetString(run));
                i += run.Length;
                continue;
            }

            // ESC, intermediate bytes 0x20–0x2F, one final byte 0x30–0x7E.
            var start = ++i;
            while (i < text.Length && text[i] is >= 0x20 and <= 0x2F)
            {
                i++;
            }

            var sequence = text[start..Math.Min(i + 1, text.Length)];
            i++;
            if (sequence.SequenceEqual("%G"u8))
            {
                var rest = text[Math.Min(i, text.Length)..];
                var end = rest.IndexOf("\u001b%@"u8);
                var segment = end < 0 ? rest : rest[..end];
                _ = result.Append(Encoding.UTF8.GetString(segment));
                i += segment.Length + (end < 0 ? 0 : 3);
            }
            else
            {
                // ESC ( B (ASCII) and ESC - A (Latin-1 upper half) are the defaults; anything else is unsupported.
                other = !(sequence.SequenceEqual("(B"u8) || sequence.SequenceEqual("-A"u8));
            }
        }

        return result.ToString();
    }
}
