namespace LiveTracker.Agent.X11;

/// <summary>What to capture.</summary>
public enum CaptureArea
{
    /// <summary>The whole root window (every monitor).</summary>
    WholeDesktop,

    /// <summary>The RandR monitor holding the centre of the active window; the whole desktop when unknown.</summary>
    ActiveMonitor,
}

/// <summary>
/// Grabs the screen through MIT-SHM (a shared segment the server writes into: ~0.3 ms for 1080p), falling back to
/// XGetImage (10–15 ms) when the server cannot attach our segment (remote display, separate IPC namespace).
/// Use from one thread; the display is not shared. <paramref name="useSharedMemory"/> false forces XGetImage.
/// </summary>
public sealed unsafe class ScreenCapture(X11Display display, bool useSharedMemory = true)
{
    private const int IpcPrivate = 0, IpcCreat = 0x200, IpcRmid = 0;

    private bool shmFailed = !useSharedMemory;

    /// <summary>Whether the last grab used shared memory (false after the XGetImage fallback).</summary>
    public bool UsedSharedMemory { get; private set; }

    // The screen is read in bands of at most this many rows: a 1920-wide band is 480 KB of shared memory, where the
    // whole 1080p screen at once was 8 MB, resident (and in the agent's peak memory) for every capture.
    private const int BandRows = 64;

    /// <exception cref="X11UnavailableException">The connection to the X server is lost.</exception>
    public Frame Grab(CaptureArea area = CaptureArea.WholeDesktop) => GrabScaled(area, 0).Frame;

    /// <summary>
    /// Grabs the screen, scaled down (box filter) so it is at most <paramref name="maxWidth"/> wide (0 keeps full
    /// size), and whether it is black. The screen is read and scaled a band of rows at a time: no full-size copy of
    /// it is ever in memory.
    /// </summary>
    /// <exception cref="X11UnavailableException">The connection to the X server is lost.</exception>
    public (Frame Frame, bool Black) GrabScaled(CaptureArea area, int maxWidth)
    {
        var (x, y, width, height) = Bounds(area);
        var longestSide = maxWidth > 0 && width > maxWidth ? (int)((long)Math.Max(width, height) * maxWidth / width) : Math.Max(width, height);
        var scaler = new Frame.Scaler(width, height, longestSide);
        var black = new Frame.BlackMeter();
        Read(x, y, width, height, scaler, black);
        return (scaler.Result(), black.IsBlack);
    }

    /// <summary>Reads the rectangle band by band, through shared memory when the server can attach our segment.</summary>
    private void Read(int x, int y, int width, int height, Frame.Scaler scaler, Frame.BlackMeter black)
    {
        var bandRows = scaler.SourceRowsPerBand(BandRows);
        if (!shmFailed && Xlib.XShmQueryExtension(display.Handle) != 0)
        {
            if (ReadShared(x, y, width, height, bandRows, scaler, black))
            {
                UsedSharedMemory = true;
                return;
            }

            // A server that died mid-grab is not a reason to give up shared memory for good.
            display.ThrowIfLost();
            shmFailed = true;
            scaler.Restart();
            black.Restart();
        }

        UsedSharedMemory = false;
        foreach (var (top, rows) in scaler.Bands(bandRows))
        {
            var image = Xlib.XGetImage(display.Handle, display.Root, x, y + top, (uint)width, (uint)rows, Xlib.AllPlanes, Xlib.ZPixmap);
            if (image is null)
            {
                display.ThrowIfLost();
                throw new InvalidOperationException($"XGetImage failed: {Describe(display.SyncAndTakeErrors())}");
            }

            try
            {
                Take(image, top, rows, scaler, black);
            }
            finally
            {
                _ = image->DestroyImage(image);
            }
        }
    }

    private static void Take(Xlib.XImage* image, int top, int rows, Frame.Scaler scaler, Frame.BlackMeter black)
    {
        CheckFormat(image);
        black.Add(image->Data, top, rows, image->Width, image->BytesPerLine);
        scaler.Add(image->Data, top, rows, image->BytesPerLine);
    }

    private (int X, int Y, int Width, int Height) Bounds(CaptureArea area)
    {
        var (width, height) = display.DesktopSize;
        if (area == CaptureArea.ActiveMonitor && new ActiveWindow(display).Read() is { Bounds: var window } && window.Width > 0)
        {
            var cx = window.X + (window.Width / 2);
            var cy = window.Y + (window.Height / 2);
            try
            {
                var monitors = Xlib.XRRGetMonitors(display.Handle, display.Root, 1, out var count);
                try
                {
                    for (var i = 0; i < count; i++)
                    {
                        var m = monitors[i];
                        if (cx >= m.X && cx < m.X + m.Width && cy >= m.Y && cy < m.Y + m.Height)
                        {
                            return (m.X, m.Y, m.Width, m.Height);
                        }
                    }
                }
                finally
                {
                    if (monitors is not null)
                    {
                        Xlib.XRRFreeMonitors(monitors);
                    }
                }
            }
            catch (DllNotFoundException)
            {
                // Without libXrandr the monitors are unknown; the whole desktop is the honest answer.
            }
        }

        return (0, 0, width, height);
    }

    private bool ReadShared(int x, int y, int width, int height, int bandRows, Frame.Scaler scaler, Frame.BlackMeter black)
    {
        var h = display.Handle;
        Xlib.XShmSegmentInfo info = default;
        var image = Xlib.XShmCreateImage(h, Xlib.XDefaultVisual(h, display.Screen), (uint)Xlib.XDefaultDepth(h, display.Screen),
            Xlib.ZPixmap, null, &info, (uint)width, (uint)bandRows);
        if (image is null)
        {
            return false;
        }

        info.ShmId = Xlib.shmget(IpcPrivate, (nuint)(image->BytesPerLine * bandRows), IpcCreat | 0x180);
        if (info.ShmId < 0)
        {
            _ = image->DestroyImage(image);
            return false;
        }

        info.ShmAddr = Xlib.shmat(info.ShmId, null, 0);
        var attached = false;
        try
        {
            if (info.ShmAddr == (byte*)-1)
            {
                return false;
            }

            image->Data = info.ShmAddr;
            // Attach is asynchronous: a remote server reports BadAccess only after a round trip. (On a connection
            // lost meanwhile, SyncAndTakeErrors throws; the finally below still releases the segment.)
            attached = Xlib.XShmAttach(h, &info) != 0 && display.SyncAndTakeErrors().Count == 0;
            if (!attached)
            {
                return false;
            }

            foreach (var (top, rows) in scaler.Bands(bandRows))
            {
                image->Height = rows;  // the last band may be shorter; the segment holds the longest
                if (Xlib.XShmGetImage(h, display.Root, image, x, y + top, Xlib.AllPlanes) == 0)
                {
                    return false;
                }

                Take(image, top, rows, scaler, black);
            }

            return true;
        }
        finally
        {
            if (attached && !display.Lost)
            {
                _ = Xlib.XShmDetach(h, &info);
                _ = Xlib.XSync(h, 0);
            }

            image->Data = null;  // the segment is not malloc'd; XDestroyImage must not free it
            _ = image->DestroyImage(image);
            if (info.ShmAddr != (byte*)-1 && info.ShmAddr != null)
            {
                _ = Xlib.shmdt(info.ShmAddr);
            }

            // Marked for removal right away, so a crash cannot leak the segment.
            _ = Xlib.shmctl(info.ShmId, IpcRmid, null);
        }
    }

    private static void CheckFormat(Xlib.XImage* image)
    {
        if (image->BitsPerPixel != 32 || image->ByteOrder != Xlib.LsbFirst || image->RedMask != 0xFF0000
            || image->GreenMask != 0xFF00 || image->BlueMask != 0xFF)
        {
            throw new NotSupportedException($"Unsupported X image format: {image->BitsPerPixel} bpp, byte order "
                + $"{image->ByteOrder}, masks {image->RedMask:X}/{image->GreenMask:X}/{image->BlueMask:X}; "
                + "the agent needs a 24/32-bit TrueColor screen.");
        }
    }

    private static string Describe(IReadOnlyList<X11Error> errors) =>
        errors.Count == 0 ? "no error reported" : string.Join(", ", errors.Select(e => $"error {e.ErrorCode} on request {e.RequestCode}"));
}
