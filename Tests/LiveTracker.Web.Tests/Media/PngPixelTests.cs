using LiveTracker.Web.Media;
using LiveTracker.Web.Tests.Media.Fixtures;
using SkiaSharp;
using Xunit;

namespace LiveTracker.Web.Tests.Media;

/// <summary>
/// The pixels the server decodes a PNG to (the inspector's own decoding path, as thumbnails get them), against what
/// the specification says the file contains: every colour type, depth, filter, interlacing and transparency. These
/// were the own PNG decoder's tests; on SkiaSharp the pixels arrive premultiplied and 16-bit samples are reduced by
/// rounding rather than by their high byte, so a channel may differ by one.
/// </summary>
public sealed class PngPixelTests
{
    private readonly ImageInspector _inspector = new();

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
    public void Palette_indexes_past_the_palette_show_its_last_colour()
    {
        var palette = Palette(5);
        var writer = new PngWriter { Width = 16, Height = 4, ColorType = 3, BitDepth = 4, Palette = palette };
        var expected = writer.ExpectedRgba();
        for (var y = 0; y < writer.Height; y++)
        {
            for (var x = 0; x < writer.Width; x++)
            {
                if (writer.SampleAt(x, y, 0) >= 5)
                {
                    // Where Skia decides differently: our decoder showed an index past the palette as black; Skia's
                    // colour table repeats the last entry there. Either is a defined colour, nothing is read past
                    // the palette, and the PNG specification calls such a file an error without prescribing a colour.
                    palette.AsSpan(4 * 3, 3).CopyTo(expected.AsSpan(((y * writer.Width) + x) * 4));
                }
            }
        }

        var (check, rgba) = Decode(writer.Encode());

        Assert.True(check.Ok, check.Detail);
        Assert.Contains(Enumerable.Range(0, writer.Width), x => writer.SampleAt(x, 0, 0) >= 5);
        AssertPixels(expected, rgba, writer.Width, "indexes past a 5-entry palette");
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
    public void Unknown_chunks_critical_or_ancillary_are_skipped_and_the_image_data_decoded()
    {
        var writer = new PngWriter { Width = 4, Height = 4, ColorType = 2, BitDepth = 8 };
        var png = writer.Encode();

        // Where Skia decides differently: our decoder refused an unknown critical chunk (the specification says a
        // decoder must not show an image it cannot fully interpret); libpng inside Skia, as Skia configures it, skips
        // it like an ancillary one. Acceptable: the pixels still come only from IHDR, PLTE and IDAT, checked
        // completely, and the browsers showing the screenshot (Chromium is Skia too) skip the chunk the same way.
        foreach (var chunk in new[] { "ABCD", "abCD" })
        {
            var (check, rgba) = Decode(Insert(png, chunk));

            Assert.True(check.Ok, check.Detail);
            AssertPixels(writer.ExpectedRgba(), rgba, writer.Width, chunk);
        }
    }

    private void AssertExternal(string base64, int width, int height, byte[] expectedRgba)
    {
        var (check, rgba) = Decode(Convert.FromBase64String(base64));

        Assert.True(check.Ok, check.Detail);
        Assert.Equal((width, height), (check.Width, check.Height));
        AssertPixels(expectedRgba, rgba, width, $"{width}x{height}");
    }

    private void AssertDecodesExactly(PngWriter writer)
    {
        var (check, rgba) = Decode(writer.Encode());

        Assert.True(check.Ok, check.Detail);
        Assert.Equal((writer.Width, writer.Height), (check.Width, check.Height));
        AssertPixels(writer.ExpectedRgba(), rgba, writer.Width, $"colour {writer.ColorType} depth {writer.BitDepth} interlaced {writer.Interlaced}");
    }

    /// <summary>The decoded pixels at full size (the thumbnail path asked for a side no smaller than the image), premultiplied RGBA.</summary>
    private (ImageCheck Check, byte[] Rgba) Decode(byte[] png)
    {
        var check = _inspector.Decode(png, thumbnailSide: 1 << 14, out var pixels);
        using (pixels)
        {
            Assert.True(pixels is null || (pixels.ColorType == SKColorType.Rgba8888 && pixels.AlphaType == SKAlphaType.Premul));
            return (check, pixels is null ? [] : pixels.GetPixelSpan().ToArray());
        }
    }

    private static void AssertPixels(byte[] expected, byte[] premultiplied, int width, string what)
    {
        Assert.Equal(expected.Length, premultiplied.Length);
        for (var i = 0; i < expected.Length; i += 4)
        {
            var alpha = expected[i + 3];
            for (var c = 0; c < 4; c++)
            {
                var want = c == 3 ? alpha : expected[i + c] * alpha / 255.0;
                if (Math.Abs(premultiplied[i + c] - want) > 1.0)
                {
                    var pixel = i / 4;
                    Assert.Fail($"{what}: pixel ({pixel % width},{pixel / width}) channel {c} is {premultiplied[i + c]}, expected {want:0.#} (premultiplied {expected[i + c]} at alpha {alpha})");
                }
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
