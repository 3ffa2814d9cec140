using System.Diagnostics;
using System.Globalization;
using System.Text;
using LiveTracker.Web.Media;

namespace LiveTracker.Bench;

/// <summary>
/// The server's work for one uploaded screenshot on SkiaSharp: the upload check (is it really a JPEG/PNG/WebP within
/// the limits, decoding completely) and the thumbnail the live view shows, in process, one image at a time. The old
/// path (libturbojpeg, libwebp, the own PNG decoder) is deleted; its figures, measured beside SkiaSharp in one run
/// before that, stay in the section as a record.
/// </summary>
internal static class ImageBenchmark
{
    private const int Warmup = 5;

    /// <summary>The old path's figures (bench/run images at commit 1c96e38, 2026-12-07), ms per image: check, upload; and the ratio SkiaSharp had in that run.</summary>
    private static readonly Dictionary<string, (double Check, double Upload, double CheckRatio, double UploadRatio)> OldPath = new()
    {
        ["JPEG 1080p"] = (1.8, 9.9, 1.75, 0.94),
        ["PNG 1080p"] = (18.5, 77.2, 0.99, 0.44),
        ["WebP 1080p"] = (9.9, 28.0, 1.21, 0.47),
        ["JPEG 4K"] = (4.9, 12.3, 1.97, 0.89),
        ["PNG 4K"] = (99.9, 207.8, 0.77, 0.39),
        ["WebP 4K"] = (36.5, 160.8, 1.20, 0.37),
    };

    public static string Run(int runs, TextWriter log)
    {
        var inspector = new ImageInspector();
        var thumbnailer = new Thumbnailer(inspector);
        // As the upload endpoint runs it when the agent sends no thumbnail of its own (as agents now do): one decode,
        // making the thumbnail is the check.
        Func<byte[], bool> check = b => inspector.Inspect(b).Ok;
        Func<byte[], bool> upload = b => thumbnailer.Create(b).Ok;

        var md = new StringBuilder();
        md.Append("### Images: upload check and thumbnail per screenshot, on SkiaSharp\n\n");
        md.Append(CultureInfo.InvariantCulture, $"Desktop-like screenshots (title bar, side panel, lines of glyph-like text strokes, coloured blocks, a gradient photo), encoded by SkiaSharp: JPEG quality 85 (4:2:0), PNG (default zlib level, RGBA), lossy WebP quality 80. **Check**: `ImageInspector.Inspect` (header, limits, a complete decode). **Upload**: what the screenshot endpoint does for an upload without an agent thumbnail: the check and a 320-pixel JPEG thumbnail (on SkiaSharp one decode serves both; the old path decoded twice, as its endpoint did). One image at a time, check and upload interleaved, after {Warmup} warm-up calls each; median of {runs} runs, in ms per image. **Old path**: the pre-SkiaSharp code (libturbojpeg, libwebp, the own PNG decoder; its endpoint decoded twice, check then thumbnail), deleted since; measured by `bench/run images` at commit 1c96e38 on 2026-12-07, interleaved with SkiaSharp in that run, and the ratio SkiaSharp's time / the old path's from that same run (below 1: SkiaSharp is faster). Those are the figures to compare; this run's SkiaSharp times beside them are only as comparable as two runs on a shared machine are.\n\n");
        md.Append("| image | bytes | check | upload | old path, 2026-12-07: check / upload | ratio then: check / upload |\n");
        md.Append("|---|---:|---:|---:|---:|---:|\n");
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
                var (checkMs, uploadMs) = Interleaved(name, bytes, check, upload, runs, log);
                var old = OldPath[name];
                md.Append(CultureInfo.InvariantCulture,
                    $"| {name} ({width}×{height}) | {bytes.Length:N0} | {checkMs:0.0} | {uploadMs:0.0} | {old.Check:0.0} / {old.Upload:0.0} | {old.CheckRatio:0.00} / {old.UploadRatio:0.00} |\n");
                verdict.Add(string.Create(CultureInfo.InvariantCulture, $"{name} {uploadMs:0.0} ms"));
            }
        }

        md.Append('\n');
        var slower = OldPath.Where(o => o.Value.UploadRatio > 1.05).Select(o => o.Key).ToList();
        md.Append("**Images: upload check + thumbnail on SkiaSharp: ").Append(string.Join("; ", verdict)).Append("** (goal no slower than the old path for any format and size, measured side by side in one run at 1c96e38 before the old path was deleted: ")
            .Append(slower.Count == 0 ? "met, 0.37–0.94× its time" : "not met for " + string.Join(", ", slower))
            .Append("; the figures in this line are this run of SkiaSharp alone, not a comparison).\n");
        return md.ToString();
    }

    /// <summary>Medians in ms per image of the check and the upload, alternating call by call.</summary>
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
        log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {name}: check {result.Item1:0.00} ms, upload {result.Item2:0.00} ms"));
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
