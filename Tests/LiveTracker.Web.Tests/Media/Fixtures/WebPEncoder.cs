using System.Runtime.InteropServices;

namespace LiveTracker.Web.Tests.Media.Fixtures;

/// <summary>Makes WebP fixtures with libwebp's own encoder, so the decoder under test meets real files.</summary>
internal static unsafe partial class WebPEncoder
{
    private const string Library = "libwebp.so.7";

    [LibraryImport(Library)]
    private static partial nuint WebPEncodeRGB(byte* rgb, int width, int height, int stride, float quality, out byte* output);

    [LibraryImport(Library)]
    private static partial nuint WebPEncodeLosslessRGBA(byte* rgba, int width, int height, int stride, out byte* output);

    [LibraryImport(Library)]
    private static partial void WebPFree(void* pointer);

    public static byte[] Lossy(ReadOnlySpan<byte> rgb, int width, int height, float quality = 80)
    {
        fixed (byte* pixels = rgb)
        {
            var size = WebPEncodeRGB(pixels, width, height, width * 3, quality, out var output);
            return Take(output, size);
        }
    }

    public static byte[] Lossless(ReadOnlySpan<byte> rgba, int width, int height)
    {
        fixed (byte* pixels = rgba)
        {
            var size = WebPEncodeLosslessRGBA(pixels, width, height, width * 4, out var output);
            return Take(output, size);
        }
    }

    private static byte[] Take(byte* output, nuint size)
    {
        if (output == null || size == 0)
        {
            throw new InvalidOperationException("libwebp could not encode the fixture");
        }

        try
        {
            return new ReadOnlySpan<byte>(output, checked((int)size)).ToArray();
        }
        finally
        {
            WebPFree(output);
        }
    }
}
