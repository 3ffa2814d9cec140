using System.Buffers.Binary;
using System.Text;
using LiveTracker.Web.Media;
using LiveTracker.Web.Tests.Media.Fixtures;
using Xunit;

namespace LiveTracker.Web.Tests.Media;

public sealed class ImageInspectorTests
{
    private readonly ImageInspector _inspector = new();

    [Theory]
    [InlineData(640, 360)]
    [InlineData(333, 517)]
    [InlineData(1, 1)]
    [InlineData(1920, 1080)]
    public void A_jpeg_is_accepted_with_the_decoders_dimensions(int width, int height)
    {
        AssertAccepted(_inspector.Inspect(TestImages.Jpeg(width, height)), ImageFormat.Jpeg, width, height);
    }

    [Theory]
    [InlineData(640, 360, false)]
    [InlineData(333, 517, true)]
    [InlineData(1, 1, false)]
    [InlineData(3, 2, true)]
    public void A_png_is_accepted_with_the_decoders_dimensions(int width, int height, bool interlaced)
    {
        AssertAccepted(_inspector.Inspect(TestImages.Png(width, height, interlaced)), ImageFormat.Png, width, height);
    }

    [Theory]
    [InlineData(640, 360)]
    [InlineData(333, 517)]
    [InlineData(1, 1)]
    public void A_webp_lossy_or_lossless_is_accepted_with_the_decoders_dimensions(int width, int height)
    {
        AssertAccepted(_inspector.Inspect(TestImages.WebP(width, height)), ImageFormat.WebP, width, height);
        AssertAccepted(_inspector.Inspect(TestImages.WebPLossless(width, height)), ImageFormat.WebP, width, height);
    }

    [Fact]
    public async Task A_png_saved_as_jpg_still_reads_as_png()
    {
        var path = Path.Combine(Path.GetTempPath(), $"livetracker-{Guid.NewGuid():N}.jpg");
        try
        {
            await File.WriteAllBytesAsync(path, TestImages.Png(64, 48));
            AssertAccepted(_inspector.Inspect(await File.ReadAllBytesAsync(path)), ImageFormat.Png, 64, 48);
        }
        finally
        {
            File.Delete(path);
        }
    }

    public static TheoryData<string, byte[]> NotImages() => new()
    {
        { "empty body", [] },
        { "text", Encoding.UTF8.GetBytes("just some text, not a screenshot\n") },
        { "html", Encoding.UTF8.GetBytes("<!DOCTYPE html><html><body><img src=x onerror=alert(1)></body></html>") },
        { "exe", [0x4D, 0x5A, 0x90, 0x00, 0x03, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0xFF, 0xFF, 0x00, 0x00, 0xB8, 0, 0, 0, 0, 0, 0, 0, 0x40] },
        { "elf", [0x7F, 0x45, 0x4C, 0x46, 0x02, 0x01, 0x01, 0x00, 0, 0, 0, 0, 0, 0, 0, 0] },
        { "gif", Convert.FromBase64String("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7") },
        { "riff wave", Encoding.ASCII.GetBytes("RIFF\x24\0\0\0WAVEfmt \x10\0\0\0") },
        { "jpeg magic only", [0xFF, 0xD8, 0xFF] },
        { "png signature only", [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] },
    };

    [Theory]
    [MemberData(nameof(NotImages))]
    public void What_is_not_a_jpeg_png_or_webp_is_an_invalid_image(string what, byte[] body)
    {
        var check = _inspector.Inspect(body);

        Assert.False(check.Ok, what);
        Assert.Equal(MediaProblems.InvalidImage, check.Code);
        Assert.False(string.IsNullOrWhiteSpace(check.Detail));
    }

    [Fact]
    public void A_gif_is_named_in_the_refusal()
    {
        var check = _inspector.Inspect(Convert.FromBase64String("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7"));
        Assert.Contains("GIF", check.Detail, StringComparison.Ordinal);
    }

    public static TheoryData<string> Formats() => ["jpeg", "png", "png-interlaced", "webp", "webp-lossless"];

    [Theory]
    [MemberData(nameof(Formats))]
    public void A_truncated_image_is_refused_at_every_cut(string format)
    {
        var image = Fixture(format, 200, 150);
        int[] cuts = [12, 30, 100, image.Length / 4, image.Length / 2, image.Length * 9 / 10, image.Length - 16, image.Length - 2, image.Length - 1];

        foreach (var cut in cuts)
        {
            // Where SkiaSharp decides differently from our old decoders: it stops reading once the last pixel row is
            // decoded. A PNG cut inside its last IDAT CRC or its IEND (the final 16 bytes) and a lossy WebP missing its
            // last two bytes (the bool decoder's padding; libwebp reads zeros past the end) still give every pixel, so
            // they are accepted at their full size: nothing the client would see is missing. Every cut that loses
            // pixel data is still refused, which is what a user would notice.
            if ((format.StartsWith("png", StringComparison.Ordinal) && cut >= image.Length - 16) || (format == "webp" && cut >= image.Length - 2))
            {
                var whole = _inspector.Inspect(image.AsMemory(0, cut));
                Assert.True(!whole.Ok || (whole.Width, whole.Height) == (200, 150), $"{format} cut to {cut}: {whole}");
                continue;
            }

            var check = _inspector.Inspect(image.AsMemory(0, cut));
            Assert.False(check.Ok, $"{format} cut to {cut} of {image.Length} bytes was accepted");
            Assert.Equal(MediaProblems.InvalidImage, check.Code);
            Assert.True(check.Detail!.Contains("truncated", StringComparison.Ordinal) || check.Detail.Contains("corrupt", StringComparison.Ordinal),
                $"{format} cut to {cut}: {check.Detail}");
        }
    }

    [Fact]
    public void A_jpeg_cut_inside_its_scan_data_is_refused_although_libjpeg_only_warns()
    {
        // libjpeg pads a premature end with grey and carries on (TJERR_WARNING); without stop-on-warning
        // this would be "a screenshot" whose lower half is grey.
        var jpeg = TestImages.Jpeg(800, 600);
        var check = _inspector.Inspect(jpeg.AsMemory(0, jpeg.Length * 3 / 4));

        Assert.False(check.Ok);
        Assert.Contains("truncated", check.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void A_png_with_a_bad_crc_is_refused()
    {
        var png = TestImages.Png(64, 48);
        var idat = IndexOf(png, "IDAT"u8);
        var flippedData = (byte[])png.Clone();
        flippedData[idat + 10] ^= 0x01;
        var flippedCrc = (byte[])png.Clone();
        flippedCrc[IndexOf(png, "IEND"u8) + 8] ^= 0x80; // IEND has no body: its CRC follows the type

        // A flipped bit in the image data is refused (libpng inside Skia checks the CRC of critical chunks, and the
        // damaged zlib stream would not decode anyway); Skia's detail does not say "CRC", so the test no longer asks.
        var check = _inspector.Inspect(flippedData);
        Assert.False(check.Ok);
        Assert.Equal(MediaProblems.InvalidImage, check.Code);
        Assert.Contains("corrupt", check.Detail, StringComparison.Ordinal);

        // Where Skia decides differently: it never reads IEND (decoding ends with the last row), so a bad CRC there
        // is accepted. IEND carries no data; every pixel was decoded and checked, so no client sees a difference.
        Assert.Equal(ImageCheck.Accepted(ImageFormat.Png, 64, 48), _inspector.Inspect(flippedCrc));
    }

    [Fact]
    public void A_png_whose_data_is_damaged_behind_valid_crcs_is_refused()
    {
        var png = TestImages.Png(64, 48);
        var idat = IndexOf(png, "IDAT"u8);
        for (var i = 0; i < 40; i++)
        {
            png[idat + 20 + i] ^= 0x5A;
        }

        PngWriter.FixCrcs(png);
        var check = _inspector.Inspect(png);

        Assert.False(check.Ok);
        Assert.Contains("corrupt", check.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void A_png_with_more_image_data_than_its_header_declares_is_read_as_its_header_says()
    {
        var png = new PngWriter { Width = 10, Height = 10, ColorType = 0, BitDepth = 8, Sample = (_, _, _) => 7 }.Encode();
        var ihdr = IndexOf(png, "IHDR"u8);
        BinaryPrimitives.WriteInt32BigEndian(png.AsSpan(ihdr + 12), 5); // height 10 -> 5
        PngWriter.FixCrcs(png);

        var check = _inspector.Inspect(png);

        // Where Skia decides differently: our decoder refused the surplus; Skia decodes the 5 rows the header
        // declares and never inflates the rest. The surplus cannot become pixels or memory (the header's size,
        // already inside the limits, bounds both), so the image is accepted as what its header says.
        Assert.Equal(ImageCheck.Accepted(ImageFormat.Png, 10, 5), check);
    }

    // Bombs: the refusal must name the header's size, which only the limits check before any decoding writes; pixel
    // buffers are native (SKBitmap) and are only asked for after it, so the managed bound below plus that detail say
    // no pixel memory was taken. Time is not asserted: speed on a loaded CI machine belongs in bench/.
    [Fact]
    public void A_png_bomb_header_is_refused_without_allocating()
    {
        var bomb = PngHeaderOnly(100_000, 100_000);
        _inspector.Inspect(bomb); // warm up

        var before = GC.GetAllocatedBytesForCurrentThread();
        var check = _inspector.Inspect(bomb);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.False(check.Ok);
        Assert.Equal(MediaProblems.InvalidImage, check.Code);
        Assert.Contains("100000x100000", check.Detail, StringComparison.Ordinal);
        Assert.True(allocated < 16 * 1024, $"{allocated} bytes allocated to refuse a bomb");
    }

    [Fact]
    public void A_jpeg_bomb_header_is_refused_without_allocating()
    {
        var jpeg = TestImages.Jpeg(64, 48);
        var sof = IndexOf(jpeg, [0xFF, 0xC0]);
        BinaryPrimitives.WriteUInt16BigEndian(jpeg.AsSpan(sof + 5), 65000); // height
        BinaryPrimitives.WriteUInt16BigEndian(jpeg.AsSpan(sof + 7), 65000); // width
        _inspector.Inspect(jpeg);

        var before = GC.GetAllocatedBytesForCurrentThread();
        var check = _inspector.Inspect(jpeg);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.False(check.Ok);
        Assert.Contains("65000x65000", check.Detail, StringComparison.Ordinal);
        Assert.True(allocated < 16 * 1024, $"{allocated} bytes allocated to refuse a bomb");
    }

    [Fact]
    public void A_webp_bomb_header_is_refused_without_allocating()
    {
        // A lossy frame header claiming the format's largest size, 16383x16383 (268 megapixels), over 16x16 data.
        var bomb = TestImages.WebP(16, 16);
        Assert.Equal("VP8 "u8.ToArray(), bomb[12..16]);
        BinaryPrimitives.WriteUInt16LittleEndian(bomb.AsSpan(26), 16383);
        BinaryPrimitives.WriteUInt16LittleEndian(bomb.AsSpan(28), 16383);
        _inspector.Inspect(bomb);

        var before = GC.GetAllocatedBytesForCurrentThread();
        var check = _inspector.Inspect(bomb);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.False(check.Ok);
        Assert.Contains("16383x16383", check.Detail, StringComparison.Ordinal);
        Assert.True(allocated < 16 * 1024, $"{allocated} bytes allocated to refuse a bomb");
    }

    [Fact]
    public void A_webp_canvas_of_100000_squared_is_refused()
    {
        // VP8X canvas 100000x100000 (24-bit "minus one" fields) in front of a real 16x16 lossy frame.
        var vp8 = TestImages.WebP(16, 16).AsSpan(12).ToArray();
        var vp8x = new byte[18];
        "VP8X"u8.CopyTo(vp8x);
        BinaryPrimitives.WriteInt32LittleEndian(vp8x.AsSpan(4), 10);
        WriteUInt24(vp8x.AsSpan(12), 100_000 - 1);
        WriteUInt24(vp8x.AsSpan(15), 100_000 - 1);
        var bomb = new byte[12 + vp8x.Length + vp8.Length];
        "RIFF"u8.CopyTo(bomb);
        BinaryPrimitives.WriteInt32LittleEndian(bomb.AsSpan(4), bomb.Length - 8);
        "WEBP"u8.CopyTo(bomb.AsSpan(8));
        vp8x.CopyTo(bomb.AsSpan(12));
        vp8.CopyTo(bomb.AsSpan(12 + vp8x.Length));

        _inspector.Inspect(bomb);
        var before = GC.GetAllocatedBytesForCurrentThread();
        var check = _inspector.Inspect(bomb);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.False(check.Ok);
        Assert.Equal(MediaProblems.InvalidImage, check.Code);
        Assert.True(allocated < 1024 * 1024, $"{allocated} bytes allocated to refuse a bomb");
    }

    [Fact]
    public void A_png_with_an_empty_dimension_is_refused_on_its_header()
    {
        // libpng (in Skia) refuses a zero width while reading IHDR, before our limits are asked, so the detail is
        // Skia's "header is corrupt" rather than our "empty dimension"; the code and the refusal are the same.
        var check = _inspector.Inspect(PngHeaderOnly(0, 10));

        Assert.False(check.Ok);
        Assert.Equal(MediaProblems.InvalidImage, check.Code);
        Assert.Contains("header", check.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(16385, 10, "at most 16384")]
    [InlineData(10000, 6000, "at most 50000000")]
    public void Dimensions_outside_the_limits_are_refused(int width, int height, string reason)
    {
        var check = _inspector.Inspect(PngHeaderOnly(width, height));

        Assert.False(check.Ok);
        Assert.Equal(MediaProblems.InvalidImage, check.Code);
        Assert.Contains(reason, check.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Limits_can_be_tightened()
    {
        var strict = new ImageInspector(new ImageLimits(MaxSide: 100, MaxPixels: 5000));

        Assert.True(strict.Inspect(TestImages.Jpeg(100, 50)).Ok);
        Assert.False(strict.Inspect(TestImages.Jpeg(101, 10)).Ok);
        Assert.False(strict.Inspect(TestImages.WebP(80, 80)).Ok);
    }

    [Fact]
    public void Sniffing_reads_magic_bytes_only()
    {
        Assert.Equal(ImageFormat.Jpeg, ImageInspector.Sniff([0xFF, 0xD8, 0xFF, 0xE0]));
        Assert.Equal(ImageFormat.Png, ImageInspector.Sniff(TestImages.Png(2, 2)));
        Assert.Equal(ImageFormat.WebP, ImageInspector.Sniff(TestImages.WebP(2, 2)));
        Assert.Equal(ImageFormat.Unknown, ImageInspector.Sniff("RIFF0000WAVE"u8));
        Assert.Equal("image/webp", ImageFormat.WebP.ContentType());
    }

    internal static byte[] Fixture(string format, int width, int height) => format switch
    {
        "jpeg" => TestImages.Jpeg(width, height),
        "png" => TestImages.Png(width, height),
        "png-interlaced" => TestImages.Png(width, height, interlaced: true),
        "webp" => TestImages.WebP(width, height),
        "webp-lossless" => TestImages.WebPLossless(width, height),
        _ => throw new ArgumentOutOfRangeException(nameof(format)),
    };

    private static byte[] PngHeaderOnly(int width, int height)
    {
        using var file = new MemoryStream();
        file.Write([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]);
        var ihdr = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(ihdr, width);
        BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), height);
        ihdr[8] = 8;
        ihdr[9] = 2;
        PngWriter.WriteChunk(file, "IHDR", ihdr);
        PngWriter.WriteChunk(file, "IDAT", [0x78, 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]);
        PngWriter.WriteChunk(file, "IEND", []);
        return file.ToArray();
    }

    private static void WriteUInt24(Span<byte> target, int value)
    {
        target[0] = (byte)value;
        target[1] = (byte)(value >> 8);
        target[2] = (byte)(value >> 16);
    }

    private static int IndexOf(byte[] haystack, ReadOnlySpan<byte> needle) => haystack.AsSpan().IndexOf(needle) is var i and >= 0
        ? i - (needle.Length == 4 ? 4 : 0)
        : throw new InvalidOperationException("marker not found");

    private static void AssertAccepted(ImageCheck check, ImageFormat format, int width, int height)
    {
        Assert.True(check.Ok, check.Detail);
        Assert.Equal(new ImageCheck(true, format, width, height, null, null), check);
    }
}
