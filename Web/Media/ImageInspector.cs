using System.Runtime.InteropServices;
using SkiaSharp;

namespace LiveTracker.Web.Media;

/// <summary>
/// Decides what an upload really is from its bytes alone: the magic bytes name the format, SkiaSharp's codec for
/// that format reads the header (refused there when the size breaks <see cref="ImageLimits"/>, before any pixel
/// buffer exists), and only an image that then decodes completely is accepted. Never throws on any input;
/// stateless and thread-safe, so one instance serves the node.
/// </summary>
public sealed class ImageInspector
{
    /// <exception cref="InvalidOperationException">libSkiaSharp (or a library it needs) cannot be loaded.</exception>
    public ImageInspector(ImageLimits? limits = null)
    {
        EnsureSkiaLoads();
        Limits = limits ?? ImageLimits.Default;
    }

    public ImageLimits Limits { get; }

    /// <summary>The format the magic bytes claim (not proof that the rest decodes).</summary>
    public static ImageFormat Sniff(ReadOnlySpan<byte> bytes)
    {
        if (bytes is [0xFF, 0xD8, 0xFF, ..])
        {
            return ImageFormat.Jpeg;
        }

        if (bytes.StartsWith((ReadOnlySpan<byte>)[0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]))
        {
            return ImageFormat.Png;
        }

        if (bytes.Length >= 12 && bytes[..4].SequenceEqual("RIFF"u8) && bytes[8..12].SequenceEqual("WEBP"u8))
        {
            return ImageFormat.WebP;
        }

        return ImageFormat.Unknown;
    }

    /// <summary>Decodes <paramref name="bytes"/> completely (JPEG and WebP at their smallest scale) and reports format and size, or why not.</summary>
    public ImageCheck Inspect(ReadOnlyMemory<byte> bytes)
    {
        var check = Decode(bytes, thumbnailSide: null, out var pixels);
        pixels?.Dispose();
        return check;
    }

    /// <summary>
    /// The one decoding path for checks and thumbnails, so a thumbnail is never made of bytes a check would refuse.
    /// With <paramref name="thumbnailSide"/> the pixels come back (caller disposes) at the smallest scale the codec
    /// offers whose longest side is still at least that; without, they are only decoded, a row at a time where the
    /// codec can.
    /// </summary>
    internal ImageCheck Decode(ReadOnlyMemory<byte> bytes, int? thumbnailSide, out SKBitmap? pixels)
    {
        pixels = null;
        var span = bytes.Span;
        var format = Sniff(span);
        if (format == ImageFormat.Unknown)
        {
            return ImageCheck.Refused(WhatItIsInstead(span));
        }

        var name = Name(format);
        try
        {
            // A native copy: the codec keeps a reference to its data, which a pinned managed array could not promise.
            using var data = SKData.CreateCopy(span);
            using var codec = SKCodec.Create(data);
            if (codec is null)
            {
                return ImageCheck.Refused($"{name} header is truncated or corrupt", format);
            }

            if (codec.EncodedFormat != SkiaFormat(format))
            {
                return ImageCheck.Refused($"{name} is corrupt: it starts like one but decodes as {codec.EncodedFormat}", format);
            }

            // Everything so far read headers only; this is the last point before pixel memory is asked for.
            var size = codec.Info;
            if (Limits.Violation(size.Width, size.Height) is { } violation)
            {
                return ImageCheck.Refused(violation, format);
            }

            if (codec.FrameCount > 1)
            {
                return ImageCheck.Refused($"{name} is animated ({codec.FrameCount} frames); send a single still image", format);
            }

            var result = thumbnailSide is { } side
                ? DecodeWhole(codec, ScaledFor(codec, side), out pixels)
                : DecodeRows(codec, ScaledAtLeast(codec, 1));
            if (result != SKCodecResult.Success)
            {
                pixels?.Dispose();
                pixels = null;
                return ImageCheck.Refused($"{name} data is {Describe(result)} (SkiaSharp: {result})", format);
            }

            return ImageCheck.Accepted(format, size.Width, size.Height);
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            // SkiaSharp answers bad input with result codes; this is a last line so an upload can never fail the request.
            pixels?.Dispose();
            pixels = null;
            return ImageCheck.Refused($"{name} could not be decoded ({exception.GetType().Name})", format);
        }
    }

    /// <summary>
    /// The size to decode a thumbnail's source at, never smaller than a long side of <paramref name="side"/> so the
    /// thumbnail is only ever reduced from it: WebP scales to exactly that (libwebp's area-averaging rescaler);
    /// JPEG, whose codec rounds to the nearest n/8 (possibly below), takes the smallest n/8 at least that; PNG is 1:1.
    /// </summary>
    private static SKSizeI ScaledFor(SKCodec codec, int side)
    {
        var full = codec.Info.Size;
        var longSide = Math.Max(full.Width, full.Height);
        if (longSide <= side)
        {
            return full;
        }

        var scaled = codec.GetScaledDimensions((float)side / longSide);
        return Math.Max(scaled.Width, scaled.Height) >= side && scaled.Width >= 1 && scaled.Height >= 1 ? scaled : ScaledAtLeast(codec, side);
    }

    /// <summary>The smallest size the codec decodes to natively (JPEG n/8, WebP any, PNG only 1:1) whose long side is at least <paramref name="side"/>, in eighths.</summary>
    private static SKSizeI ScaledAtLeast(SKCodec codec, int side)
    {
        var full = codec.Info.Size;
        var best = full;
        for (var eighths = 7; eighths >= 1; eighths--)
        {
            var scaled = codec.GetScaledDimensions(eighths / 8f);
            if (Math.Max(scaled.Width, scaled.Height) < side || scaled.Width < 1 || scaled.Height < 1)
            {
                break;
            }

            best = scaled;
        }

        return best;
    }

    private static SKImageInfo DecodeInfo(SKSizeI size) => new(size.Width, size.Height, SKColorType.Rgba8888, SKAlphaType.Premul);

    private static SKCodecResult DecodeWhole(SKCodec codec, SKSizeI size, out SKBitmap? pixels)
    {
        var info = DecodeInfo(size);
        pixels = new SKBitmap();
        if (!pixels.TryAllocPixels(info))
        {
            return SKCodecResult.InternalError;
        }

        return codec.GetPixels(info, pixels.GetPixels());
    }

    /// <summary>
    /// Decodes for the check only: row by row into one row of memory where the codec streams (JPEG, non-interlaced
    /// PNG), else whole at the scaled size. A short count of rows is a truncated image.
    /// </summary>
    private static SKCodecResult DecodeRows(SKCodec codec, SKSizeI size)
    {
        var info = DecodeInfo(size);
        var started = codec.StartScanlineDecode(info);
        if (started != SKCodecResult.Success || codec.ScanlineOrder != SKCodecScanlineOrder.TopDown)
        {
            var result = DecodeWhole(codec, size, out var pixels);
            pixels?.Dispose();
            return result;
        }

        var row = Marshal.AllocHGlobal(info.RowBytes);
        try
        {
            for (var y = 0; y < info.Height; y++)
            {
                if (codec.GetScanlines(row, 1, info.RowBytes) != 1)
                {
                    return SKCodecResult.IncompleteInput;
                }
            }

            return SKCodecResult.Success;
        }
        finally
        {
            Marshal.FreeHGlobal(row);
        }
    }

    private static string Describe(SKCodecResult result) => result switch
    {
        // Skia cannot tell a cut-off file from damaged data it stops at (a zlib error in a PNG ends the rows too).
        SKCodecResult.IncompleteInput => "truncated or corrupt: the rows end early",
        SKCodecResult.ErrorInInput => "corrupt (damaged after a valid start)",
        SKCodecResult.InternalError => "too large to decode here (corrupt?)",
        _ => "corrupt",
    };

    private static SKEncodedImageFormat SkiaFormat(ImageFormat format) => format switch
    {
        ImageFormat.Jpeg => SKEncodedImageFormat.Jpeg,
        ImageFormat.Png => SKEncodedImageFormat.Png,
        _ => SKEncodedImageFormat.Webp,
    };

    private static string Name(ImageFormat format) => format switch
    {
        ImageFormat.Jpeg => "JPEG",
        ImageFormat.Png => "PNG",
        _ => "WebP",
    };

    private static string WhatItIsInstead(ReadOnlySpan<byte> bytes)
    {
        if (bytes.IsEmpty)
        {
            return "the body is empty";
        }

        if (bytes.StartsWith("GIF87a"u8) || bytes.StartsWith("GIF89a"u8))
        {
            return "GIF is not accepted; send JPEG, PNG or WebP";
        }

        return "not a JPEG, PNG or WebP image";
    }

    private static void EnsureSkiaLoads()
    {
        try
        {
            _ = SkiaSharpVersion.Native;
        }
        catch (Exception exception) when (exception is DllNotFoundException or TypeInitializationException or BadImageFormatException)
        {
            throw new InvalidOperationException(
                "libSkiaSharp (from the SkiaSharp.NativeAssets.Linux package) could not be loaded; it needs libfontconfig1 and libfreetype6 (apt-get install libfontconfig1)",
                exception);
        }
    }
}
