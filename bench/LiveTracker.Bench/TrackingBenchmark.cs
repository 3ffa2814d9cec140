using System.Diagnostics;
using System.Globalization;
using System.Text;
using Akka.Actor;
using LiveTracker.Actors.Configuration;
using LiveTracker.Actors.Contracts;
using LiveTracker.Actors.Deadlines;
using LiveTracker.Actors.Hosting;
using LiveTracker.Actors.Live;
using LiveTracker.Actors.Sessions;

namespace LiveTracker.Bench;

/// <summary>
/// Freelancers tracking through the real shard regions (contracts, their weeks, trackers) of an Akka.NET node on a real journal:
/// every simulated minute each freelancer's agent reports one minute of activity to its tracker, and once per
/// 10-minute segment sends one screen capture (metadata only) to its contract's week. The run crosses a week boundary
/// (Monday 00:00 UTC), where every contract's next week starts and its last week locks. Measures events/s
/// ingested, command latency, and managed memory per resident and per passivated entity.
/// </summary>
internal static class TrackingBenchmark
{
    private const int MaxInFlight = 2_000;
    private const int SegmentMinutes = 10;
    private const int IdleTimeoutMinutes = 10;
    private const long GoalBytesPerTracker = 8 * 1024;
    private const double GoalP99Milliseconds = 1_000;

    // Sharding passivates by real time: longer than the slowest simulated minute (the first, which starts every week
    // entity) and the setup take, so nothing that receives a message every simulated minute is passivated while
    // tracking. (At 20 s a slow first minute passivated the contracts, and every later minute paid for restarting them.)
    private static readonly TimeSpan PassivateAfter = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan AskTimeout = TimeSpan.FromMinutes(2);

    public static async Task<string> RunAsync(string name, string directory, PersistenceSettings database, int freelancers, int simulatedMinutes, TextWriter log)
    {
        var n = freelancers;
        var minutes = simulatedMinutes;
        // The run crosses the boundary of ISO weeks 2026-W47 and W48: an hour before it (contracts open their next week
        // in that hour, ADR 0017), the rest after it, in which the last week's timesheets lock.
        var boundary = new DateTimeOffset(2026, 11, 23, 0, 0, 0, TimeSpan.Zero);
        var minutesBefore = minutes >= 75 ? 60 : Math.Max(1, minutes * 3 / 4);
        var dayStart = boundary.AddMinutes(-minutesBefore);
        var clock = new SimulatedClock(dayStart);
        var run = Guid.NewGuid().ToString("N")[..8];

        await using var node = await BenchNode.StartAsync(directory, database, clock, PassivateAfter, AskTimeout);
        var journal = new JournalPosition(database);

        var captures = 0L;
        for (var i = 0; i < n; i++)
        {
            captures += Enumerable.Range(0, minutes).Count(m => m % SegmentMinutes == i % SegmentMinutes);
        }

        using var gate = new SemaphoreSlim(MaxInFlight, MaxInFlight);
        var activityPump = new Pump(gate, (int)((long)n * minutes));
        var capturePump = new Pump(gate, (int)captures);
        var setupPump = new Pump(gate, 2 * n);
        var stopPump = new Pump(gate, n);

        var baseline = ManagedBytes();
        log.WriteLine($"tracking ({name}): {n:N0} freelancers, {minutes:N0} simulated minutes, {captures:N0} captures");

        // Setup: one contract per freelancer, tracking turned on through the contract.
        var setup = Stopwatch.StartNew();
        var orderingBefore = await journal.HighestOrderingAsync(CancellationToken.None);
        for (var i = 0; i < n; i++)
        {
            var index = i;
            await setupPump.SendAsync(() => node.AskAsync<ContractRegion>(ContractId(run, index), new CreateContract(
                "cl-" + run + "-" + index, FreelancerId(run, index), "Bench contract", ContractKind.Hourly, 6_000, "USD", null, SegmentMinutes, IdleTimeoutMinutes)), typeof(Accepted));
        }

        await setupPump.DrainAsync();
        for (var i = 0; i < n; i++)
        {
            var index = i;
            await setupPump.SendAsync(() => node.AskAsync<ContractRegion>(ContractId(run, index), new StartContractTracking(
                FreelancerId(run, index), DeviceId(index), "Working on the bench", null)), typeof(TrackingSession));
        }

        await setupPump.DrainAsync();
        setup.Stop();
        log.WriteLine($"  setup ({2 * n:N0} commands) in {setup.Elapsed.TotalSeconds:N1} s");

        // Tracking: minute m is reported once it is over (the clock stands at its end), for every freelancer;
        // freelancer i's capture falls in minute m of each segment with m % 10 == i % 10.
        var ingestStart = await journal.HighestOrderingAsync(CancellationToken.None);
        var expected = 0L;
        int openingActivity = 0, openingCaptures = 0;
        var ingest = Stopwatch.StartNew();
        var minuteTimes = new List<TimeSpan>();
        var answeredBy = new List<(int Activity, int Captures)>();
        for (var m = 0; m < minutes; m++)
        {
            var minuteStarted = ingest.Elapsed;
            // The clock stands at the minute's last second while it is reported: the last minute of a week is reported
            // before the week locks (ADR 0017 says what a real agent's report at 00:00:01 meets).
            clock.Set(dayStart.AddMinutes(m + 1).AddSeconds(-1));
            var minute = dayStart.AddMinutes(m);
            // Activity, plus on the first minute the week opened by the first command (the contract notes the week,
            // schedules its timesheet and writes the timesheet's lock deadline, the week records its terms).
            var eventsThisMinute = (long)n + (m == 0 ? 4L * n : 0);
            for (var i = 0; i < n; i++)
            {
                var index = i;
                var counts = (int)((((uint)(index * 31)) + (uint)(m * 17)) % 90);
                await activityPump.SendAsync(() => node.AskAsync<TrackerRegion>(FreelancerId(run, index), new ReportActivity(
                    DeviceId(index), [new ActivityMinute(minute, 5 + counts, counts % 7, counts % 3)])), typeof(Accepted));
                if (m % SegmentMinutes == index % SegmentMinutes)
                {
                    eventsThisMinute++;
                    var capturedAt = minute.AddSeconds(30);
                    await capturePump.SendAsync(() => node.AskAsync<ContractRegion>(ContractId(run, index), new ForWeek(capturedAt, new RecordCapture(
                        $"{index}-{m}", capturedAt, CaptureKind.Screen, "sha256-" + run + index.ToString("x8", CultureInfo.InvariantCulture) + m.ToString("x4", CultureInfo.InvariantCulture),
                        180_000, AppName: "Code", WindowTitle: "TrackingBenchmark.cs"))), typeof(CaptureAccepted));
                }
            }

            // Every command of the minute answered (captures after their write, activity by its week once written):
            // the backlog stays bounded and events/s is what the journal really absorbs.
            await activityPump.DrainAsync();
            answeredBy.Add((activityPump.Completed, capturePump.Completed));
            if (m == 0)
            {
                // Everything of the opening minute has answered: what completes from here on is the steady state.
                openingActivity = activityPump.Completed;
                openingCaptures = capturePump.Completed;
            }

            expected += eventsThisMinute;
            minuteTimes.Add(ingest.Elapsed - minuteStarted);
            if ((m + 1) % Math.Max(1, minutes / 6) == 0)
            {
                log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  minute {m + 1}/{minutes}: {ingest.Elapsed.TotalSeconds:N1} s"));
            }
        }

        ingest.Stop();
        if (minutesBefore < minutes)
        {
            // Each contract's next week was opened (ahead of the boundary, or by its first command): four events again.
            expected += 4L * n;
        }

        var openingMinute = minuteTimes[0];
        var medianMinute = minuteTimes.Count > 1 ? minuteTimes.Skip(1).Order().ElementAt((minuteTimes.Count - 1) / 2) : TimeSpan.Zero;
        // The first minute of the new week (its first commands; the old week's locks begin) and the ten after it.
        var boundaryMinute = minutesBefore < minutes ? minuteTimes[minutesBefore] : (TimeSpan?)null;
        double[] Answered(int fromMinute, int toMinute)
        {
            var from = fromMinute == 0 ? (0, 0) : answeredBy[fromMinute - 1];
            var to = answeredBy[Math.Min(toMinute, answeredBy.Count) - 1];
            return [.. activityPump.LatenciesFrom(from.Item1).Take(to.Activity - from.Item1).Concat(capturePump.LatenciesFrom(from.Item2).Take(to.Captures - from.Item2)).Order()];
        }

        var boundaryLatencies = boundaryMinute is null ? [] : Answered(minutesBefore, minutesBefore + 1);
        var afterBoundaryLatencies = boundaryMinute is null ? [] : Answered(minutesBefore, minutesBefore + 10);
        var beforeBoundaryLatencies = Answered(1, minutesBefore);
        // The journal also holds what the deadline keeper noted and the idle checks re-armed: rows, beside the domain's events.
        var ingested = await journal.HighestOrderingAsync(CancellationToken.None) - ingestStart;
        var eventsPerSecond = expected / ingest.Elapsed.TotalSeconds;
        log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  wrote {expected:N0} domain events ({ingested:N0} journal rows) in {ingest.Elapsed.TotalSeconds:N1} s: {eventsPerSecond:N0} events/s"));

        // Memory: everything resident, then contracts and weeks passivated (trackers keep themselves alive while
        // tracking), then tracking stopped and trackers passivated too.
        var keeperAfterIngest = await DueDeadlinesAsync(node, clock);
        log.WriteLine($"  deadline keeper after ingest: {keeperAfterIngest}");
        var residentCounts = await CountsAsync(node);
        var allResident = ManagedBytes();
        var residentCountsAfter = await CountsAsync(node);
        log.WriteLine($"  resident {residentCounts} (after measuring {residentCountsAfter}): {allResident - baseline:N0} bytes above baseline");

        // A few contracts may be woken again meanwhile by their deadlines (the parties' accounts, the timesheet): counted.
        var contractsLeft = await WaitForCountAsync<ContractRegion>(node, 0, PassivateAfter + TimeSpan.FromSeconds(70));
        var weeksLeft = await WaitForCountAsync<WeekRegion>(node, 0, PassivateAfter + TimeSpan.FromSeconds(40));
        var keeperAfterWait = await DueDeadlinesAsync(node, clock);
        log.WriteLine($"  {contractsLeft:N0} contracts and {weeksLeft:N0} weeks still resident after waiting for passivation; deadline keeper: {keeperAfterWait}");
        var trackerCountActive = await node.CountAsync<TrackerRegion>();
        var trackersResident = ManagedBytes();
        log.WriteLine($"  contracts and weeks passivated, {trackerCountActive:N0} trackers resident: {trackersResident - baseline:N0} bytes above baseline");

        for (var i = 0; i < n; i++)
        {
            var index = i;
            await stopPump.SendAsync(() => node.AskAsync<TrackerRegion>(FreelancerId(run, index), new StopTracking(DeviceId(index))), typeof(Accepted));
        }

        await stopPump.DrainAsync();
        var trackersLeft = await WaitForCountAsync<TrackerRegion>(node, 0, PassivateAfter + TimeSpan.FromSeconds(70));
        // Contracts still resident or woken meanwhile (the counts after waiting above say how many) must be gone too.
        await WaitForCountAsync<ContractRegion>(node, 0, PassivateAfter + TimeSpan.FromSeconds(70));
        log.WriteLine($"  {trackersLeft:N0} trackers still resident after waiting for passivation");
        var passivatedCounts = await CountsAsync(node);
        var passivated = ManagedBytes();
        log.WriteLine($"  everything passivated ({passivatedCounts} resident): {passivated - baseline:N0} bytes above baseline");

        var bareActor = await BareActorBytesAsync(n);
        log.WriteLine($"  a bare Akka.NET actor that has handled one message: {bareActor:N0} bytes");

        var failures = setupPump.Failures + activityPump.Failures + capturePump.Failures + stopPump.Failures;
        var firstFailure = setupPump.FirstFailure ?? activityPump.FirstFailure ?? capturePump.FirstFailure ?? stopPump.FirstFailure;

        var perFreelancer = (allResident - passivated) / (double)n;
        var perTracker = (trackersResident - passivated) / (double)n;
        var perContractAndWeek = (allResident - trackersResident) / (double)n;
        var perPassivated = (passivated - baseline) / (double)n;
        var available = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        var trackersPerNode = perTracker > 0 ? available / perTracker : double.PositiveInfinity;
        var freelancersPerNode = perFreelancer > 0 ? available / perFreelancer : double.PositiveInfinity;
        var all = activityPump.Latencies.Concat(capturePump.Latencies).Order().ToArray();
        var steady = activityPump.LatenciesFrom(openingActivity).Concat(capturePump.LatenciesFrom(openingCaptures)).Order().ToArray();
        var memoryMet = perTracker <= GoalBytesPerTracker;
        var latencyMet = Measure.Percentile(steady, 0.99) <= GoalP99Milliseconds;

        var md = new StringBuilder();
        md.AppendLine(CultureInfo.InvariantCulture, $"### Tracking: {n:N0} freelancers, {minutes:N0} simulated minutes ({name})");
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"The real shard regions (contracts, work weeks, trackers) of an Akka.NET node on the {name} journal (Akka.Persistence.Sql). Each freelancer has a contract and turns tracking on through it; then for every simulated minute each agent reports that minute's input counts to its tracker (which forwards them through the contract to the week, where they are written), and once per 10-minute segment sends one screen capture as metadata (blob key, size, app, window title) to its contract's week, which writes it before answering. The {minutes:N0} simulated minutes run from Sunday {dayStart:HH:mm} UTC across the week boundary (Monday 00:00 UTC, when every freelancer's next week starts and the last week's timesheets lock) to {dayStart.AddMinutes(minutes):HH:mm}; a longer run (`bench/run tracking --minutes 1440`, a full day) is the same per-minute load for longer.");
        md.AppendLine(CultureInfo.InvariantCulture, $"At most {MaxInFlight:N0} commands are outstanding, and the driver waits for every answer of a simulated minute before the next; activity is answered by its week once written, so the rate below is what the journal durably absorbs. The node's clock is simulated and stands at the last second of the minute being reported; timers, passivation and timeouts run in real time.");
        md.AppendLine();
        md.AppendLine("| | count | p50 ms | p99 ms | max ms |");
        md.AppendLine("|---|---:|---:|---:|---:|");
        md.AppendLine(LatencyRow("activity report (after the week's write)", activityPump.Latencies));
        md.AppendLine(LatencyRow("capture (ack after the write)", capturePump.Latencies));
        md.AppendLine(LatencyRow("all tracking commands", all));
        md.AppendLine(LatencyRow("all, after the cold start", steady));
        md.AppendLine(LatencyRow("the hour before the boundary (next weeks opened)", beforeBoundaryLatencies));
        md.AppendLine(LatencyRow("the boundary minute (Monday 00:00)", boundaryLatencies));
        md.AppendLine(LatencyRow("the ten minutes from the boundary (timesheets lock)", afterBoundaryLatencies));
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"The cold start is the first minute, in which all {n:N0} freelancers' first week entities start at once (brand new: the plugin still asks the snapshot store and the journal for each) and each contract opens its week with four more events; it took {openingMinute.TotalSeconds:N1} s against a median of {medianMinute.TotalSeconds:N1} s for the others (ADR 0016). It happens only in a benchmark that starts everyone together: in production freelancers start tracking at different times, and at the week boundary, where everyone's next week does start in the same minute, contracts have opened it in the hour before (ADR 0017). {(boundaryMinute is { } b ? $"The boundary minute took {b.TotalSeconds:N1} s." : "This run is too short to reach the boundary.")}");
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"Setup ({2 * n:N0} commands: create contract, start tracking) took {setup.Elapsed.TotalSeconds:N1} s. Tracking wrote {expected:N0} domain events ({ingested:N0} journal rows with the deadlines' bookkeeping) in {ingest.Elapsed.TotalSeconds:N1} s: **{eventsPerSecond:N0} events/s**, {(long)n * minutes / ingest.Elapsed.TotalSeconds:N0} activity minutes/s. Commands refused or failed: {failures:N0}{(firstFailure is null ? "" : $" (first: {firstFailure})")}.");
        md.AppendLine();
        md.AppendLine("Managed heap after two forced, compacting full collections (`GC.GetTotalMemory(true)`), above the heap before the first contract was created, divided by the number of freelancers:");
        md.AppendLine();
        md.AppendLine("| resident | bytes above baseline | bytes each |");
        md.AppendLine("|---|---:|---:|");
        md.AppendLine(string.Create(CultureInfo.InvariantCulture, $"| every entity active ({residentCounts}) | {allResident - baseline:N0} | {(allResident - baseline) / (double)n:N0} per freelancer |"));
        md.AppendLine(string.Create(CultureInfo.InvariantCulture, $"| contracts and weeks passivated, {trackerCountActive:N0} trackers tracking | {trackersResident - baseline:N0} | {(trackersResident - baseline) / (double)n:N0} per freelancer |"));
        md.AppendLine(string.Create(CultureInfo.InvariantCulture, $"| everything passivated | {passivated - baseline:N0} | {perPassivated:N0} per freelancer |"));
        md.AppendLine();
        md.AppendLine(string.Create(CultureInfo.InvariantCulture, $"So an active tracker costs {perTracker:N0} bytes, its contract and week (with {(minutes + SegmentMinutes - 1) / SegmentMinutes:N0} segments of activity and captures) another {perContractAndWeek:N0}, an active freelancer {perFreelancer:N0} in all, and a passivated one {perPassivated:N0} (an upper bound: it also counts what the run grew outside the entities and keeps, such as the shards' collections and the database client's connection pool and buffers). For comparison, an Akka.NET actor with no state of its own costs {bareActor:N0} bytes once it has handled a message (cell, mailbox, path), so that much of a tracker is the engine's per-actor floor, not its state. With the {available / (1024.0 * 1024 * 1024):N1} GiB this process may use, that is about {trackersPerNode:N0} tracker entities, or {freelancersPerNode:N0} freelancers with all three entities resident, per node. Only the managed heap is counted: the runtime itself, thread stacks and native memory (such as SQLite's page cache) are not."));
        md.AppendLine();
        md.AppendLine(string.Create(CultureInfo.InvariantCulture, $"Entities still resident after waiting for passivation ({(PassivateAfter + TimeSpan.FromSeconds(70)).TotalSeconds:N0} s for contracts, {(PassivateAfter + TimeSpan.FromSeconds(40)).TotalSeconds:N0} s for weeks): {contractsLeft:N0} contracts, {weeksLeft:N0} weeks; they are woken while their freelancers track, by what is not yet known (bench/NOTES.md); the keeper hands out at most {DeadlineKeeper.MaxInFlight:N0} deadlines per 1 s tick. Deadlines due and not yet delivered, by region and name, right after ingest: {keeperAfterIngest}; after the wait: {keeperAfterWait}."));
        md.AppendLine();
        md.AppendLine(string.Create(CultureInfo.InvariantCulture, $"**Ingest: {eventsPerSecond:N0} events/s, p99 {Measure.Percentile(steady, 0.99):N1} ms after the cold start, the week boundary included ({Measure.Percentile(boundaryLatencies, 0.99):N1} ms in the boundary minute; {Measure.Percentile(all, 0.99):N1} ms with the cold start); resident tracker: {perTracker:N0} bytes active ({perFreelancer:N0} with its contract and weeks), {perPassivated:N0} bytes passivated** (goals: nothing refused: {(failures == 0 ? "met" : "missed")}; p99 ≤ 1 s after the cold start{(boundaryMinute is null ? " (boundary not reached)" : ", across the week boundary")}: {(latencyMet ? "met" : "missed")}; ≤ 8 KB per active tracker: {(memoryMet ? "met" : "missed")})."));
        return md.ToString();
    }

    /// <summary>The deadline keeper's backlog: deadlines due on the node's clock and not delivered yet, by region and name.</summary>
    private static async Task<string> DueDeadlinesAsync(BenchNode node, TimeProvider clock)
    {
        var pending = await node.Registry.Get<DeadlineKeeperSingleton>().Ask<PendingDeadlines>(new GetDeadlines(), TimeSpan.FromSeconds(30));
        var now = clock.GetUtcNow();
        var due = pending.Deadlines.Where(d => d.DueAt <= now).ToList();
        return due.Count == 0
            ? "none"
            : string.Join(", ", due.GroupBy(d => $"{d.Region} {d.Name}").OrderByDescending(g => g.Count())
                .Select(g => string.Create(CultureInfo.InvariantCulture, $"{g.Count():N0} {g.Key}")))
              + string.Create(CultureInfo.InvariantCulture, $" ({pending.Deadlines.Count:N0} pending in all)");
    }

    /// <summary>Akka.NET's floor: managed bytes of an actor with no state of its own, after one message.</summary>
    private static async Task<double> BareActorBytesAsync(int count)
    {
        using var system = ActorSystem.Create("bench-bare");
        var actors = new IActorRef[count];
        var before = ManagedBytes();
        for (var i = 0; i < count; i++)
        {
            actors[i] = system.ActorOf(Props.Create(() => new Echo()), "echo-" + i.ToString(CultureInfo.InvariantCulture));
        }

        for (var i = 0; i < count; i++)
        {
            await actors[i].Ask<int>(i, AskTimeout);
        }

        var after = ManagedBytes();
        GC.KeepAlive(actors);
        await system.Terminate();
        return (after - before) / (double)count;
    }

    private static string ContractId(string run, int index) => $"c-{run}-{index}";

    private static string FreelancerId(string run, int index) => $"f-{run}-{index}";

    private static string DeviceId(int index) => "dev-" + index.ToString(CultureInfo.InvariantCulture);

    private static long ManagedBytes()
    {
        for (var i = 0; i < 2; i++)
        {
            GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
            GC.WaitForPendingFinalizers();
        }

        return GC.GetTotalMemory(forceFullCollection: true);
    }

    private static async Task<string> CountsAsync(BenchNode node) =>
        $"{await node.CountAsync<ContractRegion>():N0} contracts, {await node.CountAsync<WeekRegion>():N0} weeks, {await node.CountAsync<TrackerRegion>():N0} trackers";

    /// <summary>Waits until the region runs <paramref name="count"/> entities or the timeout passed; returns how many run.</summary>
    private static async Task<int> WaitForCountAsync<TRegion>(BenchNode node, int count, TimeSpan timeout)
    {
        var waited = Stopwatch.StartNew();
        int running;
        while ((running = await node.CountAsync<TRegion>()) > count && waited.Elapsed < timeout)
        {
            await Task.Delay(500);
        }

        return running;
    }

    private static string LatencyRow(string label, double[] values)
    {
        var sorted = values.Order().ToArray();
        return string.Create(CultureInfo.InvariantCulture,
            $"| {label} | {sorted.Length:N0} | {Measure.Percentile(sorted, 0.50):N1} | {Measure.Percentile(sorted, 0.99):N1} | {Measure.Percentile(sorted, 1):N1} |");
    }

    private sealed class Echo : ReceiveActor
    {
        public Echo() => ReceiveAny(message => Sender.Tell(message));
    }

    /// <summary>Asks with a bound on outstanding requests, recording each one's latency.</summary>
    private sealed class Pump(SemaphoreSlim gate, int capacity)
    {
        private readonly double[] _latencies = new double[capacity];
        private int _count;
        private int _failures;
        private string? _firstFailure;

        public double[] Latencies => _latencies[..Math.Min(Volatile.Read(ref _count), _latencies.Length)].Order().ToArray();

        /// <summary>How many asks have answered so far; their latencies are recorded in the order they answered.</summary>
        public int Completed => Math.Min(Volatile.Read(ref _count), _latencies.Length);

        /// <summary>The latencies of the asks that answered after the first <paramref name="start"/>.</summary>
        public double[] LatenciesFrom(int start) => _latencies[Math.Min(start, Completed)..Completed];

        public int Failures => Volatile.Read(ref _failures);

        public string? FirstFailure => Volatile.Read(ref _firstFailure);

        /// <summary>Waits until nothing is outstanding on the gate (of any pump sharing it).</summary>
        public async Task DrainAsync()
        {
            for (var i = 0; i < MaxInFlight; i++)
            {
                await gate.WaitAsync();
            }

            gate.Release(MaxInFlight);
        }

        public async Task SendAsync(Func<Task<object>> ask, Type expected)
        {
            await gate.WaitAsync();
            _ = CompleteAsync(ask, expected, Stopwatch.GetTimestamp());
        }

        private async Task CompleteAsync(Func<Task<object>> ask, Type expected, long started)
        {
            try
            {
                var reply = await ask();
                var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                var slot = Interlocked.Increment(ref _count) - 1;
                if (slot < _latencies.Length)
                {
                    _latencies[slot] = elapsed;
                }

                if (reply.GetType() != expected)
                {
                    Fail(reply.ToString() ?? reply.GetType().Name);
                }
            }
            catch (Exception ex) when (ex is AskTimeoutException or TimeoutException or InvalidOperationException)
            {
                Fail(ex.Message);
            }
            finally
            {
                gate.Release();
            }
        }

        private void Fail(string what)
        {
            Interlocked.Increment(ref _failures);
            Interlocked.CompareExchange(ref _firstFailure, what, null);
        }
    }

    /// <summary>The node's clock: stands still while a simulated minute is reported and is moved by the driver.</summary>
    private sealed class SimulatedClock(DateTimeOffset start) : TimeProvider
    {
        private long _utcTicks = start.UtcTicks;

        public override DateTimeOffset GetUtcNow() => new(Volatile.Read(ref _utcTicks), TimeSpan.Zero);

        public void Set(DateTimeOffset now) => Volatile.Write(ref _utcTicks, Math.Max(Volatile.Read(ref _utcTicks), now.UtcTicks));

        public void Advance(TimeSpan by) => Interlocked.Add(ref _utcTicks, by.Ticks);
    }
}
