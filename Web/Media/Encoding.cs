using SkiaSharp;

namespace LiveTracker.Web.Media;

/// <summary>Raw pixels to an image file with SkiaSharp's encoders (demo screenshots, tests' fixtures, the bench's uploads).</summary>
public static class ImageEncoding
{
    /// <summary>Opaque RGB (3 bytes a pixel, rows packed) to a baseline 4:2:0 JPEG.</summary>
    public static byte[] JpegFromRgb(ReadOnlySpan<byte> rgb, int width, int height, int quality) =>
        EncodeRgba(Rgba(rgb, width, height), width, height, SKAlphaType.Opaque,
            pixmap => pixmap.Encode(new SKJpegEncoderOptions(quality, SKJpegEncoderDownsample.Downsample420, SKJpegEncoderAlphaOption.Ignore)));

    /// <summary>Opaque RGB to a lossy WebP.</summary>
    public static byte[] WebPFromRgb(ReadOnlySpan<byte> rgb, int width, int height, float quality = 80) =>
        EncodeRgba(Rgba(rgb, width, height), width, height, SKAlphaType.Opaque,
            pixmap => pixmap.Encode(new SKWebpEncoderOptions(SKWebpEncoderCompression.Lossy, quality)));

    /// <summary>RGBA (not premultiplied) to a lossless WebP.</summary>
    public static byte[] LosslessWebPFromRgba(ReadOnlySpan<byte> rgba, int width, int height) =>
        EncodeRgba(rgba, width, height, SKAlphaType.Unpremul,
            pixmap => pixmap.Encode(new SKWebpEncoderOptions(SKWebpEncoderCompression.Lossless, 75)));

    /// <summary>RGBA (not premultiplied) to PNG.</summary>
    public static byte[] PngFromRgba(ReadOnlySpan<byte> rgba, int width, int height) =>
        EncodeRgba(rgba, width, height, SKAlphaType.Unpremul, pixmap => pixmap.Encode(SKPngEncoderOptions.Default));

    internal static byte[] Encode(SKPixmap pixmap, Func<SKPixmap, SKData?> encode)
    {
        using var data = encode(pixmap) ?? throw new InvalidOperationException($"SkiaSharp could not encode a {pixmap.Width}x{pixmap.Height} image");
        return data.ToArray();
    }

    private static byte[] Rgba(ReadOnlySpan<byte> rgb, int width, int height)
    {
        ArgumentOutOfRangeException.ThrowIfNotEqual(rgb.Length, width * height * 3, nameof(rgb));
        var rgba = new byte[width * height * 4];
        for (int i = 0, o = 0; i < rgb.Length; i += 3, o += 4)
        {
            (rgba[o], rgba[o + 1], rgba[o + 2], rgba[o + 3]) = (rgb[i], rgb[i + 1], rgb[i + 2], 255);
        }

        return rgba;
    }

    private static byte[] EncodeRgba(ReadOnlySpan<byte> rgba, int width, int height, SKAlphaType alpha, Func<SKPixmap, SKData?> encode)
    {
        ArgumentOutOfRangeException.ThrowIfNotEqual(rgba.Length, width * height * 4, nameof(rgba));
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, alpha));
        using var pixmap = bitmap.PeekPixels();
        rgba.CopyTo(pixmap.GetPixelSpan<byte>());
        return Encode(pixmap, encode);
    }
}
