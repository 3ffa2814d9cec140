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
public sealed unsafe class X11Display : IDisposable
{
    private readonly ConcurrentQueue<X11Error> errors = new();
    private nint handle;

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

    internal nint Handle => handle != 0 ? handle : throw new ObjectDisposedException(nameof(X11Display));

    /// <summary>Size of the whole desktop (the root window), in pixels.</summary>
    public (int Width, int Height) DesktopSize => (Xlib.XDisplayWidth(Handle, Screen), Xlib.XDisplayHeight(Handle, Screen));

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
        X11Process.Register(display, opened.errors);
        return opened;
    }

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

    public void Dispose()
    {
        var h = Interlocked.Exchange(ref handle, 0);
        if (h != 0)
        {
            _ = Xlib.XCloseDisplay(h);
            X11Process.Unregister(h);
        }
    }
}

/// <summary>
/// Process-wide Xlib set-up. XInitThreads must run once before any other Xlib call, and the error handler is one
/// per process, so it routes each error to the queue of the connection it came from. This is the only static
/// mutable state in the agent's X11 layer.
/// </summary>
internal static unsafe class X11Process
{
    private static readonly ConcurrentDictionary<nint, ConcurrentQueue<X11Error>> Sinks = new();
    private static readonly Lock Gate = new();
    private static bool initialized;

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
            initialized = true;
        }
    }

    internal static void Register(nint display, ConcurrentQueue<X11Error> sink) => Sinks[display] = sink;

    internal static void Unregister(nint display) => Sinks.TryRemove(display, out _);

    [UnmanagedCallersOnly]
    private static int OnError(nint display, Xlib.XErrorEvent* error)
    {
        if (Sinks.TryGetValue(display, out var sink))
        {
            sink.Enqueue(new X11Error(error->ErrorCode, error->RequestCode, error->MinorCode, error->ResourceId));
        }

        return 0;
    }
}
