using System.Runtime.InteropServices;

namespace LiveTracker.Web.Media.Native;

/// <summary>Debian's libwebp (simple decoding API). The decoder is re-entrant, so there is no handle to manage.</summary>
internal static unsafe partial class LibWebP
{
    internal const string Library = "libwebp.so.7";

    [LibraryImport(Library)]
    private static partial int WebPGetInfo(byte* data, nuint dataSize, out int width, out int height);

    [LibraryImport(Library)]
    private static partial byte* WebPDecodeRGBA(byte* data, nuint dataSize, out int width, out int height);

    [LibraryImport(Library)]
    private static partial void WebPFree(void* pointer);

    /// <summary>Reads the canvas size from the headers only; false when they are not a WebP image's.</summary>
    internal static bool TryGetInfo(ReadOnlySpan<byte> webp, out int width, out int height)
    {
        fixed (byte* data = webp)
        {
            return WebPGetInfo(data, (nuint)webp.Length, out width, out height) != 0;
        }
    }

    /// <summary>
    /// Decodes the whole image to RGBA and hands its rows to <paramref name="sink"/> (the native buffer is freed
    /// afterwards). False when the data is truncated, corrupt or uses a feature the simple decoder refuses (animation).
    /// </summary>
    internal static bool TryDecode(ReadOnlySpan<byte> webp, IPixelSink? sink, out int width, out int height)
    {
        byte* pixels;
        fixed (byte* data = webp)
        {
            pixels = WebPDecodeRGBA(data, (nuint)webp.Length, out width, out height);
        }

        if (pixels == null)
        {
            return false;
        }

        try
        {
            if (sink != null && width > 0 && height > 0)
            {
                sink.Begin(width, height);
                var stride = width * 4;
                for (var y = 0; y < height; y++)
                {
                    sink.RgbaRow(y, 0, 1, new ReadOnlySpan<byte>(pixels + (long)y * stride, stride));
                }
            }

            return true;
        }
        finally
        {
            WebPFree(pixels);
        }
    }
}
