using LiveTracker.Agent.X11;
using Xunit;

namespace LiveTracker.Agent.Tests.Unit;

/// <summary>Scaling and black detection a band of rows at a time, as a capture reads the screen.</summary>
public sealed class FrameTests
{
    [Theory]
    [InlineData(1917, 1083, 1280, 1)]
    [InlineData(1917, 1083, 1280, 7)]
    [InlineData(1920, 1080, 1280, 64)]
    [InlineData(1280, 800, 1280, 64)]  // not scaled: a copy
    [InlineData(333, 77, 100, 3)]
    public unsafe void Scaling_band_by_band_gives_the_same_image_as_scaling_it_whole(int width, int height, int longestSide, int bandRows)
    {
        var pixels = Noise(width, height, seed: width + height);
        var whole = new Frame(width, height, pixels).Thumbnail(longestSide);

        var scaler = new Frame.Scaler(width, height, longestSide);
        var bands = scaler.Bands(scaler.SourceRowsPerBand(bandRows)).ToList();
        Assert.Equal(0, bands[0].Top);
        Assert.Equal(height, bands[^1].Top + bands[^1].Rows);
        fixed (byte* data = pixels)
        {
            foreach (var (top, rows) in bands)
            {
                Assert.InRange(rows, 1, Math.Max(bandRows, (height + whole.Height - 1) / whole.Height));
                // Only the band itself is handed over, as from the X server's segment.
                var band = pixels.AsSpan(top * width * 4, rows * width * 4).ToArray();
                fixed (byte* b = band)
                {
                    scaler.Add(b, top, rows, width * 4);
                }
            }
        }

        var banded = scaler.Result();
        Assert.Equal((whole.Width, whole.Height), (banded.Width, banded.Height));
        Assert.True(whole.Pixels.Span.SequenceEqual(banded.Pixels.Span));
    }

    [Fact]
    public void Halving_averages_each_two_by_two_block()
    {
        var pixels = Noise(6, 4, seed: 3);
        var half = new Frame(6, 4, pixels).Thumbnail(3);
        Assert.Equal((3, 2), (half.Width, half.Height));
        for (var y = 0; y < 2; y++)
        {
            for (var x = 0; x < 3; x++)
            {
                for (var c = 0; c < 3; c++)
                {
                    var sum = 0;
                    foreach (var (dx, dy) in new[] { (0, 0), (1, 0), (0, 1), (1, 1) })
                    {
                        sum += pixels[((((2 * y) + dy) * 6) + (2 * x) + dx) * 4 + c];
                    }

                    Assert.Equal(sum / 4, half.Pixels.Span[((y * 3) + x) * 4 + c]);
                }
            }
        }
    }

    [Fact]
    public unsafe void A_scaler_refuses_a_band_that_skips_rows_and_an_image_not_finished()
    {
        var pixels = Noise(100, 100, seed: 5);
        var scaler = new Frame.Scaler(100, 100, 50);
        fixed (byte* data = pixels)
        {
            scaler.Add(data, 0, 10, 400);
        }

        // Rows 10-19 never came.
        _ = Assert.Throws<InvalidOperationException>(() => AddRows(scaler, pixels, 20, 10));

        _ = Assert.Throws<InvalidOperationException>(scaler.Result);
    }

    [Fact]
    public unsafe void Black_is_told_the_same_band_by_band_as_whole()
    {
        const int Width = 640, Height = 483;
        var black = new byte[Width * Height * 4];
        var text = (byte[])black.Clone();
        // A dark screen with a little light text is not a locked screen.
        for (var y = 100; y < 400; y += 9)
        {
            for (var x = 40; x < 600; x += 3)
            {
                text[((y * Width) + x) * 4] = text[((y * Width) + x) * 4 + 1] = text[((y * Width) + x) * 4 + 2] = 220;
            }
        }

        foreach (var (image, expected) in new[] { (black, true), (text, false) })
        {
            Assert.Equal(expected, new Frame(Width, Height, image).IsBlack());
            var meter = new Frame.BlackMeter();
            fixed (byte* data = image)
            {
                for (var top = 0; top < Height; top += 37)
                {
                    meter.Add(data + (top * Width * 4), top, Math.Min(37, Height - top), Width, Width * 4);
                }
            }

            Assert.Equal(expected, meter.IsBlack);
        }
    }

    private static unsafe void AddRows(Frame.Scaler scaler, byte[] pixels, int top, int rows)
    {
        fixed (byte* data = pixels)
        {
            scaler.Add(data + (top * 400), top, rows, 400);
        }
    }

    private static byte[] Noise(int width, int height, int seed)
    {
        var pixels = new byte[width * height * 4];
        new Random(seed).NextBytes(pixels);
        return pixels;
    }
}
