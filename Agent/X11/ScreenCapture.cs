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
        var meter = new BlackMeter();
        fixed (byte* data = pixels)
        {
            meter.Add(data, 0, Height, Width, Width * 4);
        }

        return meter.IsBlack;
    }

    /// <summary>Whether an image is (near) uniformly black, from its rows a band at a time.</summary>
    internal sealed class BlackMeter
    {
        private double sum, sumSquares;
        private long n;

        public bool IsBlack
        {
            get
            {
                if (n == 0)
                {
                    return true;
                }

                var mean = sum / n;
                var variance = Math.Max(0, (sumSquares / n) - (mean * mean));
                return mean < BlackMeanLuma && Math.Sqrt(variance) < BlackLumaStdDev;
            }
        }

        public void Restart() => (sum, sumSquares, n) = (0, 0, 0);

        /// <summary>Rows <paramref name="top"/> onwards of B, G, R, X pixels, <paramref name="stride"/> bytes apart.</summary>
        public unsafe void Add(byte* band, int top, int rows, int width, int stride)
        {
            // Every 4th pixel of every 4th row of the image is plenty for a mean and a spread, and 16x cheaper.
            for (var y = top + ((4 - (top % 4)) % 4); y < top + rows; y += 4)
            {
                var row = band + ((long)(y - top) * stride);
                for (var x = 0; x < width; x += 4)
                {
                    var i = x * 4;
                    var luma = (0.114 * row[i]) + (0.587 * row[i + 1]) + (0.299 * row[i + 2]);
                    sum += luma;
                    sumSquares += luma * luma;
                    n++;
                }
            }
        }
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
        var scaler = new Scaler(Width, Height, longestSide);
        fixed (byte* data = pixels)
        {
            scaler.Add(data, 0, Height, Width * 4);
        }

        return scaler.Result();
    }

    /// <summary>
    /// Scales an image down with a box filter (each pixel the mean of the source pixels it covers), taking the source
    /// a band of rows at a time, so a screen can be scaled without ever holding all of it.
    /// </summary>
    internal sealed class Scaler
    {
        private readonly int width, height, w, h;
        private readonly byte[] result;
        private int next;

        public Scaler(int width, int height, int longestSide)
        {
            (this.width, this.height) = (width, height);
            var scale = Math.Min(1.0, (double)longestSide / Math.Max(width, height));
            w = Math.Max(1, (int)Math.Round(width * scale));
            h = Math.Max(1, (int)Math.Round(height * scale));
            result = new byte[w * h * 4];
        }

        // Output row ty is the mean of source rows [Top(ty), Bottom(ty)); as h <= height, Bottom(ty) == Top(ty + 1).
        private int Top(int ty) => (int)((long)ty * height / h);

        private int Bottom(int ty) => Math.Max(Top(ty) + 1, (int)((long)(ty + 1) * height / h));

        /// <summary>Source rows per band: <paramref name="wanted"/>, or more when one output row needs more.</summary>
        public int SourceRowsPerBand(int wanted) => Math.Max(wanted, (height + h - 1) / h);

        /// <summary>Bands of at most <paramref name="sourceRows"/> source rows that end where an output row ends.</summary>
        public IEnumerable<(int Top, int Rows)> Bands(int sourceRows)
        {
            for (var first = 0; first < h;)
            {
                var last = first;
                while (last + 1 < h && Bottom(last + 1) - Top(first) <= sourceRows)
                {
                    last++;
                }

                yield return (Top(first), Bottom(last) - Top(first));
                first = last + 1;
            }
        }

        /// <summary>Forgets what was added (a grab that starts over).</summary>
        public void Restart() => next = 0;

        /// <summary>
        /// Source rows <paramref name="top"/> onwards, B, G, R, X pixels <paramref name="stride"/> bytes apart; makes
        /// every output row whose source rows have all come.
        /// </summary>
        public unsafe void Add(byte* band, int top, int rows, int stride)
        {
            if (next < h && Top(next) < top)
            {
                throw new InvalidOperationException($"rows from {Top(next)} are missing: a band must start where the last ended");
            }

            for (; next < h && Bottom(next) <= top + rows; next++)
            {
                int ty = next, y0 = Top(ty), y1 = Bottom(ty);
                for (var tx = 0; tx < w; tx++)
                {
                    int x0 = (int)((long)tx * width / w), x1 = Math.Max(x0 + 1, (int)((long)(tx + 1) * width / w));
                    int b = 0, g = 0, r = 0;
                    for (var y = y0; y < y1; y++)
                    {
                        var row = band + ((long)(y - top) * stride);
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
        }

        public Frame Result() =>
            next == h ? new Frame(w, h, result) : throw new InvalidOperationException($"only {next} of {h} rows were made");
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
