using System.Diagnostics;
using System.Globalization;
using System.Text;
using LiveTracker.Web.Media;

namespace LiveTracker.Bench;

/// <summary>
/// The server's work for one uploaded screenshot: the upload check (is it really a JPEG/PNG/WebP within the limits,
/// decoding completely) and the thumbnail the live view shows, on SkiaSharp beside the pre-SkiaSharp path
/// (libturbojpeg, libwebp and the own PNG decoder), in process, one image at a time.
/// </summary>
internal static class ImageBenchmark
{
    private sealed record Path(string Name, Func<byte[], bool> Check, Func<byte[], bool> Upload);

    public static string Run(int runs, TextWriter log)
    {
        var inspector = new ImageInspector();
        var thumbnailer = new Thumbnailer(inspector);
        var legacyInspector = new LegacyImageInspector();
        var legacyThumbnailer = new LegacyThumbnailer(legacyInspector);
        // Each path as the upload endpoint runs it when the agent sends no thumbnail of its own (as agents now do).
        // The endpoint now decodes once: making the thumbnail is the check. The old path checked, then decoded again for the thumbnail.
        var skia = new Path("SkiaSharp", b => inspector.Inspect(b).Ok, b => thumbnailer.Create(b).Ok);
        var legacy = new Path("old path", b => legacyInspector.Inspect(b).Ok, b => legacyInspector.Inspect(b).Ok && legacyThumbnailer.Create(b).Ok);

        var md = new StringBuilder();
        md.Append("### Images: upload check and thumbnail per screenshot, SkiaSharp beside the old path\n\n");
        md.Append(CultureInfo.InvariantCulture, $"Desktop-like screenshots (title bar, side panel, lines of glyph-like text strokes, coloured blocks, a gradient photo), encoded by SkiaSharp: JPEG quality 85 (4:2:0), PNG (default zlib level, RGBA), lossy WebP quality 80. **Check**: `ImageInspector.Inspect` (header, limits, a complete decode). **Upload**: what the screenshot endpoint does for an upload without an agent thumbnail: the check and a 320-pixel JPEG thumbnail (on SkiaSharp one decode serves both; the old path decoded twice, as its endpoint did). The old path is `LegacyImageInspector`/`LegacyThumbnailer` (libturbojpeg, libwebp, the own PNG decoder); both run in the same process, one image at a time, interleaved, after {Warmup} warm-up calls each; median of {runs} runs, in ms per image. Ratio: SkiaSharp's time / the old path's (below 1: SkiaSharp is faster).\n\n");
        md.Append("| image | bytes | check: SkiaSharp | check: old | ratio | upload: SkiaSharp | upload: old | ratio |\n");
        md.Append("|---|---:|---:|---:|---:|---:|---:|---:|\n");
        var slower = new List<string>();
        var verdict = new List<string>();
        foreach (var (label, width, height) in new[] { ("1080p", 1920, 1080), ("4K", 3840, 2160) })
        {
            var rgb = BenchImages.ScreenRgb(width, height, glyphs: true);
            var rgba = Rgba(rgb);
            foreach (var (format, bytes) in new[]
            {
                ("JPEG", ImageEncoding.JpegFromRgb(rgb, width, height, 85)),
                ("PNG", ImageEncoding.PngFromRgba(rgba, width, height)),
                ("WebP", ImageEncoding.WebPFromRgb(rgb, width, height, 80)),
            })
            {
                var name = $"{format} {label}";
                var (checkSkia, checkOld) = Interleaved(name + " check", bytes, skia.Check, legacy.Check, runs, log);
                var (uploadSkia, uploadOld) = Interleaved(name + " upload", bytes, skia.Upload, legacy.Upload, runs, log);
                md.Append(CultureInfo.InvariantCulture,
                    $"| {name} ({width}×{height}) | {bytes.Length:N0} | {checkSkia:0.0} | {checkOld:0.0} | {checkSkia / checkOld:0.00} | {uploadSkia:0.0} | {uploadOld:0.0} | {uploadSkia / uploadOld:0.00} |\n");
                verdict.Add(string.Create(CultureInfo.InvariantCulture, $"{name} {uploadSkia:0.0} ms ({uploadSkia / uploadOld:0.00}× the old {uploadOld:0.0} ms)"));
                if (uploadSkia > uploadOld * 1.05)
                {
                    slower.Add(name);
                }
            }
        }

        md.Append('\n');
        md.Append("**Images: upload check + thumbnail on SkiaSharp: ").Append(string.Join("; ", verdict)).Append("** (goal no slower than the old path for any format and size: ")
            .Append(slower.Count == 0 ? "met" : "not met for " + string.Join(", ", slower)).Append(").\n");
        return md.ToString();
    }

    private const int Warmup = 5;

    /// <summary>Medians in ms per image: candidate and baseline alternate call by call, so drift hits both.</summary>
    private static (double Candidate, double Baseline) Interleaved(string name, byte[] image, Func<byte[], bool> candidate, Func<byte[], bool> baseline, int runs, TextWriter log)
    {
        for (var i = 0; i < Warmup; i++)
        {
            Call(candidate, image, name);
            Call(baseline, image, name);
        }

        var c = new List<double>();
        var b = new List<double>();
        for (var run = 0; run < runs; run++)
        {
            c.Add(Call(candidate, image, name));
            b.Add(Call(baseline, image, name));
        }

        var result = (Measure.Median(c), Measure.Median(b));
        log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {name}: SkiaSharp {result.Item1:0.00} ms, old {result.Item2:0.00} ms"));
        return result;
    }

    private static double Call(Func<byte[], bool> path, byte[] image, string name)
    {
        var started = Stopwatch.GetTimestamp();
        if (!path(image))
        {
            throw new InvalidOperationException($"{name}: a valid screenshot was refused");
        }

        return Stopwatch.GetElapsedTime(started).TotalMilliseconds;
    }

    private static byte[] Rgba(byte[] rgb)
    {
        var rgba = new byte[rgb.Length / 3 * 4];
        for (int i = 0, o = 0; i < rgb.Length; i += 3, o += 4)
        {
            (rgba[o], rgba[o + 1], rgba[o + 2], rgba[o + 3]) = (rgb[i], rgb[i + 1], rgb[i + 2], 255);
        }

        return rgba;
    }
}
