namespace LiveTracker.Agent.X11;

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
