using LiveTracker.Agent.X11;

namespace LiveTracker.Agent.Tracking;

/// <summary>One screen capture as it will be stored and sent: the JPEG, its thumbnail and what was in front.</summary>
public sealed record Capture(byte[] Jpeg, byte[] Thumbnail, int Width, int Height, bool Black, string? AppName, string? WindowTitle);

/// <summary>
/// The X11 desktop as the tracker sees it: captures, idle time and per-minute input counts. Opens its own
/// connections (one for captures, window and idle, used under a lock; the input counter's two). Any X failure
/// surfaces as <see cref="X11UnavailableException"/>; the tracker then pauses and opens a new one later.
/// </summary>
public sealed class TrackedDesktop : IDisposable
{
    private readonly Lock gate = new();
    private readonly X11Display display;
    private readonly InputCounter input;
    private readonly ScreenCapture capture;
    private readonly ActiveWindow window;
    private readonly IdleClock idle;

    private TrackedDesktop(X11Display display, InputCounter input)
    {
        this.display = display;
        this.input = input;
        capture = new ScreenCapture(display);
        window = new ActiveWindow(display);
        idle = new IdleClock(display);
    }

    public string Name => display.Name;

    public static TrackedDesktop Open(TimeProvider clock, string? displayName = null)
    {
        var display = X11Display.Open(displayName);
        try
        {
            return new TrackedDesktop(display, new InputCounter(displayName ?? display.Name, clock));
        }
        catch
        {
            display.Dispose();
            throw;
        }
    }

    /// <summary>Grabs the screen now; scales it to <paramref name="maxWidth"/>, blurs it on request, encodes it.</summary>
    public Capture Grab(CaptureArea area, int quality, int maxWidth, bool blur)
    {
        lock (gate)
        {
            var info = window.Read();
            // Scaled straight from the X image: no full-size copy of the screen is made.
            var (frame, black) = capture.GrabScaled(area, maxWidth);
            if (blur)
            {
                frame = frame.Blurred();
            }

            var jpeg = frame.EncodeJpeg(quality);
            var thumbnail = frame.Thumbnail(320).EncodeJpeg(Math.Min(quality, 70));
            return new Capture(jpeg, thumbnail, frame.Width, frame.Height, black, info?.App, info?.Title);
        }
    }

    /// <summary>How long since the last keyboard or mouse input, by the X server's clock (real time).</summary>
    public TimeSpan Idle()
    {
        lock (gate)
        {
            return idle.Idle();
        }
    }

    /// <summary>Counts of the minutes that ended before <paramref name="before"/>, taken out of the counter.</summary>
    public IReadOnlyList<(DateTimeOffset Minute, InputCounts Counts)> DrainMinutes(DateTimeOffset before) => input.DrainMinutes(before);

    public void Dispose()
    {
        input.Dispose();
        display.Dispose();
    }
}
