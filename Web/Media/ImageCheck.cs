namespace LiveTracker.Web.Media;

/// <summary>
/// What an upload really is. Either <see cref="Ok"/> with the format and the decoder's dimensions, or refused
/// with a stable <see cref="Code"/> (see <see cref="MediaProblems"/>) and a human <see cref="Detail"/>.
/// </summary>
public sealed record ImageCheck(bool Ok, ImageFormat Format, int Width, int Height, string? Code, string? Detail)
{
    public static ImageCheck Accepted(ImageFormat format, int width, int height) => new(true, format, width, height, null, null);

    /// <summary>A refusal; <paramref name="format"/> is what the magic bytes claimed, when they claimed anything.</summary>
    public static ImageCheck Refused(string detail, ImageFormat format = ImageFormat.Unknown, string code = MediaProblems.InvalidImage) =>
        new(false, format, 0, 0, code, detail);
}

/// <summary>
/// Size limits that keep a small upload from expanding into gigabytes when decoded (an image bomb).
/// 16384 per side covers an 8K monitor wall; 50 megapixels is a 4×4K desktop with room to spare.
/// </summary>
public sealed record ImageLimits(int MaxSide = 16384, long MaxPixels = 50_000_000)
{
    public static ImageLimits Default { get; } = new();

    /// <summary>Null when the size is acceptable, else why not.</summary>
    internal string? Violation(long width, long height)
    {
        if (width <= 0 || height <= 0)
        {
            return $"image has an empty dimension ({width}x{height})";
        }

        if (width > MaxSide || height > MaxSide)
        {
            return $"image is {width}x{height}; each side must be at most {MaxSide} pixels";
        }

        if (width * height > MaxPixels)
        {
            return $"image is {width}x{height} ({width * height} pixels); at most {MaxPixels} are accepted";
        }

        return null;
    }
}
