using LiveTracker.Web.Media.Native;

namespace LiveTracker.Web.Media;

/// <summary>A thumbnail, or why none could be made (<see cref="Check"/> is the source image's check).</summary>
/// <summary>
/// The pre-SkiaSharp path (issue 16), kept only until the bench has measured it beside <see cref="Thumbnailer"/>.
/// Makes the small JPEG the live view shows for a screenshot whose agent sent none, and checks the ones agents
/// do send. Decodes through <see cref="ImageInspector"/>'s own path, so anything it thumbnails would pass a check.
/// </summary>
public sealed class LegacyThumbnailer
{
    private readonly LegacyImageInspector _inspector;

    /// <param name="inspector">Decides what the bytes are and how large an image may be.</param>
    /// <param name="maxSide">Longest side of a thumbnail in pixels.</param>
    /// <param name="quality">JPEG quality 1–100.</param>
    public LegacyThumbnailer(LegacyImageInspector inspector, int maxSide = 320, int quality = 75)
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

    /// <summary>
    /// Decodes <paramref name="image"/> (JPEG at the smallest libjpeg scale that keeps at least <see cref="MaxSide"/>),
    /// downscales it and encodes a JPEG. Refuses exactly what <see cref="ImageInspector.Inspect"/> refuses; never throws on input.
    /// </summary>
    public ThumbnailResult Create(ReadOnlyMemory<byte> image)
    {
        var canvas = new ThumbnailCanvas(MaxSide);
        var check = _inspector.Decode(image, canvas, MaxSide);
        if (!check.Ok)
        {
            return new ThumbnailResult(check, null, 0, 0);
        }

        var jpeg = TurboJpeg.Compress(canvas.ToRgb(), canvas.Width, canvas.Height, TurboJpeg.PixelFormatRgb, Quality);
        return new ThumbnailResult(check, jpeg, canvas.Width, canvas.Height);
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
