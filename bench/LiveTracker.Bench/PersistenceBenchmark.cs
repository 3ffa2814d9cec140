using System.Data.Common;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using Akka.Actor;
using Akka.Persistence;
using LiveTracker.Actors.Configuration;
using LiveTracker.Actors.Contracts;
using LiveTracker.Actors.Hosting;
using LiveTracker.Actors.Live;
using LiveTracker.Actors.Serialization;
using PersistenceSettings = LiveTracker.Actors.Configuration.PersistenceSettings;

namespace LiveTracker.Bench;

/// <summary>
/// Akka.Persistence.Sql as the node configures it (the product's serializer, table mapping and settings), on the
/// benchmark's database: how many events/s 1,000 entities persist with one <c>Persist</c> per command, and how fast
/// one entity with a long history recovers; each beside the same rows written or read by hand in batches on the same
/// database in the same run (the ceiling the database allows).
/// </summary>
internal static class PersistenceBenchmark
{
    private const int Runs = 3;
    private const int RawBatch = 1_000;
    private static int _timeouts;

    public static async Task<string> JournalAsync(string name, string directory, PersistenceSettings database, int entities, int commandsPerEntity, TextWriter log)
    {
        await using var node = await BenchNode.StartAsync(directory, database, TimeProvider.System, TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(2));
        var payload = LiveTrackerSerializer.Events.SerializeToUtf8Bytes(Activity(1));
        _timeouts = 0;
        log.WriteLine($"journal ({name}): {entities:N0} entities x {commandsPerEntity:N0} commands, one Persist each");
        // Fresh persistence ids per run: a database may hold earlier runs.
        var run = Guid.NewGuid().ToString("N")[..8];
        var round = 0;
        var (akka, raw) = await Measure.InterleavedAsync(
            () => PersistAsync(node, $"bench-{run}-{++round}-", entities, commandsPerEntity),
            () => RawInsertAsync(database, $"bench-raw-{run}-{round}-", entities * commandsPerEntity, payload),
            Runs, log, "Akka.Persistence.Sql", "raw batched insert");
        var md = new StringBuilder();
        md.AppendLine(CultureInfo.InvariantCulture, $"### Journal: {entities:N0} entities persisting, one event per command ({name})");
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"Each of {entities:N0} persistent actors (Akka.Persistence.Sql with the node's settings and JSON serializer, `ActivityRecorded` events of {payload.Length} bytes) handles {commandsPerEntity:N0} commands one after another, each a single `Persist` answered once durable; all entities run at once. The baseline writes the same number of rows of the same size into a table shaped like the journal's, {RawBatch:N0} rows per multi-row insert and transaction, on the same database. Events/s per run (warm-up first):");
        md.AppendLine();
        md.AppendLine("| run | Akka.Persistence.Sql | raw batched insert | ratio |");
        md.AppendLine("|---:|---:|---:|---:|");
        for (var i = 0; i < akka.Count; i++)
        {
            md.AppendLine(Measure.Row(i + 1, akka[i], raw[i]));
        }

        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"Commands not answered within 30 s (over all runs): {_timeouts:N0}.");
        md.AppendLine();
        md.AppendLine(string.Create(CultureInfo.InvariantCulture, $"**Journal ({name}): {Measure.Median(akka):N0} events/s persisted by {entities:N0} entities, {Measure.Median(akka) / Measure.Median(raw):0.00}× a raw batched insert ({Measure.Median(raw):N0} rows/s); {_timeouts:N0} commands timed out** (goal {(name == "sqlite" ? "5,000" : "10,000")} events/s: {(Measure.Median(akka) >= (name == "sqlite" ? 5_000 : 10_000) && _timeouts == 0 ? "met" : "not met")})."));
        return md.ToString();
    }

    public static async Task<string> RecoveryAsync(string name, string directory, PersistenceSettings database, int events, TextWriter log)
    {
        var id = "bench-recovery-" + Guid.NewGuid().ToString("N")[..8];
        await using var node = await BenchNode.StartAsync(directory, database, TimeProvider.System, TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(5));
        log.WriteLine($"recovery ({name}): writing {events:N0} events of one entity");
        await WriteHistoryAsync(database, id, events);
        var (akka, raw) = await Measure.InterleavedAsync(
            () => RecoverAsync(node, id, events),
            () => RawReadAsync(database, id, events),
            Runs, log, "recovery", "raw read");
        var md = new StringBuilder();
        md.AppendLine(CultureInfo.InvariantCulture, $"### Recovery: one entity with {events:N0} events ({name})");
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"A fresh persistent actor replays the whole history (read, deserialize with the product's serializer, apply) until `RecoveryCompleted`, beside reading the same rows' payloads by hand in one ordered query on the same database. Events/s per run:");
        md.AppendLine();
        md.AppendLine("| run | Akka.Persistence.Sql recovery | raw read | ratio |");
        md.AppendLine("|---:|---:|---:|---:|");
        for (var i = 0; i < akka.Count; i++)
        {
            md.AppendLine(Measure.Row(i + 1, akka[i], raw[i]));
        }

        md.AppendLine();
        md.AppendLine(string.Create(CultureInfo.InvariantCulture, $"**Recovery ({name}): {Measure.Median(akka):N0} events/s for one entity with {events:N0} events, {Measure.Median(akka) / Measure.Median(raw):0.00}× a raw read ({Measure.Median(raw):N0} rows/s).**"));
        return md.ToString();
    }

    /// <summary>
    /// <paramref name="entities"/> entities with <paramref name="eventsEach"/> events each recover at once (issue 14:
    /// ≥ 20,000 events/s), beside reading the same rows by hand, one query per entity, as many at once as the journal
    /// replays (<c>akka.persistence.max-concurrent-recoveries</c>).
    /// </summary>
    public static async Task<string> ManyRecoveriesAsync(string name, string directory, PersistenceSettings database, int entities, int eventsEach, TextWriter log)
    {
        var run = Guid.NewGuid().ToString("N")[..8];
        var ids = Enumerable.Range(0, entities).Select(i => $"bench-many-{run}-{i.ToString(CultureInfo.InvariantCulture)}").ToArray();
        await using var node = await BenchNode.StartAsync(directory, database, TimeProvider.System, TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(5));
        var concurrent = node.System.Settings.Config.GetInt("akka.persistence.max-concurrent-recoveries", 50);
        log.WriteLine($"recovery ({name}): writing {eventsEach:N0} events for each of {entities:N0} entities");
        var writing = Stopwatch.StartNew();
        await WriteHistoryAsync(database, ids, eventsEach);
        log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  written in {writing.Elapsed.TotalSeconds:N1} s"));
        var total = (long)entities * eventsEach;
        var (akka, raw) = await Measure.InterleavedAsync(
            () => RecoverAllAsync(node, ids, eventsEach),
            () => RawReadAllAsync(database, ids, eventsEach, concurrent),
            Runs, log, $"{entities:N0} recoveries at once", "raw reads");
        var md = new StringBuilder();
        md.AppendLine(CultureInfo.InvariantCulture, $"### Recovery: {entities:N0} entities with {eventsEach:N0} events each, all at once ({name})");
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"The {total:N0} rows are written by hand as the journal writes them (interleaved: the first event of every entity, then the second, as entities that ran side by side leave them). Then {entities:N0} fresh persistent actors (the node's Akka.Persistence.Sql settings and serializer, no snapshot) are started at once and timed until the last has its `RecoveryCompleted`; Akka.Persistence lets {concurrent:N0} recover at a time (`max-concurrent-recoveries`). The baseline reads the same rows' payloads by hand, one ordered query per entity, {concurrent:N0} queries at a time, on the same database. Events/s per run:");
        md.AppendLine();
        md.AppendLine("| run | Akka.Persistence.Sql recovery | raw reads | ratio |");
        md.AppendLine("|---:|---:|---:|---:|");
        for (var i = 0; i < akka.Count; i++)
        {
            md.AppendLine(Measure.Row(i + 1, akka[i], raw[i]));
        }

        md.AppendLine();
        var met = Measure.Median(akka) >= 20_000;
        md.AppendLine(string.Create(CultureInfo.InvariantCulture, $"**Recovery ({name}): {Measure.Median(akka):N0} events/s for {entities:N0} entities recovering at once ({eventsEach:N0} events each), {Measure.Median(akka) / Measure.Median(raw):0.00}× raw reads of the same rows ({Measure.Median(raw):N0} rows/s)** (goal ≥ 20,000 events/s: {(met ? "met" : "not met")})."));
        return md.ToString();
    }

    private static async Task<double> RecoverAllAsync(BenchNode node, string[] ids, int eventsEach)
    {
        var done = ids.Select(_ => new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously)).ToArray();
        var clock = Stopwatch.StartNew();
        var actors = ids.Select((id, i) => node.System.ActorOf(ActorFactory.Props(() => new BenchEntity(id, done[i])))).ToArray();
        var recovered = await Task.WhenAll(done.Select(d => d.Task)).WaitAsync(TimeSpan.FromMinutes(10));
        var elapsed = clock.Elapsed.TotalSeconds;
        foreach (var actor in actors)
        {
            actor.Tell(PoisonPill.Instance);
        }

        if (recovered.Any(r => r != eventsEach))
        {
            throw new InvalidOperationException($"an entity recovered {recovered.First(r => r != eventsEach):N0} events, expected {eventsEach:N0}");
        }

        return recovered.Sum() / elapsed;
    }

    private static async Task<double> RawReadAllAsync(PersistenceSettings database, string[] ids, int eventsEach, int concurrent)
    {
        var clock = Stopwatch.StartNew();
        var read = 0L;
        await Parallel.ForEachAsync(ids, new ParallelOptions { MaxDegreeOfParallelism = concurrent }, async (id, cancellationToken) =>
        {
            await using var connection = Open(database);
            await connection.OpenAsync(cancellationToken);
            await using var command = connection.CreateCommand();
            command.CommandText = $"SELECT payload FROM {JournalPosition.JournalTable} WHERE persistence_id = '{id}' ORDER BY sequence_nr";
            var rows = 0L;
            await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
            {
                while (await reader.ReadAsync(cancellationToken))
                {
                    rows += ((byte[])reader.GetValue(0)).Length > 0 ? 1 : 0;
                }
            }

            Interlocked.Add(ref read, rows);
        });
        var elapsed = clock.Elapsed.TotalSeconds;
        var expected = (long)ids.Length * eventsEach;
        return read == expected ? read / elapsed : throw new InvalidOperationException($"read {read:N0} rows, expected {expected:N0}");
    }

    private static ActivityRecorded Activity(long n) =>
        new([new ActivityMinute(new DateTimeOffset(2026, 11, 18, 9, 0, 0, TimeSpan.Zero).AddMinutes(n % 10_000), (int)(n % 97), (int)(n % 13), (int)(n % 5))]);

    private static async Task<double> PersistAsync(BenchNode node, string prefix, int entities, int commands)
    {
        var actors = Enumerable.Range(0, entities)
            .Select(i => node.System.ActorOf(ActorFactory.Props(() => new BenchEntity(prefix + i.ToString(CultureInfo.InvariantCulture)))))
            .ToArray();
        await Task.WhenAll(actors.Select(a => a.Ask<long>(GetCount.Instance, TimeSpan.FromMinutes(1)))); // recovered, ready
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(actors.Select(async actor =>
        {
            for (var c = 0; c < commands; c++)
            {
                try
                {
                    await actor.Ask<long>(c, TimeSpan.FromSeconds(30));
                }
                catch (AskTimeoutException)
                {
                    Interlocked.Increment(ref _timeouts); // reported: an agent would have retried
                }
            }
        }));
        var elapsed = clock.Elapsed.TotalSeconds;
        foreach (var actor in actors)
        {
            actor.Tell(PoisonPill.Instance);
        }

        return entities * (double)commands / elapsed;
    }

    private static async Task<double> RecoverAsync(BenchNode node, string id, int events)
    {
        var done = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        var clock = Stopwatch.StartNew();
        var actor = node.System.ActorOf(ActorFactory.Props(() => new BenchEntity(id, done)));
        var recovered = await done.Task.WaitAsync(TimeSpan.FromMinutes(10));
        var elapsed = clock.Elapsed.TotalSeconds;
        actor.Tell(PoisonPill.Instance);
        if (recovered != events)
        {
            throw new InvalidOperationException($"recovered {recovered:N0} events, expected {events:N0}");
        }

        return events / elapsed;
    }

    /// <summary>The history, written as the journal writes rows (serializer id and manifest included), in batches.</summary>
    private static Task WriteHistoryAsync(PersistenceSettings database, string persistenceId, int events) =>
        WriteHistoryAsync(database, [persistenceId], events);

    /// <summary>
    /// <paramref name="eventsEach"/> events for each of <paramref name="persistenceIds"/>, interleaved as many entities'
    /// writes land in a journal (one sequence number of every entity, then the next), in batches of rows.
    /// </summary>
    private static async Task WriteHistoryAsync(PersistenceSettings database, IReadOnlyList<string> persistenceIds, int eventsEach)
    {
        await using var connection = Open(database);
        await connection.OpenAsync();
        var manifest = LiveTrackerSerializer.Events.TryManifestOf(typeof(ActivityRecorded))!;
        var created = database.Provider == PersistenceProvider.PostgreSql ? "created_at" : "timestamp";
        var rows = (long)persistenceIds.Count * eventsEach;
        for (var first = 0L; first < rows; first += RawBatch)
        {
            var last = Math.Min(rows, first + RawBatch) - 1;
            await using var transaction = await connection.BeginTransactionAsync();
            await using var command = connection.CreateCommand();
            command.Transaction = transaction;
            var sql = new StringBuilder($"INSERT INTO {JournalPosition.JournalTable} (persistence_id, sequence_nr, is_deleted, {created}, manifest, payload, serializer_id) VALUES ");
            for (var row = first; row <= last; row++)
            {
                var id = persistenceIds[(int)(row % persistenceIds.Count)];
                var seq = (row / persistenceIds.Count) + 1;
                var p = "@p" + (row - first).ToString(CultureInfo.InvariantCulture);
                sql.Append(row == first ? "" : ",").Append(CultureInfo.InvariantCulture, $"('{id}', {seq}, false, {DateTime.UtcNow.Ticks}, '{manifest}', {p}, {LiveTrackerSerializer.Id})");
                Add(command, p, LiveTrackerSerializer.Events.SerializeToUtf8Bytes(Activity(seq)));
            }

            command.CommandText = sql.ToString();
            await command.ExecuteNonQueryAsync();
            await transaction.CommitAsync();
        }
    }

    private static async Task<double> RawInsertAsync(PersistenceSettings database, string prefix, int rows, byte[] payload)
    {
        await using var connection = Open(database);
        await connection.OpenAsync();
        await using (var create = connection.CreateCommand())
        {
            create.CommandText = database.Provider == PersistenceProvider.PostgreSql
                ? "CREATE TABLE IF NOT EXISTS bench_raw (ordering BIGSERIAL PRIMARY KEY, persistence_id VARCHAR(255) NOT NULL, sequence_nr BIGINT NOT NULL, payload BYTEA NOT NULL, UNIQUE (persistence_id, sequence_nr))"
                : "CREATE TABLE IF NOT EXISTS bench_raw (ordering INTEGER PRIMARY KEY AUTOINCREMENT, persistence_id TEXT NOT NULL, sequence_nr INTEGER NOT NULL, payload BLOB NOT NULL, UNIQUE (persistence_id, sequence_nr))";
            await create.ExecuteNonQueryAsync();
        }

        var clock = Stopwatch.StartNew();
        for (var first = 0; first < rows; first += RawBatch)
        {
            var count = Math.Min(RawBatch, rows - first);
            await using var transaction = await connection.BeginTransactionAsync();
            await using var command = connection.CreateCommand();
            command.Transaction = transaction;
            var sql = new StringBuilder("INSERT INTO bench_raw (persistence_id, sequence_nr, payload) VALUES ");
            for (var i = 0; i < count; i++)
            {
                var p = "@p" + i.ToString(CultureInfo.InvariantCulture);
                sql.Append(i == 0 ? "" : ",").Append(CultureInfo.InvariantCulture, $"('{prefix}{(first + i) % 1000}', {first + i}, {p})");
                Add(command, p, payload);
            }

            command.CommandText = sql.ToString();
            await command.ExecuteNonQueryAsync();
            await transaction.CommitAsync();
        }

        return rows / clock.Elapsed.TotalSeconds;
    }

    private static async Task<double> RawReadAsync(PersistenceSettings database, string persistenceId, int events)
    {
        await using var connection = Open(database);
        await connection.OpenAsync();
        var clock = Stopwatch.StartNew();
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT payload FROM {JournalPosition.JournalTable} WHERE persistence_id = '{persistenceId}' ORDER BY sequence_nr";
        var read = 0L;
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                read += ((byte[])reader.GetValue(0)).Length > 0 ? 1 : 0;
            }
        }

        var elapsed = clock.Elapsed.TotalSeconds;
        return read == events ? events / elapsed : throw new InvalidOperationException($"read {read:N0} rows, expected {events:N0}");
    }

    private static DbConnection Open(PersistenceSettings database) => database.Provider == PersistenceProvider.PostgreSql
        ? new Npgsql.NpgsqlConnection(LiveTrackerAkka.ConnectionString(database))
        : new Microsoft.Data.Sqlite.SqliteConnection(LiveTrackerAkka.ConnectionString(database));

    private static void Add(DbCommand command, string name, byte[] value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value;
        command.Parameters.Add(parameter);
    }

    private sealed class GetCount
    {
        public static readonly GetCount Instance = new();
    }

    /// <summary>A persistent actor with one product event: each command persists one and answers the count once durable.</summary>
    private sealed class BenchEntity : ReceivePersistentActor
    {
        private long _count;

        public BenchEntity(string persistenceId, TaskCompletionSource<long>? recovered = null)
        {
            PersistenceId = persistenceId;
            Recover<ActivityRecorded>(_ => _count++);
            Recover<RecoveryCompleted>(_ => recovered?.TrySetResult(_count));
            Command<GetCount>(_ => Sender.Tell(_count));
            Command<int>(n => Persist(Activity(n), _ => Sender.Tell(++_count)));
        }

        public override string PersistenceId { get; }
    }
}
