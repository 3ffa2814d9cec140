using System.Buffers.Binary;
using LiveTracker.Web.Media;

namespace LiveTracker.Bench;

/// <summary>Real image files for uploads, encoded by SkiaSharp (the library the node decodes them with).</summary>
internal static class BenchImages
{
    /// <summary>A desktop-like screen as a baseline JPEG (see <see cref="ScreenRgb"/>).</summary>
    public static byte[] Screen(int width, int height, int quality, int seed = 7) =>
        ImageEncoding.JpegFromRgb(ScreenRgb(width, height, seed), width, height, quality);

    /// <summary>
    /// A desktop-like screen, RGB (3 bytes a pixel): title bar, side panel, lines of "text", a few coloured blocks
    /// and a photo-ish gradient.
    /// </summary>
    /// <param name="glyphs">Words drawn as glyph-like strokes rather than solid runs (what a real screenshot's text costs a codec).</param>
    public static byte[] ScreenRgb(int width, int height, int seed = 7, bool glyphs = false)
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
                var lineHeight = Math.Max(1, (int)(9 * scale));
                if (!glyphs)
                {
                    Fill(x, y, word, lineHeight, shade, shade, (byte)(shade + 20));
                }
                else
                {
                    // Each glyph: one or two stems and a bar at a random height, a pixel gap to the next.
                    var stroke = Math.Max(1, (int)scale);
                    var cell = Math.Max(4, (int)(6 * scale));
                    for (var g = x; g + cell <= x + word; g += cell)
                    {
                        Fill(g, y, stroke, lineHeight, shade, shade, (byte)(shade + 20));
                        if (random.Next(0, 2) == 0)
                        {
                            Fill(g + cell - stroke - 1, y + random.Next(0, lineHeight / 2 + 1), stroke, lineHeight / 2 + 1, shade, shade, (byte)(shade + 20));
                        }

                        Fill(g, y + random.Next(0, lineHeight), cell - 1, stroke, shade, shade, (byte)(shade + 20));
                    }
                }

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

        return rgb;
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
}
