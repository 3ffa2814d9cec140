using System.Globalization;
using LiveTracker.Actors.Persistence;
using LiveTracker.Actors.Persistence.Postgres;
using LiveTracker.Actors.Persistence.Sqlite;
using LiveTracker.Bench;

// Usage: dotnet run -c Release --project bench/LiveTracker.Bench -- [kernel] [journal] [recovery] [tracking] [live] [--pg CONNSTR] [--scale X] [--minutes M] [--out FILE]
// Without a selection all five run. PostgreSQL parts need --pg (bench/run starts a throwaway server).
var selected = args.Where(a => !a.StartsWith("--", StringComparison.Ordinal) && !IsOptionValue(a)).ToHashSet(StringComparer.OrdinalIgnoreCase);
var pg = Option("--pg");
var outFile = Option("--out");
var scale = double.Parse(Option("--scale") ?? "1", CultureInfo.InvariantCulture);
bool Run(string name) => selected.Count == 0 || selected.Contains(name);

var log = Console.Out;
var work = Directory.CreateTempSubdirectory("livetracker-bench-").FullName;
var sections = new List<string>();
try
{
    if (Run("kernel"))
    {
        sections.Add(await KernelBenchmark.RunAsync((int)(1_000_000 * scale), log));
    }

    if (Run("journal"))
    {
        if (pg is not null)
        {
            sections.Add(await JournalBenchmark.RunAsync("postgresql", pg, 1_000, (int)(50 * scale), log));
        }

        sections.Add(await JournalBenchmark.RunAsync("sqlite", Path.Combine(work, "journal.db"), 1_000, (int)(50 * scale), log));
    }

    if (Run("recovery"))
    {
        var events = (int)(1_000_000 * scale);
        if (pg is not null)
        {
            sections.Add(await RecoveryBenchmark.RunAsync("postgresql", () => new PostgresPersistenceStore(pg, "bench", TimeProvider.System), events, log));
        }

        sections.Add(await RecoveryBenchmark.RunAsync(
            "sqlite", () => new SqlitePersistenceStore(Path.Combine(work, "recovery.db"), "bench", TimeProvider.System, settings: new JournalWriterSettings()), events, log));
    }

    if (Run("tracking"))
    {
        // 10,000 freelancers for an hour of their day (a whole day is 24 times as long at the same rate).
        var freelancers = (int)(10_000 * scale);
        var minutes = Option("--minutes") is { } fixedMinutes
            ? int.Parse(fixedMinutes, CultureInfo.InvariantCulture)
            : Math.Max(1, (int)(60 * scale));
        if (pg is not null)
        {
            sections.Add(await TrackingBenchmark.RunAsync("postgresql", () => new PostgresPersistenceStore(pg, "bench", TimeProvider.System), freelancers, minutes, log));
        }
        else
        {
            sections.Add(await TrackingBenchmark.RunAsync(
                "sqlite", () => new SqlitePersistenceStore(Path.Combine(work, "tracking.db"), "bench", TimeProvider.System, settings: new JournalWriterSettings()), freelancers, minutes, log));
        }
    }

    if (Run("live"))
    {
        // 1,000 agents and 200 pages on one node; --scale shortens the phases (20 s each at scale 1), not the load.
        var phase = TimeSpan.FromSeconds(Math.Max(3, 20 * scale));
        sections.Add(await LiveBenchmark.RunAsync(pg is not null ? "postgresql" : "sqlite", pg, work, 1_000, 200, phase, log));
    }
}
finally
{
    Directory.Delete(work, recursive: true);
}

// The verdict lines of every section, gathered on top so a reader sees all goals at once.
var verdicts = sections
    .SelectMany(section => section.Split('\n'))
    .Where(line => line.StartsWith("**", StringComparison.Ordinal) && line.Contains("goal", StringComparison.Ordinal))
    .Zip(sections.Select(section => section.Split('\n')[0].TrimStart('#', ' ').Trim()))
    .Select(pair => $"- {pair.Second}: {pair.First.Trim()}");
var report = "## Summary" + Environment.NewLine + Environment.NewLine + string.Join(Environment.NewLine, verdicts)
    + Environment.NewLine + Environment.NewLine + string.Join(Environment.NewLine, sections);
Console.WriteLine();
Console.WriteLine(report);
if (outFile is not null)
{
    await File.WriteAllTextAsync(outFile, report);
}

return 0;

string? Option(string name)
{
    var index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
}

bool IsOptionValue(string arg)
{
    var index = Array.IndexOf(args, arg);
    return index > 0 && args[index - 1].StartsWith("--", StringComparison.Ordinal);
}
