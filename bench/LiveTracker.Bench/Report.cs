using System.Text;
using System.Text.RegularExpressions;

namespace LiveTracker.Bench;

/// <summary>
/// The results part of BENCHMARKS.md: when each part was measured, the summary of verdict lines, then one or more
/// <c>###</c> sections per part. A section belongs to the part named by the first word of its heading
/// ("Journal write throughput (sqlite)" to journal), so a partial run can replace just its own parts' sections.
/// </summary>
internal static partial class Report
{
    public sealed record Measured(string Date, string Commit);

    public sealed record Previous(IReadOnlyList<(string Part, string Text)> Sections, IReadOnlyDictionary<string, Measured> Provenance, Measured? Default)
    {
        public Measured? When(string part) => Provenance.GetValueOrDefault(part) ?? Default;
    }

    /// <summary>Reads the sections and the "Measured …" line of an earlier report; parts not in <paramref name="parts"/> are dropped.</summary>
    public static Previous Parse(string markdown, IReadOnlyCollection<string> parts)
    {
        ArgumentNullException.ThrowIfNull(markdown);
        var lines = markdown.ReplaceLineEndings("\n").Split('\n');
        var provenance = new Dictionary<string, Measured>();
        Measured? fallback = null;
        if (lines.FirstOrDefault(l => l.StartsWith("Measured ", StringComparison.Ordinal)) is { } measuredLine)
        {
            foreach (Match match in MeasuredGroup().Matches(measuredLine))
            {
                var when = new Measured(match.Groups["date"].Value, match.Groups["commit"].Value);
                if (match.Groups["parts"].Success)
                {
                    foreach (var part in match.Groups["parts"].Value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
                    {
                        provenance[part] = when;
                    }
                }
                else
                {
                    fallback = when;
                }
            }
        }

        var sections = new List<(string Part, string Text)>();
        StringBuilder? current = null;
        string? currentPart = null;
        void Close()
        {
            if (current is not null && currentPart is not null && parts.Contains(currentPart))
            {
                sections.Add((currentPart, current.ToString().TrimEnd() + "\n"));
            }

            current = null;
        }

        foreach (var line in lines)
        {
            if (line.StartsWith("### ", StringComparison.Ordinal))
            {
                Close();
                currentPart = line[4..].Trim().Split(' ', ':')[0].ToLowerInvariant();
                current = new StringBuilder();
            }
            else if (line.StartsWith("## ", StringComparison.Ordinal) || line.StartsWith("# ", StringComparison.Ordinal))
            {
                // The end of the results: the summary comes before them, the notes after.
                Close();
                continue;
            }

            _ = current?.Append(line).Append('\n');
        }

        Close();
        return new Previous(sections, provenance, fallback);
    }

    /// <summary>The "Measured …" line, the summary (each section's verdict line) and the sections, in the order given.</summary>
    public static string Write(IReadOnlyList<(string Part, string Text, Measured When)> sections)
    {
        ArgumentNullException.ThrowIfNull(sections);
        var md = new StringBuilder();
        var groups = sections.GroupBy(s => s.When).ToList();
        md.Append("Measured ");
        md.AppendJoin("; ", groups.Select(g => groups.Count == 1
            ? $"{g.Key.Date} at commit {g.Key.Commit}"
            : $"{g.Key.Date} at commit {g.Key.Commit} ({string.Join(", ", g.Select(s => s.Part).Distinct())})"));
        md.Append(".\n\n## Summary\n\n");
        foreach (var (_, text, _) in sections)
        {
            var lines = text.Split('\n');
            var heading = lines[0].TrimStart('#', ' ').Trim();
            if (lines.LastOrDefault(l => l.StartsWith("**", StringComparison.Ordinal) && l.Contains("goal", StringComparison.Ordinal)) is { } verdict)
            {
                md.Append("- ").Append(heading).Append(": ").Append(verdict.Trim()).Append('\n');
            }
        }

        foreach (var (_, text, _) in sections)
        {
            md.Append('\n').Append(text.TrimEnd()).Append('\n');
        }

        return md.ToString();
    }

    [GeneratedRegex(@"(?<date>\d{4}-\d{2}-\d{2}) at commit (?<commit>[0-9A-Za-z]+)(?: \((?<parts>[a-z, ]+)\))?")]
    private static partial Regex MeasuredGroup();
}
