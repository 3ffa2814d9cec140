using Xunit;
using LiveTracker.Agent.X11;

namespace LiveTracker.Agent.Tests;

public sealed class BlurTests
{
    [Fact]
    public void A_terminal_full_of_text_blurs_beyond_reading_and_its_jpeg_shrinks()
    {
        // A black root and no window manager: nothing on screen but the terminal's text.
        using var x = XServer.Start(windowManager: false, blackRoot: true);
        var text = Path.Combine(Path.GetTempPath(), $"lt-blur-{Guid.NewGuid():N}.txt");
        File.WriteAllLines(text, Enumerable.Range(1, 120).Select(i =>
            $"{i,4} The quick brown fox jumps over the lazy dog; invoice #{i * 7919 % 100000:D5} due {2026 + (i % 3)}-0{1 + (i % 9)}-1{i % 10} "
            + "for consulting, PASSWORD=hunter2, ssh deploy@10.0.0." + i + " -- Lorem ipsum dolor sit amet, consectetur adipiscing."));
        try
        {
            _ = x.StartClient("xterm", "-geometry", "180x52+0+0", "-hold", "-e", "cat", text);
            using var display = X11Display.Open(x.Display);
            var capture = new ScreenCapture(display);
            // Wait until the text is drawn and has settled.
            Frame? sharp = null;
            x.WaitFor(() =>
            {
                var previous = sharp;
                sharp = capture.Grab();
                return Energy(sharp) > 10 && previous is not null && previous.Pixels.Span.SequenceEqual(sharp.Pixels.Span);
            }, "the terminal to show its text");

            var blurred = sharp!.Blurred();

            Assert.Equal((sharp.Width, sharp.Height), (blurred.Width, blurred.Height));
            Assert.True(Energy(blurred) < 0.25 * Energy(sharp), $"edge energy {Energy(blurred):F2} vs sharp {Energy(sharp):F2}");
            var sharpJpeg = sharp.EncodeJpeg(70);
            var blurredJpeg = blurred.EncodeJpeg(70);
            Assert.Equal((1280, 800), Jpeg.Size(sharpJpeg));
            Assert.Equal((1280, 800), Jpeg.Size(blurredJpeg));
            Assert.True(blurredJpeg.Length * 4 < sharpJpeg.Length, $"blurred JPEG {blurredJpeg.Length} B vs sharp {sharpJpeg.Length} B");

            // The thumbnail of a blurred capture is made the same way.
            var thumbnail = blurred.Thumbnail();
            Assert.Equal((320, 200), Jpeg.Size(thumbnail.EncodeJpeg(70)));

            // Brightness survives: a white terminal stays light, the black screen beside it dark.
            Assert.True(Luma(blurred, 400, 300) > 150, $"terminal middle {Luma(blurred, 400, 300)}");
            Assert.True(Luma(blurred, 1270, 790) < 30, $"corner {Luma(blurred, 1270, 790)}");
        }
        finally
        {
            File.Delete(text);
        }
    }

    [Fact]
    public void Blurring_1080p_smooths_noise_keeps_flat_colours_and_leaves_the_sharp_frame_alone()
    {
        const int Width = 1920, Height = 1080;
        var pixels = new byte[Width * Height * 4];
        var random = new Random(7);
        random.NextBytes(pixels);
        var original = (byte[])pixels.Clone();
        var sharp = new Frame(Width, Height, pixels);

        // How fast it blurs is the agent benchmark's business (bench/run agent), not a timed test's.
        var blurred = sharp.Blurred();

        Assert.Equal(original, pixels);  // the sharp frame is untouched
        Assert.False(blurred.Pixels.Span.Overlaps(sharp.Pixels.Span));
        Assert.True(Energy(blurred) < 0.05 * Energy(sharp), $"noise energy {Energy(blurred):F2} vs {Energy(sharp):F2}");

        // A flat colour stays exactly that colour, corners and odd sizes included.
        var flat = new byte[333 * 77 * 4];
        for (var i = 0; i < flat.Length; i += 4)
        {
            (flat[i], flat[i + 1], flat[i + 2], flat[i + 3]) = ((byte)30, (byte)140, (byte)250, (byte)0);
        }

        var flatBlurred = new Frame(333, 77, flat).Blurred();
        foreach (var (px, py) in new[] { (0, 0), (332, 0), (0, 76), (332, 76), (166, 38) })
        {
            Assert.Equal(((byte)250, (byte)140, (byte)30), flatBlurred.PixelAt(px, py));
        }
    }

    /// <summary>Mean absolute luma difference of horizontally adjacent pixels: how much fine detail there is.</summary>
    private static double Energy(Frame frame)
    {
        var p = frame.Pixels.Span;
        double sum = 0;
        long n = 0;
        for (var y = 0; y < frame.Height; y++)
        {
            var row = y * frame.Width * 4;
            for (var x = 1; x < frame.Width; x++)
            {
                var i = row + (x * 4);
                sum += Math.Abs(Luma(p, i) - Luma(p, i - 4));
                n++;
            }
        }

        return sum / n;
    }

    private static double Luma(ReadOnlySpan<byte> p, int i) => (0.114 * p[i]) + (0.587 * p[i + 1]) + (0.299 * p[i + 2]);

    private static double Luma(Frame frame, int x, int y)
    {
        var (r, g, b) = frame.PixelAt(x, y);
        return (0.299 * r) + (0.587 * g) + (0.114 * b);
    }
}
