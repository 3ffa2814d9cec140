using System.Globalization;

namespace LiveTracker.Bench;

/// <summary>Side-by-side measurement: warm-up, then candidate and baseline runs interleaved so drift hits both.</summary>
internal static class Measure
{
    /// <summary>The nearest-rank percentile <paramref name="p"/> (0–1; 1 is the maximum) of <paramref name="sorted"/>; NaN when it is empty.</summary>
    public static double Percentile(double[] sorted, double p) =>
        sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, Math.Max(0, (int)Math.Ceiling(p * sorted.Length) - 1))];

    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    public static async Task<(List<double> Candidate, List<double> Baseline)> InterleavedAsync(
        Func<Task<double>> candidate, Func<Task<double>> baseline, int runs, TextWriter log, string candidateName, string baselineName)
    {
        await candidate();
        await baseline();
        var c = new List<double>();
        var b = new List<double>();
        for (var run = 1; run <= runs; run++)
        {
            c.Add(await candidate());
            b.Add(await baseline());
            log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  run {run}: {candidateName} {c[^1]:N0}/s, {baselineName} {b[^1]:N0}/s"));
        }

        return (c, b);
    }

    public static string Row(int run, double candidate, double baseline) =>
        string.Create(CultureInfo.InvariantCulture, $"| {run} | {candidate:N0} | {baseline:N0} | {candidate / baseline:0.00} |");
}
