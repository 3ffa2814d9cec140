using LiveTracker.Web.Media;

namespace LiveTracker.Web.Tests.Browser;

/// <summary>
/// Screenshots that look like a desktop (title bar, side bar, lines of code in an editor) rather than noise, so the
/// pages' screenshots in docs/ show what a Work Diary looks like. Made at test time; nothing is checked in.
/// </summary>
internal static class FakeDesktop
{
    private static readonly (byte R, byte G, byte B)[] Syntax =
    [
        (86, 156, 214), (220, 220, 170), (206, 145, 120), (156, 220, 254), (197, 134, 192), (106, 153, 85), (212, 212, 212),
    ];

    public static byte[] Jpeg(int seed, int width = 1280, int height = 720)
    {
        var random = new Random(seed);
        var rgb = new byte[width * height * 3];
        var light = seed % 3 == 2;
        var background = light ? ((byte)250, (byte)250, (byte)250) : ((byte)30, (byte)30, (byte)30);
        Fill(rgb, width, 0, 0, width, height, background);
        Fill(rgb, width, 0, 0, width, 30, light ? ((byte)221, (byte)221, (byte)221) : ((byte)60, (byte)60, (byte)60));
        Fill(rgb, width, 0, 30, 48, height - 30, light ? ((byte)44, (byte)44, (byte)44) : ((byte)51, (byte)51, (byte)51));
        Fill(rgb, width, 48, 30, 220, height - 30, light ? ((byte)243, (byte)243, (byte)243) : ((byte)37, (byte)37, (byte)38));
        for (var y = 50; y < height - 30; y += 22)
        {
            Fill(rgb, width, 64, y, 60 + random.Next(60, 150), 8, light ? ((byte)120, (byte)120, (byte)120) : ((byte)180, (byte)180, (byte)180));
        }

        var indent = 0;
        for (var y = 46; y < height - 40; y += 20)
        {
            indent = Math.Clamp(indent + random.Next(-1, 2), 0, 5);
            var x = 300 + indent * 28;
            var words = random.Next(0, 7);
            for (var w = 0; w < words && x < width - 40; w++)
            {
                var length = random.Next(20, 120);
                var color = Syntax[random.Next(Syntax.Length)];
                if (light)
                {
                    color = ((byte)(color.R / 2), (byte)(color.G / 2), (byte)(color.B / 2));
                }

                Fill(rgb, width, x, y, Math.Min(length, width - 40 - x), 9, color);
                x += length + 10;
            }
        }

        Fill(rgb, width, 0, height - 22, width, 22, (0, 122, 204));
        return ImageEncoding.JpegFromRgb(rgb, width, height, 80);
    }

    private static void Fill(byte[] rgb, int width, int x0, int y0, int w, int h, (byte R, byte G, byte B) color)
    {
        for (var y = y0; y < y0 + h; y++)
        {
            for (var x = x0; x < x0 + w; x++)
            {
                var at = (y * width + x) * 3;
                (rgb[at], rgb[at + 1], rgb[at + 2]) = color;
            }
        }
    }
}
