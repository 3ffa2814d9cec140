namespace LiveTracker.Agent.X11;

/// <summary>Time since the last keyboard or pointer input, as the X server's screen-saver extension counts it.</summary>
public sealed unsafe class IdleClock
{
    private readonly X11Display display;

    public IdleClock(X11Display display)
    {
        this.display = display;
        if (Xlib.XScreenSaverQueryExtension(display.Handle, out _, out _) == 0)
        {
            throw new X11UnavailableException($"The X server on {display.Name} lacks MIT-SCREEN-SAVER; idle time is unknown.");
        }
    }

    /// <exception cref="X11UnavailableException">The connection to the X server is lost.</exception>
    public TimeSpan Idle()
    {
        Xlib.XScreenSaverInfo info = default;
        if (Xlib.XScreenSaverQueryInfo(display.Handle, display.Root, &info) == 0)
        {
            display.ThrowIfLost();
            throw new InvalidOperationException("XScreenSaverQueryInfo failed");
        }

        return TimeSpan.FromMilliseconds(info.Idle);
    }
}
