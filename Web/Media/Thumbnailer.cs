using SkiaSharp;

namespace LiveTracker.Web.Media;

/// <summary>A thumbnail, or why none could be made (<see cref="Check"/> is the source image's check).</summary>
public sealed record ThumbnailResult(ImageCheck Check, byte[]? Jpeg, int Width, int Height)
{
    public bool Ok => Jpeg != null;
}

/// <summary>
/// Makes the small JPEG the live view shows for a screenshot whose agent sent none, and checks the ones agents
/// do send. Decodes through <see cref="ImageInspector"/>'s own path, so anything it thumbnails would pass a check.
/// </summary>
public sealed class Thumbnailer
{
    // Trilinear where the decoded source is more than twice the thumbnail (a PNG, which Skia decodes only at full
    // size): mipmaps average a 4K screen down without the aliasing a single bilinear pass leaves on text. Building
    // them costs more than the rest of a JPEG's thumbnail, so a source the codec already scaled to within 2x (JPEG,
    // WebP) is drawn bilinear, which at that ratio still reads every source pixel.
    private static readonly SKSamplingOptions Trilinear = new(SKFilterMode.Linear, SKMipmapMode.Linear);
    private static readonly SKSamplingOptions Bilinear = new(SKFilterMode.Linear, SKMipmapMode.None);

    private readonly ImageInspector _inspector;

    /// <param name="inspector">Decides what the bytes are and how large an image may be.</param>
    /// <param name="maxSide">Longest side of a thumbnail in pixels.</param>
    /// <param name="quality">JPEG quality 1–100.</param>
    public Thumbnailer(ImageInspector inspector, int maxSide = 320, int quality = 75)
    {
        ArgumentNullException.ThrowIfNull(inspector);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxSide, 16);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxSide, 4096);
        ArgumentOutOfRangeException.ThrowIfLessThan(quality, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(quality, 100);
        _inspector = inspector;
        MaxSide = maxSide;
        Quality = quality;
    }

    public int MaxSide { get; }

    public int Quality { get; }

    /// <summary>The thumbnail size for a source: the longest side <paramref name="maxSide"/>, aspect kept, never upscaled.</summary>
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

    /// <summary>
    /// Decodes <paramref name="image"/> (JPEG and WebP scaled by the codec to the smallest size still at least
    /// <see cref="MaxSide"/>), draws it over white at thumbnail size and encodes a JPEG. Refuses exactly what
    /// <see cref="ImageInspector.Inspect"/> refuses, so <see cref="ThumbnailResult.Check"/> is the upload's check and
    /// the upload is decoded once; never throws on input.
    /// </summary>
    public ThumbnailResult Create(ReadOnlyMemory<byte> image)
    {
        var check = _inspector.Decode(image, MaxSide, out var decoded);
        if (!check.Ok || decoded is null)
        {
            decoded?.Dispose();
            return new ThumbnailResult(check, null, 0, 0);
        }

        using (decoded)
        {
            var (width, height) = Fit(check.Width, check.Height, MaxSide);
            // FromPixels shares the decoded pixels (FromBitmap would copy a mutable bitmap's); both are disposed here.
            using var decodedPixels = decoded.PeekPixels();
            using var source = SKImage.FromPixels(decodedPixels);
            using var canvasPixels = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Premul));
            using (var canvas = new SKCanvas(canvasPixels))
            {
                // A transparent screenshot is shown on a white page in the browser; the JPEG has no alpha, so composite here.
                canvas.Clear(SKColors.White);
                var reduction = (double)Math.Max(decoded.Width, decoded.Height) / Math.Max(width, height);
                canvas.DrawImage(source, new SKRect(0, 0, width, height), reduction > 2 ? Trilinear : Bilinear);
            }

            using var pixmap = canvasPixels.PeekPixels();
            var jpeg = ImageEncoding.Encode(pixmap, p => p.Encode(new SKJpegEncoderOptions(Quality, SKJpegEncoderDownsample.Downsample420, SKJpegEncoderAlphaOption.Ignore)));
            return new ThumbnailResult(check, jpeg, width, height);
        }
    }

    /// <summary>
    /// Checks a thumbnail an agent sent: it must decode like any upload and be no larger than a thumbnail
    /// (longest side at most <see cref="MaxSide"/>). Refusals carry <see cref="MediaProblems.InvalidThumbnail"/>.
    /// </summary>
    public ImageCheck CheckAgentThumbnail(ReadOnlyMemory<byte> thumbnail)
    {
        var check = _inspector.Inspect(thumbnail);
        if (!check.Ok)
        {
            return check with { Code = MediaProblems.InvalidThumbnail };
        }

        if (Math.Max(check.Width, check.Height) > MaxSide)
        {
            return ImageCheck.Refused($"thumbnail is {check.Width}x{check.Height}; its longest side must be at most {MaxSide} pixels",
                check.Format, MediaProblems.InvalidThumbnail);
        }

        return check;
    }
}
