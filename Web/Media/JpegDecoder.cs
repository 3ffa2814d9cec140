using System.Buffers;
using LiveTracker.Web.Media.Native;

namespace LiveTracker.Web.Media;

/// <summary>JPEG through libturbojpeg: the header for the size, then a real (scaled) decompression of every scan.</summary>
internal static class JpegDecoder
{
    /// <summary>
    /// Decodes the image. Without a sink it decompresses to gray at the smallest scale (1/8): every scan is still
    /// entropy-decoded, so truncation and corruption are found, at a sixty-fourth of the pixels. With a sink it
    /// decompresses to RGB at the smallest scale whose longest side is still at least <paramref name="minLongSide"/>.
    /// </summary>
    public static ImageCheck Decode(ReadOnlySpan<byte> jpeg, ImageLimits limits, IPixelSink? sink, int minLongSide)
    {
        using var handle = TurboJpeg.OpenDecompressor();
        var header = TurboJpeg.ReadHeader(handle, jpeg);
        if (header.Error != null)
        {
            return ImageCheck.Refused($"JPEG header is truncated or corrupt ({header.Error})", ImageFormat.Jpeg);
        }

        // libjpeg substitutes an end marker when data runs out before the frame header, and then reports 0x0.
        if (header.Width <= 0 || header.Height <= 0)
        {
            return ImageCheck.Refused("JPEG header is truncated or corrupt (no frame header before the data ends)", ImageFormat.Jpeg);
        }

        if (limits.Violation(header.Width, header.Height) is { } violation)
        {
            return ImageCheck.Refused(violation, ImageFormat.Jpeg);
        }

        var factor = sink == null ? Smallest(TurboJpeg.ScalingFactors()) : SmallestAtLeast(TurboJpeg.ScalingFactors(), header, minLongSide);
        int width = factor.Scale(header.Width), height = factor.Scale(header.Height);
        var pixelFormat = sink == null ? TurboJpeg.PixelFormatGray : TurboJpeg.PixelFormatRgb;
        var pixelSize = sink == null ? 1 : 3;
        var length = width * height * pixelSize;
        var buffer = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            var result = TurboJpeg.Decompress(handle, jpeg, buffer, width, height, pixelFormat);
            if (result.Error != null)
            {
                // libjpeg only warns on a premature end of data and pads with grey; with stop-on-warning that is
                // a failure here too, so a cut-off upload never passes as a half-grey screenshot.
                var kind = result.WarningOnly ? "truncated or damaged" : "truncated or corrupt";
                return ImageCheck.Refused($"JPEG data is {kind} ({result.Error})", ImageFormat.Jpeg);
            }

            if (sink != null)
            {
                sink.Begin(width, height);
                for (var y = 0; y < height; y++)
                {
                    sink.RgbRow(y, buffer.AsSpan(y * width * 3, width * 3));
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        return ImageCheck.Accepted(ImageFormat.Jpeg, header.Width, header.Height);
    }

    private static TurboJpeg.ScalingFactor Smallest(TurboJpeg.ScalingFactor[] factors) =>
        factors.MinBy(f => (double)f.Num / f.Denom);

    private static TurboJpeg.ScalingFactor SmallestAtLeast(TurboJpeg.ScalingFactor[] factors, TurboJpeg.Header header, int minLongSide)
    {
        var longSide = Math.Max(header.Width, header.Height);
        var best = new TurboJpeg.ScalingFactor(1, 1);
        foreach (var factor in factors)
        {
            if (factor.Num <= factor.Denom && factor.Scale(longSide) >= minLongSide
                && (double)factor.Num / factor.Denom < (double)best.Num / best.Denom)
            {
                best = factor;
            }
        }

        return best;
    }
}
