using LiveTracker.Web.Media.Native;

namespace LiveTracker.Web.Media;

/// <summary>WebP (lossy, lossless, with alpha) through libwebp's simple API.</summary>
internal static class WebPDecoder
{
    public static ImageCheck Decode(ReadOnlySpan<byte> webp, ImageLimits limits, IPixelSink? sink)
    {
        if (!LibWebP.TryGetInfo(webp, out var width, out var height))
        {
            return ImageCheck.Refused("WebP headers are truncated or corrupt", ImageFormat.WebP);
        }

        if (limits.Violation(width, height) is { } violation)
        {
            return ImageCheck.Refused(violation, ImageFormat.WebP);
        }

        // The simple API decodes all or nothing: a truncated bitstream fails rather than coming back partial.
        if (!LibWebP.TryDecode(webp, sink, out var decodedWidth, out var decodedHeight))
        {
            return ImageCheck.Refused("WebP data is truncated or corrupt (or the image is animated)", ImageFormat.WebP);
        }

        if (decodedWidth != width || decodedHeight != height)
        {
            return ImageCheck.Refused($"WebP is corrupt: its headers say {width}x{height}, its data {decodedWidth}x{decodedHeight}", ImageFormat.WebP);
        }

        return ImageCheck.Accepted(ImageFormat.WebP, width, height);
    }
}
