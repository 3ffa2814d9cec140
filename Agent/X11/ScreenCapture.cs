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

    /// <exception cref="X11UnavailableException">The connection to the X server is lost.</exception>
    public Frame Grab(CaptureArea area = CaptureArea.WholeDesktop) => Grab(area, image => Copy((Xlib.XImage*)image));

    /// <summary>
    /// Grabs the screen and makes the frame to encode straight from the X image: scaled down (box filter) so it is at
    /// most <paramref name="maxWidth"/> wide (0 keeps full size), and whether the full image is black. No full-size
    /// copy is made: at 1920x1080 that is 8 MB less per capture than <see cref="Grab(CaptureArea)"/> and a scale.
    /// </summary>
    public (Frame Frame, bool Black) GrabScaled(CaptureArea area, int maxWidth) => Grab(area, pointer =>
    {
        var image = (Xlib.XImage*)pointer;
        CheckFormat(image);
        var (width, height, stride) = (image->Width, image->Height, image->BytesPerLine);
        var black = Frame.IsBlack(image->Data, width, height, stride);
        var frame = maxWidth > 0 && width > maxWidth
            ? Frame.Scale(image->Data, width, height, stride, (int)((long)Math.Max(width, height) * maxWidth / width))
            : Copy(image);
        return (frame, black);
    });

    /// <summary>Grabs into an X image and hands it to <paramref name="make"/> while it is still mapped.</summary>
    private T Grab<T>(CaptureArea area, Func<nint, T> make)
    {
        var (x, y, width, height) = Bounds(area);
        if (!shmFailed && Xlib.XShmQueryExtension(display.Handle) != 0)
        {
            var (grabbed, made) = GrabShared(x, y, width, height, make);
            if (grabbed)
            {
                UsedSharedMemory = true;
                return made!;
            }

            // A server that died mid-grab is not a reason to give up shared memory for good.
            display.ThrowIfLost();
            shmFailed = true;
        }

        UsedSharedMemory = false;
        var image = Xlib.XGetImage(display.Handle, display.Root, x, y, (uint)width, (uint)height, Xlib.AllPlanes, Xlib.ZPixmap);
        if (image is null)
        {
            display.ThrowIfLost();
            throw new InvalidOperationException($"XGetImage failed: {Describe(display.SyncAndTakeErrors())}");
        }

        try
        {
            return make((nint)image);
        }
        finally
        {
            _ = image->DestroyImage(image);
        }
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

    private (bool Grabbed, T? Made) GrabShared<T>(int x, int y, int width, int height, Func<nint, T> make)
    {
        var h = display.Handle;
        Xlib.XShmSegmentInfo info = default;
        var image = Xlib.XShmCreateImage(h, Xlib.XDefaultVisual(h, display.Screen), (uint)Xlib.XDefaultDepth(h, display.Screen),
            Xlib.ZPixmap, null, &info, (uint)width, (uint)height);
        if (image is null)
        {
            return default;
        }

        info.ShmId = Xlib.shmget(IpcPrivate, (nuint)(image->BytesPerLine * height), IpcCreat | 0x180);
        if (info.ShmId < 0)
        {
            _ = image->DestroyImage(image);
            return default;
        }

        info.ShmAddr = Xlib.shmat(info.ShmId, null, 0);
        var attached = false;
        try
        {
            if (info.ShmAddr == (byte*)-1)
            {
                return default;
            }

            image->Data = info.ShmAddr;
            // Attach is asynchronous: a remote server reports BadAccess only after a round trip. (On a connection
            // lost meanwhile, SyncAndTakeErrors throws; the finally below still releases the segment.)
            attached = Xlib.XShmAttach(h, &info) != 0 && display.SyncAndTakeErrors().Count == 0;
            if (!attached || Xlib.XShmGetImage(h, display.Root, image, x, y, Xlib.AllPlanes) == 0)
            {
                return default;
            }

            return (true, make((nint)image));
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

    /// <summary>Copies a 32-bit LSB-first 0xRRGGBB image; in memory that is B, G, R, X, i.e. TJPF_BGRX.</summary>
    private static Frame Copy(Xlib.XImage* image)
    {
        CheckFormat(image);
        var width = image->Width;
        var height = image->Height;
        var pixels = new byte[width * height * 4];
        fixed (byte* dst = pixels)
        {
            for (var row = 0; row < height; row++)
            {
                Buffer.MemoryCopy(image->Data + ((long)row * image->BytesPerLine), dst + ((long)row * width * 4), width * 4L, width * 4L);
            }
        }

        return new Frame(width, height, pixels);
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

/// <summary>A captured image, 4 bytes per pixel in B, G, R, X order, rows packed.</summary>
public sealed class Frame(int width, int height, byte[] pixels)
{
    // A locked or blanked screen captures as (near) uniform black; a dark themed desktop still has text, so
    // both the mean and the spread must be tiny.
    private const double BlackMeanLuma = 16, BlackLumaStdDev = 4;

    public int Width { get; } = width;

    public int Height { get; } = height;

    public ReadOnlyMemory<byte> Pixels => pixels;

    public (byte R, byte G, byte B) PixelAt(int x, int y)
    {
        var i = ((y * Width) + x) * 4;
        return (pixels[i + 2], pixels[i + 1], pixels[i]);
    }

    /// <summary>True when the frame is (near) uniformly black: a locked, blanked or otherwise empty screen.</summary>
    public unsafe bool IsBlack()
    {
        fixed (byte* data = pixels)
        {
            return IsBlack(data, Width, Height, Width * 4);
        }
    }

    /// <summary><see cref="IsBlack()"/> of an image of B, G, R, X pixels whose rows are <paramref name="stride"/> bytes apart.</summary>
    internal static unsafe bool IsBlack(byte* data, int width, int height, int stride)
    {
        // Every 4th pixel of every 4th row is plenty for a mean and a spread, and 16x cheaper.
        double sum = 0, sumSquares = 0;
        long n = 0;
        for (var y = 0; y < height; y += 4)
        {
            var row = data + ((long)y * stride);
            for (var x = 0; x < width; x += 4)
            {
                var i = x * 4;
                var luma = (0.114 * row[i]) + (0.587 * row[i + 1]) + (0.299 * row[i + 2]);
                sum += luma;
                sumSquares += luma * luma;
                n++;
            }
        }

        if (n == 0)
        {
            return true;
        }

        var mean = sum / n;
        var variance = Math.Max(0, (sumSquares / n) - (mean * mean));
        return mean < BlackMeanLuma && Math.Sqrt(variance) < BlackLumaStdDev;
    }

    /// <summary>
    /// A copy of the same size blurred so strongly that text is unreadable (see <see cref="Blur"/>), for members
    /// who capture blurred screenshots. It has its own pixels; <see cref="Thumbnail"/> and <see cref="EncodeJpeg"/>
    /// work on it as on the sharp frame.
    /// </summary>
    public Frame Blurred() => new(Width, Height, Blur.Apply(pixels, Width, Height));

    /// <summary>A box-filtered copy whose longest side is <paramref name="longestSide"/> (never enlarged).</summary>
    public unsafe Frame Thumbnail(int longestSide = 320)
    {
        fixed (byte* data = pixels)
        {
            return Scale(data, Width, Height, Width * 4, longestSide);
        }
    }

    /// <summary><see cref="Thumbnail"/> of an image of B, G, R, X pixels whose rows are <paramref name="stride"/> bytes apart.</summary>
    internal static unsafe Frame Scale(byte* data, int width, int height, int stride, int longestSide)
    {
        var scale = Math.Min(1.0, (double)longestSide / Math.Max(width, height));
        var w = Math.Max(1, (int)Math.Round(width * scale));
        var h = Math.Max(1, (int)Math.Round(height * scale));
        var result = new byte[w * h * 4];
        for (var ty = 0; ty < h; ty++)
        {
            int y0 = ty * height / h, y1 = Math.Max(y0 + 1, (ty + 1) * height / h);
            for (var tx = 0; tx < w; tx++)
            {
                int x0 = tx * width / w, x1 = Math.Max(x0 + 1, (tx + 1) * width / w);
                int b = 0, g = 0, r = 0;
                for (var y = y0; y < y1; y++)
                {
                    var row = data + ((long)y * stride);
                    for (var x = x0; x < x1; x++)
                    {
                        var i = x * 4;
                        b += row[i];
                        g += row[i + 1];
                        r += row[i + 2];
                    }
                }

                var count = (y1 - y0) * (x1 - x0);
                var o = ((ty * w) + tx) * 4;
                result[o] = (byte)(b / count);
                result[o + 1] = (byte)(g / count);
                result[o + 2] = (byte)(r / count);
                result[o + 3] = 255;
            }
        }

        return new Frame(w, h, result);
    }

    /// <summary>Encodes as a baseline 4:2:0 JPEG at <paramref name="quality"/> (1–100).</summary>
    public unsafe byte[] EncodeJpeg(int quality)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(quality, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(quality, 100);
        // A tjhandle is not thread-safe and cheap to create, so each encode gets its own.
        var handle = TurboJpeg.tjInitCompress();
        if (handle == 0)
        {
            throw new InvalidOperationException("tjInitCompress failed");
        }

        byte* jpeg = null;
        try
        {
            var size = new System.Runtime.InteropServices.CULong(0);
            fixed (byte* src = pixels)
            {
                if (TurboJpeg.tjCompress2(handle, src, Width, Width * 4, Height, TurboJpeg.PixelFormatBgrx, ref jpeg, ref size,
                        TurboJpeg.Subsampling420, quality, TurboJpeg.FlagProgressive) != 0)
                {
                    throw new InvalidOperationException("JPEG encoding failed: "
                        + System.Runtime.InteropServices.Marshal.PtrToStringUTF8((nint)TurboJpeg.tjGetErrorStr2(handle)));
                }
            }

            return new ReadOnlySpan<byte>(jpeg, checked((int)size.Value)).ToArray();
        }
        finally
        {
            if (jpeg is not null)
            {
                TurboJpeg.tjFree(jpeg);
            }

            _ = TurboJpeg.tjDestroy(handle);
        }
    }
}
