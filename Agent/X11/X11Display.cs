using System.Collections.Concurrent;
using System.Runtime.InteropServices;

namespace LiveTracker.Agent.X11;

/// <summary>An X protocol error the server reported; recorded instead of letting Xlib exit the process.</summary>
public sealed record X11Error(byte ErrorCode, byte RequestCode, byte MinorCode, ulong ResourceId);

/// <summary>No usable X server: DISPLAY unset, unreachable, or a Wayland session without XWayland.</summary>
public sealed class X11UnavailableException(string message) : Exception(message);

/// <summary>
/// One connection to an X server. Xlib connections must not be shared between threads, so each worker
/// (capture, input counting) opens its own.
/// </summary>
/// <remarks>
/// When the server goes away (Xvfb killed, the user logs out) Xlib reports an I/O error, and by default exits the
/// process. Here the error only marks the connection <see cref="Lost"/>: every later use throws
/// <see cref="X11UnavailableException"/>, and the caller may <see cref="Open"/> a new connection once a server runs
/// again. This needs libX11 1.7 or later (<c>XSetIOErrorExitHandler</c>); with an older one the process still exits.
/// </remarks>
public sealed unsafe class X11Display : IDisposable
{
    private readonly ConcurrentQueue<X11Error> errors = new();
    private nint handle;
    private volatile bool lost;
    private int lostOnThread;

    private X11Display(nint handle, string name)
    {
        this.handle = handle;
        Name = name;
        Screen = Xlib.XDefaultScreen(handle);
        Root = Xlib.XRootWindow(handle, Screen);
    }

    public string Name { get; }

    internal int Screen { get; }

    internal nuint Root { get; }

    /// <summary>
    /// True once the connection broke (the X server stopped or the session ended). A lost display stays lost;
    /// open a new one to reconnect.
    /// </summary>
    public bool Lost => lost;

    /// <summary>The Xlib Display*; throws <see cref="X11UnavailableException"/> once the connection is lost.</summary>
    internal nint Handle => handle == 0 ? throw new ObjectDisposedException(nameof(X11Display))
        : lost ? throw LostException() : handle;

    /// <summary>
    /// Size of the whole desktop (the root window), in pixels, as it is now: asked of the server, because
    /// XDisplayWidth/Height keep the size the connection began with, and a monitor plugged in or out (RandR) changes
    /// it while the agent runs. A grab of the old size would fail or miss part of the screen.
    /// </summary>
    public (int Width, int Height) DesktopSize =>
        Xlib.XGetGeometry(Handle, Root, out _, out _, out _, out var width, out var height, out _, out _) != 0
            ? ((int)width, (int)height)
            : (Xlib.XDisplayWidth(Handle, Screen), Xlib.XDisplayHeight(Handle, Screen));

    /// <summary>Opens <paramref name="name"/>, or the DISPLAY of <paramref name="environment"/> (the process's by default).</summary>
    public static X11Display Open(string? name = null, Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        name ??= environment("DISPLAY");
        var wayland = !string.IsNullOrEmpty(environment("WAYLAND_DISPLAY"))
            || string.Equals(environment("XDG_SESSION_TYPE"), "wayland", StringComparison.OrdinalIgnoreCase);
        // Under Wayland a capture through anything but X11/XWayland returns black frames; refuse clearly instead
        // of billing black screenshots.
        const string WaylandHint = "This is a Wayland session without an X server: screen capture and activity counts "
            + "need X11 or XWayland (log in to an X11 session, or enable XWayland and set DISPLAY).";
        if (string.IsNullOrEmpty(name))
        {
            throw new X11UnavailableException(wayland ? WaylandHint
                : "DISPLAY is not set: the agent needs an X11 desktop session (or XWayland) to capture the screen.");
        }

        X11Process.Initialize();
        var display = Xlib.XOpenDisplay(name);
        if (display == 0)
        {
            throw new X11UnavailableException($"Cannot open X display '{name}'." + (wayland ? " " + WaylandHint : ""));
        }

        var opened = new X11Display(display, name);
        X11Process.Register(display, opened);
        return opened;
    }

    internal X11UnavailableException LostException() =>
        new($"Lost the connection to the X display {Name} (X server stopped or session ended).");

    internal void ThrowIfLost()
    {
        if (lost)
        {
            throw LostException();
        }
    }

    /// <summary>Called from Xlib's I/O error handlers, on the thread whose call hit the broken connection.</summary>
    internal void MarkLost()
    {
        if (!lost)
        {
            lostOnThread = Environment.CurrentManagedThreadId;
            lost = true;
        }
    }

    internal void Enqueue(X11Error error) => errors.Enqueue(error);

    /// <summary>Round-trips to the server and returns the errors reported since the last call.</summary>
    public IReadOnlyList<X11Error> SyncAndTakeErrors()
    {
        _ = Xlib.XSync(Handle, 0);
        var taken = new List<X11Error>();
        while (errors.TryDequeue(out var error))
        {
            taken.Add(error);
        }

        return taken;
    }

    /// <summary>
    /// Closes the connection. A lost connection is closed only on the thread that saw it break, and otherwise
    /// leaked (its Display struct and socket, once per lost server): libX11's _XIOError takes the display's user
    /// lock for that thread and never releases it, so XCloseDisplay from any other thread would wait for that lock
    /// forever.
    /// </summary>
    public void Dispose()
    {
        var h = Interlocked.Exchange(ref handle, 0);
        if (h == 0)
        {
            return;
        }

        // Closing a live connection flushes and syncs; if the server died unnoticed, that I/O error happens here,
        // on this thread, and XCloseDisplay carries on (Xlib skips further I/O once the display is marked broken).
        if (!lost || lostOnThread == Environment.CurrentManagedThreadId)
        {
            _ = Xlib.XCloseDisplay(h);
        }

        X11Process.Unregister(h);
    }
}

/// <summary>
/// Process-wide Xlib set-up. XInitThreads must run once before any other Xlib call, and the error handlers are one
/// per process, so they route each error to the connection it came from. This is the only static mutable state
/// in the agent's X11 layer.
/// </summary>
internal static unsafe class X11Process
{
    private static readonly ConcurrentDictionary<nint, X11Display> Displays = new();
    private static readonly Lock Gate = new();
    private static bool initialized;

    /// <summary>False on libX11 older than 1.7, where a lost X server still ends the process.</summary>
    internal static bool SurvivesLostServer { get; private set; } = true;

    internal static void Initialize()
    {
        lock (Gate)
        {
            if (initialized)
            {
                return;
            }

            _ = Xlib.XInitThreads();
            _ = Xlib.XSetErrorHandler(&OnError);
            // The default I/O error handler prints a message and calls exit(1) itself, so it must be replaced too;
            // returning from ours leads Xlib on to the per-display exit handler (set in Register).
            _ = Xlib.XSetIOErrorHandler(&OnIOError);
            initialized = true;
        }
    }

    internal static void Register(nint display, X11Display connection)
    {
        Displays[display] = connection;
        try
        {
            // The exit handler runs after the I/O error handler; the default one calls exit(1). When ours returns,
            // Xlib marks the Display broken and the failing call returns an error status.
            _ = Xlib.XSetIOErrorExitHandler(display, &OnIOErrorExit, 0);
        }
        catch (EntryPointNotFoundException)
        {
            SurvivesLostServer = false;
        }
    }

    internal static void Unregister(nint display) => Displays.TryRemove(display, out _);

    [UnmanagedCallersOnly]
    private static int OnError(nint display, Xlib.XErrorEvent* error)
    {
        if (Displays.TryGetValue(display, out var connection))
        {
            connection.Enqueue(new X11Error(error->ErrorCode, error->RequestCode, error->MinorCode, error->ResourceId));
        }

        return 0;
    }

    [UnmanagedCallersOnly]
    private static int OnIOError(nint display)
    {
        if (Displays.TryGetValue(display, out var connection))
        {
            connection.MarkLost();
        }

        return 0;
    }

    [UnmanagedCallersOnly]
    private static void OnIOErrorExit(nint display, nint userData)
    {
        if (Displays.TryGetValue(display, out var connection))
        {
            connection.MarkLost();
        }
    }
}
