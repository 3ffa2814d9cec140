using LiveTracker.Web.Media;
using LiveTracker.Web.Tests.Media.Fixtures;
using Xunit;

namespace LiveTracker.Web.Tests.Media;

public sealed class ThumbnailerTests
{
    private readonly ImageInspector _inspector = new();
    private readonly Thumbnailer _thumbnailer;

    public ThumbnailerTests() => _thumbnailer = new Thumbnailer(_inspector);

    [Theory]
    [InlineData("jpeg", 1920, 1080, 320, 180)]
    [InlineData("jpeg", 1080, 1920, 180, 320)]
    [InlineData("jpeg", 2560, 1440, 320, 180)]
    [InlineData("png", 1000, 250, 320, 80)]
    [InlineData("png-interlaced", 641, 480, 320, 240)]
    [InlineData("webp", 300, 600, 160, 320)]
    [InlineData("webp-lossless", 1280, 1024, 320, 256)]
    [InlineData("jpeg", 200, 100, 200, 100)]
    [InlineData("png", 5, 3, 5, 3)]
    public void A_thumbnail_is_a_jpeg_at_most_320_wide_or_high_with_the_aspect_kept(string format, int width, int height, int thumbWidth, int thumbHeight)
    {
        var result = _thumbnailer.Create(ImageInspectorTests.Fixture(format, width, height));

        Assert.True(result.Ok, result.Check.Detail);
        Assert.Equal((width, height), (result.Check.Width, result.Check.Height));
        Assert.Equal((thumbWidth, thumbHeight), (result.Width, result.Height));
        var check = _inspector.Inspect(result.Jpeg!);
        Assert.Equal(ImageCheck.Accepted(ImageFormat.Jpeg, thumbWidth, thumbHeight), check);
    }

    [Fact]
    public void A_thumbnail_keeps_the_colours_of_the_screenshot()
    {
        var solid = ImageEncoding.JpegFromRgb(TestImages.Solid(1600, 900, 200, 40, 90), 1600, 900, 95);

        var thumbnail = _thumbnailer.Create(solid);

        AssertAllNear(thumbnail.Jpeg!, 200, 40, 90);
    }

    [Fact]
    public void Transparency_is_composited_over_white()
    {
        var transparent = new PngWriter { Width = 400, Height = 400, ColorType = 6, BitDepth = 8, Sample = (_, _, c) => c == 3 ? 0 : 30 }.Encode();
        var halfBlack = new PngWriter { Width = 400, Height = 400, ColorType = 4, BitDepth = 8, Sample = (_, _, c) => c == 1 ? 128 : 0 }.Encode();

        AssertAllNear(_thumbnailer.Create(transparent).Jpeg!, 255, 255, 255);
        AssertAllNear(_thumbnailer.Create(halfBlack).Jpeg!, 127, 127, 127);
    }

    [Fact]
    public void What_the_inspector_refuses_gets_no_thumbnail()
    {
        var jpeg = TestImages.Jpeg(800, 600);

        var result = _thumbnailer.Create(jpeg.AsMemory(0, jpeg.Length / 2));

        Assert.False(result.Ok);
        Assert.Null(result.Jpeg);
        Assert.Equal(MediaProblems.InvalidImage, result.Check.Code);
    }

    [Fact]
    public void An_agents_thumbnail_is_checked_like_an_upload_and_must_be_thumbnail_sized()
    {
        var good = _thumbnailer.CheckAgentThumbnail(TestImages.Jpeg(320, 180));
        var tooLarge = _thumbnailer.CheckAgentThumbnail(TestImages.Jpeg(640, 360));
        var notAnImage = _thumbnailer.CheckAgentThumbnail("<html></html>"u8.ToArray());

        Assert.Equal(ImageCheck.Accepted(ImageFormat.Jpeg, 320, 180), good);
        Assert.Equal(MediaProblems.InvalidThumbnail, tooLarge.Code);
        Assert.Contains("640x360", tooLarge.Detail, StringComparison.Ordinal);
        Assert.Equal(MediaProblems.InvalidThumbnail, notAnImage.Code);
        Assert.True(_thumbnailer.CheckAgentThumbnail(TestImages.WebP(320, 200)).Ok);
    }

    [Fact]
    public void Problem_codes_map_to_http_statuses()
    {
        Assert.Equal(422, MediaProblems.StatusCode(MediaProblems.InvalidImage));
        Assert.Equal(422, MediaProblems.StatusCode(MediaProblems.InvalidThumbnail));
        Assert.Equal(413, MediaProblems.StatusCode(MediaProblems.ImageTooLarge));
    }

    private static void AssertAllNear(byte[] jpeg, int r, int g, int b)
    {
        var rgb = TestImages.DecodeJpegRgb(jpeg, out _, out _);
        for (var i = 0; i < rgb.Length; i += 3)
        {
            Assert.True(Math.Abs(rgb[i] - r) <= 6 && Math.Abs(rgb[i + 1] - g) <= 6 && Math.Abs(rgb[i + 2] - b) <= 6,
                $"pixel {i / 3} is ({rgb[i]},{rgb[i + 1]},{rgb[i + 2]}), expected about ({r},{g},{b})");
        }
    }
}
