using LiveTracker.Web.Media;
using SkiaSharp;

namespace LiveTracker.Web.Tests.Media.Fixtures;

/// <summary>
/// Real images made at test time from generated pixels: JPEG and WebP by SkiaSharp's encoders (libjpeg-turbo and
/// libwebp inside Skia, code apart from the decoders under test), PNG by <see cref="PngWriter"/>, written from the
/// specification, so the PNG cases do not test Skia against itself.
/// </summary>
internal static class TestImages
{
    /// <summary>A desktop-like picture: gradients, a few hard-edged blocks, some noise (so codecs have work to do).</summary>
    public static byte[] Rgb(int width, int height, int seed = 1)
    {
        var random = new Random(seed);
        var rgb = new byte[width * height * 3];
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                var at = (y * width + x) * 3;
                var block = (x / 16 + y / 16) % 3 == 0;
                rgb[at] = (byte)(block ? 240 : x * 255 / Math.Max(1, width - 1));
                rgb[at + 1] = (byte)(block ? 240 : y * 255 / Math.Max(1, height - 1));
                rgb[at + 2] = (byte)random.Next(96, 160);
            }
        }

        return rgb;
    }

    public static byte[] Solid(int width, int height, byte r, byte g, byte b)
    {
        var rgb = new byte[width * height * 3];
        for (var i = 0; i < rgb.Length; i += 3)
        {
            (rgb[i], rgb[i + 1], rgb[i + 2]) = (r, g, b);
        }

        return rgb;
    }

    public static byte[] Jpeg(int width, int height, int quality = 85) =>
        ImageEncoding.JpegFromRgb(Rgb(width, height), width, height, quality);

    public static byte[] Png(int width, int height, bool interlaced = false) => new PngWriter
    {
        Width = width,
        Height = height,
        ColorType = 2,
        BitDepth = 8,
        Interlaced = interlaced,
    }.Encode();

    public static byte[] WebP(int width, int height) => ImageEncoding.WebPFromRgb(Rgb(width, height), width, height);

    public static byte[] WebPLossless(int width, int height)
    {
        var rgb = Rgb(width, height);
        var rgba = new byte[width * height * 4];
        for (var i = 0; i < width * height; i++)
        {
            (rgba[i * 4], rgba[i * 4 + 1], rgba[i * 4 + 2], rgba[i * 4 + 3]) = (rgb[i * 3], rgb[i * 3 + 1], rgb[i * 3 + 2], (byte)(i % 256));
        }

        return ImageEncoding.LosslessWebPFromRgba(rgba, width, height);
    }

    /// <summary>Decodes a JPEG to RGB at full size, for looking at what a thumbnail contains.</summary>
    public static byte[] DecodeJpegRgb(byte[] jpeg, out int width, out int height)
    {
        using var bitmap = SKBitmap.Decode(jpeg) ?? throw new InvalidOperationException("not a decodable JPEG");
        (width, height) = (bitmap.Width, bitmap.Height);
        var rgb = new byte[width * height * 3];
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                var pixel = bitmap.GetPixel(x, y);
                (rgb[(y * width + x) * 3], rgb[(y * width + x) * 3 + 1], rgb[(y * width + x) * 3 + 2]) = (pixel.Red, pixel.Green, pixel.Blue);
            }
        }

        return rgb;
    }

    public static ImageFormat FormatOf(byte[] bytes) => ImageInspector.Sniff(bytes);
}
