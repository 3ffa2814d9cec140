using System.Diagnostics;
using System.Globalization;
using System.Text;
using LiveTracker.Actors.Kernel;
using LiveTracker.Actors.Persistence;

namespace LiveTracker.Bench;

[Manifest("bench.minute-recorded.v1")]
internal sealed record MinuteRecorded(long Minute, int Keystrokes, int MouseClicks, int Scrolls);

/// <summary>
/// How fast a persistent actor with a long history comes back: one entity with N events, recovered by a fresh
/// actor instance (read, deserialise, apply every event), against the bare journal read of the same events.
/// </summary>
internal static class RecoveryBenchmark
{
    private const int Runs = 3;
    private const int WriteChunk = 1_000;

    public static async Task<string> RunAsync(string name, Func<IPersistenceStore> createStore, int events, TextWriter log)
    {
        const string Id = "bench-recovery";
        await using var store = createStore();
        await store.InitializeAsync();
        var serializer = new EventSerializer().Register<MinuteRecorded>();
        log.WriteLine($"recovery ({name}): writing {events:N0} events of one entity through the journal");
        var loading = Stopwatch.StartNew();
        for (var first = 1L; first <= events; first += WriteChunk)
        {
            var chunk = new List<EventToWrite>(WriteChunk);
            for (var seq = first; seq < first + WriteChunk && seq <= events; seq++)
            {
                var (manifest, payload) = serializer.Serialize(new MinuteRecorded(seq, (int)(seq % 97), (int)(seq % 13), (int)(seq % 5)));
                chunk.Add(new EventToWrite(seq, manifest, payload));
            }

            await store.Journal.WriteAsync(new AtomicWrite("tracker-" + Id, chunk));
        }

        log.WriteLine($"  loaded in {loading.Elapsed.TotalSeconds:N1} s");
        await using var system = ActorSystem.Create("bench");
        var context = new PersistenceContext(store, serializer, SnapshotEvery: int.MaxValue);
        var (actor, raw) = await Measure.InterleavedAsync(
            () => RecoverActorAsync(system, context, Id, events),
            () => ReadRawAsync(store, "tracker-" + Id, events),
            Runs,
            log,
            "actor recovery",
            "raw journal read");

        var md = new StringBuilder();
        md.AppendLine(CultureInfo.InvariantCulture, $"### Recovery of one entity with {events:N0} events ({name})");
        md.AppendLine();
        md.AppendLine("Candidate: a fresh `PersistentActor` recovers (no snapshot): stream, deserialise with System.Text.Json, apply each event; timed until it answers its first Ask.");
        md.AppendLine("Baseline: the same rows read through `IJournal.ReplayAsync` without deserialising.");
        md.AppendLine();
        md.AppendLine("| run | actor recovery events/s | raw journal read events/s | ratio |");
        md.AppendLine("|---:|---:|---:|---:|");
        for (var i = 0; i < Runs; i++)
        {
            md.AppendLine(Measure.Row(i + 1, actor[i], raw[i]));
        }

        var median = Measure.Median(actor);
        md.AppendLine(CultureInfo.InvariantCulture, $"| **median** | **{median:N0}** | **{Measure.Median(raw):N0}** | **{median / Measure.Median(raw):0.00}** |");
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"**Actor recovery: {median:N0} events/s** (goal ≥ 200,000/s: {(median >= 200_000 ? "met" : "missed")}).");
        return md.ToString();
    }

    private static async Task<double> RecoverActorAsync(ActorSystem system, PersistenceContext context, string id, int events)
    {
        var timer = Stopwatch.StartNew();
        var actor = system.ActorOf(Props.Create(() => new TrackerHistory(id, context)));
        var applied = await actor.Ask<long>(CountApplied.Instance, TimeSpan.FromMinutes(10));
        var elapsed = timer.Elapsed.TotalSeconds;
        if (applied != events)
        {
            throw new InvalidOperationException($"Recovered {applied} events, expected {events}.");
        }

        system.Stop(actor);
        await ActorSystem.WhenStopped(actor);
        return events / elapsed;
    }

    private static async Task<double> ReadRawAsync(IPersistenceStore store, string persistenceId, int events)
    {
        var timer = Stopwatch.StartNew();
        long count = 0;
        await foreach (var stored in store.Journal.ReplayAsync(persistenceId, 1, long.MaxValue))
        {
            count += stored.Payload.Length > 0 ? 1 : 0;
        }

        if (count != events)
        {
            throw new InvalidOperationException($"Read {count} events, expected {events}.");
        }

        return events / timer.Elapsed.TotalSeconds;
    }

    private sealed class CountApplied
    {
        public static readonly CountApplied Instance = new();
    }

    private sealed class TrackerHistory(string id, PersistenceContext context) : PersistentActor("tracker-" + id, context)
    {
        private long _applied;
        private long _keystrokes;

        protected override void OnCommand(object command)
        {
            if (command is CountApplied)
            {
                Sender.Tell(_applied);
            }
        }

        protected override void ApplyEvent(object @event)
        {
            _applied++;
            _keystrokes += ((MinuteRecorded)@event).Keystrokes;
        }
    }
}
