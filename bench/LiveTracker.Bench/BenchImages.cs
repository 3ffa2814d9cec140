using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace LiveTracker.Bench;

/// <summary>
/// Real JPEGs for uploads, encoded by Debian's libturbojpeg (the library the node decodes them with). The Web
/// project's encoder is internal, so the bench binds the three calls it needs itself.
/// </summary>
internal static partial class BenchImages
{
    private const string Library = "libturbojpeg.so.0";
    private const int PixelFormatRgb = 0;   // TJPF_RGB
    private const int Subsampling420 = 2;   // TJSAMP_420

    /// <summary>A desktop-like screen: title bar, side panel, lines of "text", a few coloured blocks and a photo-ish gradient.</summary>
    public static byte[] Screen(int width, int height, int quality, int seed = 7)
    {
        var random = new Random(seed);
        var rgb = new byte[width * height * 3];
        rgb.AsSpan().Fill(250);
        void Fill(int x0, int y0, int w, int h, byte r, byte g, byte b)
        {
            for (var y = Math.Max(0, y0); y < Math.Min(height, y0 + h); y++)
            {
                for (var x = Math.Max(0, x0); x < Math.Min(width, x0 + w); x++)
                {
                    var at = ((y * width) + x) * 3;
                    (rgb[at], rgb[at + 1], rgb[at + 2]) = (r, g, b);
                }
            }
        }

        var scale = width / 1280.0;
        Fill(0, 0, width, (int)(32 * scale), 40, 44, 52);
        Fill(0, (int)(32 * scale), (int)(240 * scale), height, 230, 232, 236);
        for (var line = 0; line * 22 * scale < height - (60 * scale); line++)
        {
            // Words: short dark runs separated by gaps, like rendered text at a glance; some lines are blank.
            if (random.Next(0, 3) == 0)
            {
                continue;
            }

            var y = (int)((48 + (line * 22)) * scale);
            var x = (int)((260 + (random.Next(0, 4) * 24)) * scale);
            var end = (int)((420 + random.Next(0, 620)) * scale);
            while (x < Math.Min(end, width - 8))
            {
                var word = (int)(random.Next(12, 70) * scale) + 1;
                var shade = (byte)(random.Next(0, 5) == 0 ? 30 : 60);
                Fill(x, y, word, Math.Max(1, (int)(9 * scale)), shade, shade, (byte)(shade + 20));
                x += word + (int)(7 * scale) + 1;
            }
        }

        for (var block = 0; block < 6; block++)
        {
            Fill((int)(random.Next(260, 1100) * scale), (int)(random.Next(60, 700) * scale), (int)(random.Next(40, 160) * scale), (int)(random.Next(20, 90) * scale),
                (byte)random.Next(40, 220), (byte)random.Next(40, 220), (byte)random.Next(40, 220));
        }

        var photoX = (int)(900 * scale);
        var photoY = (int)(440 * scale);
        for (var y = photoY; y < Math.Min(height, photoY + (int)(300 * scale)); y++)
        {
            for (var x = photoX; x < Math.Min(width, photoX + (int)(340 * scale)); x++)
            {
                var at = ((y * width) + x) * 3;
                rgb[at] = (byte)(((x - photoX) * 200 / (340 * scale)) + random.Next(0, 4));
                rgb[at + 1] = (byte)(((y - photoY) * 180 / (300 * scale)) + random.Next(0, 4));
                rgb[at + 2] = (byte)(100 + random.Next(0, 4));
            }
        }

        return Compress(rgb, width, height, quality);
    }

    /// <summary>
    /// The same picture with a comment segment carrying <paramref name="tag"/> right after the start marker: blobs
    /// are content-addressed, so identical bytes would be stored once and every later upload would skip the write.
    /// </summary>
    public static byte[] Tagged(byte[] jpeg, long tag)
    {
        const int payload = 8;
        var tagged = new byte[jpeg.Length + 4 + payload];
        jpeg.AsSpan(0, 2).CopyTo(tagged); // SOI
        tagged[2] = 0xFF;
        tagged[3] = 0xFE; // COM
        BinaryPrimitives.WriteUInt16BigEndian(tagged.AsSpan(4), 2 + payload);
        BinaryPrimitives.WriteInt64BigEndian(tagged.AsSpan(6), tag);
        jpeg.AsSpan(2).CopyTo(tagged.AsSpan(6 + payload));
        return tagged;
    }

    private static unsafe byte[] Compress(byte[] rgb, int width, int height, int quality)
    {
        var handle = tjInitCompress();
        if (handle == 0)
        {
            throw new InvalidOperationException("libturbojpeg: tjInitCompress failed");
        }

        byte* jpeg = null;
        var size = new CULong(0);
        try
        {
            fixed (byte* source = rgb)
            {
                if (tjCompress2(handle, source, width, width * 3, height, PixelFormatRgb, ref jpeg, ref size, Subsampling420, quality, 0) != 0)
                {
                    throw new InvalidOperationException("libturbojpeg: tjCompress2 failed");
                }
            }

            return new ReadOnlySpan<byte>(jpeg, checked((int)size.Value)).ToArray();
        }
        finally
        {
            if (jpeg != null)
            {
                tjFree(jpeg);
            }

            _ = tjDestroy(handle);
        }
    }

    [LibraryImport(Library)]
    private static partial nint tjInitCompress();

    [LibraryImport(Library)]
    private static partial int tjDestroy(nint handle);

    [LibraryImport(Library)]
    private static unsafe partial int tjCompress2(nint handle, byte* srcBuf, int width, int pitch, int height,
        int pixelFormat, ref byte* jpegBuf, ref CULong jpegSize, int jpegSubsamp, int jpegQual, int flags);

    [LibraryImport(Library)]
    private static unsafe partial void tjFree(byte* buffer);
}
