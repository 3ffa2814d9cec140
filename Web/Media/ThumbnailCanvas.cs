namespace LiveTracker.Web.Media;

/// <summary>
/// Box-downscales whatever a decoder streams into it to at most <c>maxSide</c> on the longest side, aspect kept:
/// each source pixel is added to the target cell it falls in and each cell is the mean of its pixels. Alpha is
/// composited over white first, the way a browser shows a transparent screenshot on a white page. Rows may arrive
/// in any order (Adam7), because only the target grid is kept.
/// </summary>
internal sealed class ThumbnailCanvas(int maxSide) : IPixelSink
{
    private int _sourceWidth;
    private int _sourceHeight;
    private int[] _xCell = [];
    private int[] _sums = [];
    private int[] _counts = [];

    public int Width { get; private set; }

    public int Height { get; private set; }

    /// <summary>The target size for a source: unchanged when it already fits (never upscaled).</summary>
    public static (int Width, int Height) Fit(int width, int height, int maxSide)
    {
        var longSide = Math.Max(width, height);
        if (longSide <= maxSide)
        {
            return (width, height);
        }

        return (Math.Max(1, (int)Math.Round((double)width * maxSide / longSide)),
            Math.Max(1, (int)Math.Round((double)height * maxSide / longSide)));
    }

    public void Begin(int width, int height)
    {
        (_sourceWidth, _sourceHeight) = (width, height);
        (Width, Height) = Fit(width, height, maxSide);
        _xCell = new int[width];
        for (var x = 0; x < width; x++)
        {
            _xCell[x] = (int)((long)x * Width / width);
        }

        _sums = new int[Width * Height * 3];
        _counts = new int[Width * Height];
    }

    public void RgbaRow(int y, int x0, int dx, ReadOnlySpan<byte> rgba)
    {
        var rowBase = (int)((long)y * Height / _sourceHeight) * Width;
        for (int i = 0, x = x0; i + 3 < rgba.Length && x < _sourceWidth; i += 4, x += dx)
        {
            var alpha = rgba[i + 3];
            var cell = rowBase + _xCell[x];
            if (alpha == 255)
            {
                _sums[cell * 3] += rgba[i];
                _sums[cell * 3 + 1] += rgba[i + 1];
                _sums[cell * 3 + 2] += rgba[i + 2];
                _counts[cell]++;
                continue;
            }

            var white = 255 * (255 - alpha);
            _sums[cell * 3] += (rgba[i] * alpha + white + 127) / 255;
            _sums[cell * 3 + 1] += (rgba[i + 1] * alpha + white + 127) / 255;
            _sums[cell * 3 + 2] += (rgba[i + 2] * alpha + white + 127) / 255;
            _counts[cell]++;
        }
    }

    public void RgbRow(int y, ReadOnlySpan<byte> rgb)
    {
        var rowBase = (int)((long)y * Height / _sourceHeight) * Width;
        for (int i = 0, x = 0; i + 2 < rgb.Length && x < _sourceWidth; i += 3, x++)
        {
            var cell = rowBase + _xCell[x];
            _sums[cell * 3] += rgb[i];
            _sums[cell * 3 + 1] += rgb[i + 1];
            _sums[cell * 3 + 2] += rgb[i + 2];
            _counts[cell]++;
        }
    }

    /// <summary>The averaged target pixels, packed RGB.</summary>
    public byte[] ToRgb()
    {
        var rgb = new byte[Width * Height * 3];
        for (var cell = 0; cell < _counts.Length; cell++)
        {
            var count = _counts[cell];
            for (var c = 0; c < 3; c++)
            {
                rgb[cell * 3 + c] = count == 0 ? (byte)255 : (byte)((_sums[cell * 3 + c] + count / 2) / count);
            }
        }

        return rgb;
    }
}
