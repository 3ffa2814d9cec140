using LiveTracker.Web.Media;
using LiveTracker.Web.Media.Png;
using LiveTracker.Web.Tests.Media.Fixtures;
using Xunit;

namespace LiveTracker.Web.Tests.Media;

/// <summary>Every pixel the PNG decoder produces, against what the specification says the file contains.</summary>
public sealed class PngDecoderTests
{
    public static TheoryData<byte, byte, bool> ColorTypesAndDepths()
    {
        var data = new TheoryData<byte, byte, bool>();
        (byte Color, byte[] Depths)[] valid =
        [
            (0, [1, 2, 4, 8, 16]), (2, [8, 16]), (3, [1, 2, 4, 8]), (4, [8, 16]), (6, [8, 16]),
        ];
        foreach (var (color, depths) in valid)
        {
            foreach (var depth in depths)
            {
                data.Add(color, depth, false);
                data.Add(color, depth, true);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(ColorTypesAndDepths))]
    public void Every_colour_type_and_depth_decodes_to_the_exact_pixels(byte colorType, byte bitDepth, bool interlaced)
    {
        // 37x23: odd sizes leave partial bytes at row ends and uneven Adam7 passes.
        var writer = new PngWriter
        {
            Width = 37,
            Height = 23,
            ColorType = colorType,
            BitDepth = bitDepth,
            Interlaced = interlaced,
            Palette = colorType == 3 ? Palette(1 << bitDepth) : null,
            Transparency = colorType == 3 ? new byte[] { 0, 64, 128, 255, 10 }[..Math.Min(5, 1 << bitDepth)] : null,
            IdatChunkSize = 97,
        };

        AssertDecodesExactly(writer);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void Each_filter_type_alone_decodes_exactly(byte filter)
    {
        AssertDecodesExactly(new PngWriter { Width = 29, Height = 11, ColorType = 6, BitDepth = 8, Filter = filter });
        AssertDecodesExactly(new PngWriter { Width = 29, Height = 11, ColorType = 2, BitDepth = 16, Filter = filter });
        AssertDecodesExactly(new PngWriter { Width = 29, Height = 11, ColorType = 0, BitDepth = 2, Filter = filter });
    }

    [Fact]
    public void A_transparent_colour_key_makes_matching_pixels_clear()
    {
        AssertDecodesExactly(new PngWriter
        {
            Width = 8, Height = 8, ColorType = 2, BitDepth = 8,
            Sample = (x, _, c) => x % 2 == 0 ? 10 * (c + 1) : 99,
            Transparency = [0, 10, 0, 20, 0, 30],
        });
        AssertDecodesExactly(new PngWriter
        {
            Width = 8, Height = 8, ColorType = 0, BitDepth = 4,
            Transparency = [0, 3],
        });
    }

    [Fact]
    public void Tiny_interlaced_images_with_empty_passes_decode()
    {
        for (var width = 1; width <= 9; width++)
        {
            for (var height = 1; height <= 9; height += 4)
            {
                AssertDecodesExactly(new PngWriter { Width = width, Height = height, ColorType = 6, BitDepth = 8, Interlaced = true });
            }
        }
    }

    [Fact]
    public void Palette_indexes_past_the_palette_show_black()
    {
        AssertDecodesExactly(new PngWriter { Width = 16, Height = 4, ColorType = 3, BitDepth = 4, Palette = Palette(5) });
    }

    [Fact]
    public void Pngs_made_by_another_encoder_decode_to_their_known_pixels()
    {
        // Written by ImageMagick 6.9 (libpng 1.6), -strip. 3x2 RGBA: red, green, blue / white, half-transparent
        // black, transparent (pixels as ImageMagick itself reads them back).
        AssertExternal(
            "iVBORw0KGgoAAAANSUhEUgAAAAMAAAACCAYAAACddGYaAAAAGElEQVQI1wXBAQEAAACCIJ433UAkUaowOJ35CnZrUhpKAAAAAElFTkSuQmCC",
            3, 2, [255, 0, 0, 255, 0, 255, 0, 255, 0, 0, 255, 255, 255, 255, 255, 255, 0, 0, 0, 127, 0, 0, 0, 0]);

        // 7x5 8-bit palette, Adam7: a vertical red-to-blue gradient with one yellow pixel at (3,2).
        byte[][] rows = [[255, 0, 0], [191, 0, 63], [127, 0, 127], [63, 0, 191], [0, 0, 255]];
        var expected = new List<byte>();
        for (var y = 0; y < 5; y++)
        {
            for (var x = 0; x < 7; x++)
            {
                expected.AddRange(x == 3 && y == 2 ? [255, 255, 0, 255] : [.. rows[y], 255]);
            }
        }

        AssertExternal(
            "iVBORw0KGgoAAAANSUhEUgAAAAcAAAAFCAMAAAHJQzZ8AAAAElBMVEX/AAC/AD9/AH///wA/AL8AAP8kUavqAAAAIUlEQVQI12NgAAJWVijJBAQgJgMTMxOQz8rACAEMLBAAAAZ8AFbWK/4KAAAAAElFTkSuQmCC",
            7, 5, [.. expected]);
    }

    [Fact]
    public void An_unknown_critical_chunk_is_refused_and_an_unknown_ancillary_one_skipped()
    {
        var png = new PngWriter { Width = 4, Height = 4, ColorType = 2, BitDepth = 8 }.Encode();
        var critical = Insert(png, "ABCD");
        var ancillary = Insert(png, "abCD");

        Assert.Contains("unknown critical chunk ABCD", PngDecoder.Decode(critical, ImageLimits.Default, null).Detail, StringComparison.Ordinal);
        Assert.True(PngDecoder.Decode(ancillary, ImageLimits.Default, null).Ok);
    }

    [Fact]
    public void A_png_without_iend_is_truncated()
    {
        var png = new PngWriter { Width = 4, Height = 4, ColorType = 2, BitDepth = 8 }.Encode();

        var check = PngDecoder.Decode(png.AsMemory(0, png.Length - 12), ImageLimits.Default, null);

        Assert.False(check.Ok);
        Assert.Contains("truncated", check.Detail, StringComparison.Ordinal);
    }

    private static void AssertExternal(string base64, int width, int height, byte[] expectedRgba)
    {
        var sink = new CapturingSink();

        var check = PngDecoder.Decode(Convert.FromBase64String(base64), ImageLimits.Default, sink);

        Assert.True(check.Ok, check.Detail);
        Assert.Equal((width, height), (check.Width, check.Height));
        Assert.Equal(expectedRgba, sink.Rgba);
    }

    private static void AssertDecodesExactly(PngWriter writer)
    {
        var sink = new CapturingSink();

        var check = PngDecoder.Decode(writer.Encode(), ImageLimits.Default, sink);

        Assert.True(check.Ok, check.Detail);
        Assert.Equal((writer.Width, writer.Height), (check.Width, check.Height));
        var expected = writer.ExpectedRgba();
        for (var i = 0; i < expected.Length; i++)
        {
            if (expected[i] != sink.Rgba[i])
            {
                var pixel = i / 4;
                Assert.Fail($"colour {writer.ColorType} depth {writer.BitDepth} interlaced {writer.Interlaced}: pixel ({pixel % writer.Width},{pixel / writer.Width}) channel {i % 4} is {sink.Rgba[i]}, expected {expected[i]}");
            }
        }
    }

    private static byte[] Palette(int entries)
    {
        var palette = new byte[entries * 3];
        for (var i = 0; i < palette.Length; i++)
        {
            palette[i] = (byte)(i * 47 + 11);
        }

        return palette;
    }

    private static byte[] Insert(byte[] png, string chunkType)
    {
        using var file = new MemoryStream();
        file.Write(png.AsSpan(0, 33)); // signature + IHDR
        PngWriter.WriteChunk(file, chunkType, [1, 2, 3]);
        file.Write(png.AsSpan(33));
        return file.ToArray();
    }
}
