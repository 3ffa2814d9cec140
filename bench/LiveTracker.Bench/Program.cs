using System.Globalization;
using LiveTracker.Bench;

// Usage: dotnet run -c Release --project bench/LiveTracker.Bench -- [journal] [recovery] [tracking] [live] [agent] [images] [cluster]
//   [--pg CONNSTR] [--scale X] [--image-runs N] [--minutes M] [--agent-seconds S] [--agent-speed X] [--agent-exe PATH] [--failover-runs N]
//   [--out FILE] [--previous BENCHMARKS.md] [--commit ID]
// Without a selection all seven run. PostgreSQL parts need --pg (bench/run starts a throwaway server). With --previous, the
// sections of the parts not run this time are kept from that file, so the report covers every part.
string[] parts = ["journal", "recovery", "tracking", "live", "agent", "images", "cluster"];
var selected = args.Where(a => !a.StartsWith("--", StringComparison.Ordinal) && !IsOptionValue(a)).ToHashSet(StringComparer.OrdinalIgnoreCase);
if (selected.FirstOrDefault(s => !parts.Contains(s, StringComparer.OrdinalIgnoreCase)) is { } unknown)
{
    await Console.Error.WriteLineAsync($"unknown benchmark '{unknown}' (known: {string.Join(", ", parts)})");
    return 2;
}

var pg = Option("--pg");
var outFile = Option("--out");
var scale = double.Parse(Option("--scale") ?? "1", CultureInfo.InvariantCulture);
bool Run(string name) => selected.Count == 0 || selected.Contains(name);

var log = Console.Out;
var work = Directory.CreateTempSubdirectory("livetracker-bench-").FullName;
var sections = new List<(string Part, string Text)>();
try
{
    if (Run("journal"))
    {
        // 1,000 entities, one Persist per command (issue 14: PostgreSQL >= 10,000 events/s, SQLite >= 5,000).
        var commands = Math.Max(1, (int)(20 * scale));
        if (pg is not null)
        {
            sections.Add(("journal", await PersistenceBenchmark.JournalAsync("postgresql", Fresh("journal-pg"), BenchNode.Database(Fresh("journal-pg-db"), pg), 1_000, commands, log)));
        }

        var sqlite = Fresh("journal-sqlite");
        sections.Add(("journal", await PersistenceBenchmark.JournalAsync("sqlite", sqlite, BenchNode.Database(sqlite, null), 1_000, commands, log)));
    }

    if (Run("recovery"))
    {
        var events = (int)(1_000_000 * scale);
        if (pg is not null)
        {
            sections.Add(("recovery", await PersistenceBenchmark.RecoveryAsync("postgresql", Fresh("recovery-pg"), BenchNode.Database(Fresh("recovery-pg-db"), pg), events, log)));
        }

        var sqlite = Fresh("recovery-sqlite");
        sections.Add(("recovery", await PersistenceBenchmark.RecoveryAsync("sqlite", sqlite, BenchNode.Database(sqlite, null), events, log)));

        // 1,000 entities recovering at once (issue 14: >= 20,000 events/s), 500 events each at scale 1.
        var eventsEach = Math.Max(10, (int)(500 * scale));
        if (pg is not null)
        {
            sections.Add(("recovery", await PersistenceBenchmark.ManyRecoveriesAsync("postgresql", Fresh("recovery-many-pg"), BenchNode.Database(Fresh("recovery-many-pg-db"), pg), 1_000, eventsEach, log)));
        }

        var sqliteMany = Fresh("recovery-many-sqlite");
        sections.Add(("recovery", await PersistenceBenchmark.ManyRecoveriesAsync("sqlite", sqliteMany, BenchNode.Database(sqliteMany, null), 1_000, eventsEach, log)));
    }

    if (Run("tracking"))
    {
        // 10,000 freelancers for the hour before a week boundary and a quarter of an hour after it.
        var freelancers = (int)(10_000 * scale);
        var minutes = Option("--minutes") is { } fixedMinutes
            ? int.Parse(fixedMinutes, CultureInfo.InvariantCulture)
            : Math.Max(1, (int)(75 * scale));
        var tracking = Fresh("tracking");
        sections.Add(("tracking", await TrackingBenchmark.RunAsync(
            pg is not null ? "postgresql" : "sqlite", tracking, BenchNode.Database(tracking, pg), freelancers, minutes, log)));
    }

    if (Run("live"))
    {
        // 1,000 agents and 200 pages on one node; --scale shortens the phases (20 s each at scale 1), not the load.
        var phase = TimeSpan.FromSeconds(Math.Max(3, 20 * scale));
        sections.Add(("live", await LiveBenchmark.RunAsync(pg is not null ? "postgresql" : "sqlite", pg, work, 1_000, 200, phase, log)));
    }

    if (Run("agent"))
    {
        // The agent process on a busy desktop: --agent-seconds of real time tracked, then as long not tracking, on a clock
        // --agent-speed times fast (60 s at 60x: six 10-minute segments). --agent-seconds 600 is the full 10-minute run.
        var seconds = double.Parse(Option("--agent-seconds") ?? "60", CultureInfo.InvariantCulture);
        var speed = double.Parse(Option("--agent-speed") ?? "60", CultureInfo.InvariantCulture);
        var command = "bench/run agent" + (Option("--agent-seconds") is { } s ? " --agent-seconds " + s : "") + (Option("--agent-speed") is { } x ? " --agent-speed " + x : "");
        var agentExe = Option("--agent-exe") ?? throw new ArgumentException("--agent-exe: the published livetracker-agent (bench/run publishes it)");
        sections.Add(("agent", await AgentBenchmark.RunAsync(work, agentExe, TimeSpan.FromSeconds(seconds), speed, command, log)));
    }

    if (Run("images"))
    {
        // One screenshot at a time through the upload check and thumbnail, 1080p and 4K, JPEG, PNG and WebP.
        var runs = Option("--image-runs") is { } imageRuns ? int.Parse(imageRuns, CultureInfo.InvariantCulture) : Math.Max(3, (int)(21 * scale));
        sections.Add(("images", ImageBenchmark.Run(runs, log)));
    }

    if (Run("cluster"))
    {
        // deploy/local-cluster from this checkout: kill -9 and SIGTERM of nodes, then 3 nodes against 1 (issue 15).
        var failoverRuns = Option("--failover-runs") is { } runs ? int.Parse(runs, CultureInfo.InvariantCulture) : Math.Max(2, (int)(4 * scale));
        var repository = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", ".."));
        sections.Add(("cluster", await ClusterBenchmark.RunAsync(repository, Fresh("cluster"), failoverRuns, TimeSpan.FromSeconds(Math.Max(5, 20 * scale)), log)));
    }
}
finally
{
    Directory.Delete(work, recursive: true);
}

// Parts not run this time keep their sections (and when they were measured) from the previous report.
var previous = Option("--previous") is { } previousFile && File.Exists(previousFile) ? Report.Parse(await File.ReadAllTextAsync(previousFile), parts) : null;
var measured = new Report.Measured(DateTime.UtcNow.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), Option("--commit") ?? "unknown");
var ran = sections.Select(s => s.Part).ToHashSet();
var all = parts.SelectMany(part => ran.Contains(part)
        ? sections.Where(s => s.Part == part).Select(s => (Part: part, s.Text, When: measured))
        : previous?.Sections.Where(s => s.Part == part).Select(s => (Part: part, s.Text, When: previous.When(part) ?? measured)) ?? [])
    .ToList();
var report = Report.Write(all.Select(s => (s.Part, s.Text, s.When)).ToList());
Console.WriteLine();
Console.WriteLine(report);
if (outFile is not null)
{
    await File.WriteAllTextAsync(outFile, report);
}

return 0;

// A directory of its own for each part's node (and SQLite file).
string Fresh(string name) => Directory.CreateDirectory(Path.Combine(work, name)).FullName;

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
