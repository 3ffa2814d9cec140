using LiveTracker.Web.Media.Native;
using LiveTracker.Web.Media.Png;

namespace LiveTracker.Web.Media;

/// <summary>
/// The pre-SkiaSharp path (issue 16), kept only until the bench has measured it beside <see cref="ImageInspector"/>.
/// Decides what an upload really is from its bytes alone: the magic bytes pick the decoder, and only an image
/// that actually decodes, within <see cref="ImageLimits"/>, is accepted. Never throws on any input; stateless and
/// thread-safe, so one instance serves the node.
/// </summary>
public sealed class LegacyImageInspector
{
    /// <exception cref="InvalidOperationException">libturbojpeg or libwebp is not installed.</exception>
    public LegacyImageInspector(ImageLimits? limits = null)
    {
        NativeImaging.EnsureAvailable();
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

        if (PngDecoder.HasSignature(bytes))
        {
            return ImageFormat.Png;
        }

        if (bytes.Length >= 12 && bytes[..4].SequenceEqual("RIFF"u8) && bytes[8..12].SequenceEqual("WEBP"u8))
        {
            return ImageFormat.WebP;
        }

        return ImageFormat.Unknown;
    }

    /// <summary>Decodes <paramref name="bytes"/> fully (JPEG at 1/8 scale) and reports format and size, or why not.</summary>
    public ImageCheck Inspect(ReadOnlyMemory<byte> bytes) => Decode(bytes, sink: null, minLongSide: 1);

    /// <summary>The one decoding path for checks and thumbnails, so a thumbnail is never made of bytes a check would refuse.</summary>
    internal ImageCheck Decode(ReadOnlyMemory<byte> bytes, IPixelSink? sink, int minLongSide)
    {
        var span = bytes.Span;
        return Sniff(span) switch
        {
            ImageFormat.Jpeg => JpegDecoder.Decode(span, Limits, sink, minLongSide),
            ImageFormat.Png => PngDecoder.Decode(bytes, Limits, sink),
            ImageFormat.WebP => WebPDecoder.Decode(span, Limits, sink),
            _ => ImageCheck.Refused(WhatItIsInstead(span)),
        };
    }

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
}
