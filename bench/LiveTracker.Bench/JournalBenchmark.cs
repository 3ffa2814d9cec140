using System.Diagnostics;
using System.Globalization;
using System.Text;
using LiveTracker.Actors.Persistence;
using LiveTracker.Actors.Persistence.Postgres;
using LiveTracker.Actors.Persistence.Sqlite;
using Microsoft.Data.Sqlite;
using Npgsql;
using NpgsqlTypes;

namespace LiveTracker.Bench;

/// <summary>
/// Journal throughput: many entities persisting concurrently through the batching journal, compared with the
/// best a hand-written loader does with the same rows (multi-row INSERTs, one transaction per batch, same
/// table layout). Every measured run gets fresh tables (PostgreSQL: a fresh schema; SQLite: a fresh file).
/// </summary>
internal static class JournalBenchmark
{
    private const int MeasuredRuns = 5;
    private const int BatchSize = 1_000; // the journal's default JournalWriterSettings.MaxBatchEvents
    private const string Manifest = "bench.activity-sampled";
    private const string WriterId = "bench-node/1";

    /// <summary>
    /// Rows per multi-row INSERT in the SQLite baseline. Measured fastest here (10: ~1.25x 50 rows, ~5x 1,000 rows):
    /// Microsoft.Data.Sqlite binds parameters by name, which grows quadratically with the statement's size.
    /// </summary>
    private const int SqliteRowsPerStatement = 10;

    /// <summary>
    /// Events/s persisted by <paramref name="entities"/> entities in parallel, each writing
    /// <paramref name="eventsPerEntity"/> single-event AtomicWrites one at a time (awaiting each, like an actor),
    /// against raw multi-row INSERT batches of the same rows. Warm-up, then journal and baseline runs
    /// interleaved; reports the medians and their ratio as a markdown section.
    /// </summary>
    public static async Task<string> RunAsync(
        string provider, string connectionStringOrFile, int entities, int eventsPerEntity, TextWriter log)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(entities, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(eventsPerEntity, 1);
        ArgumentNullException.ThrowIfNull(log);
        var target = Target.Create(provider, connectionStringOrFile);
        var payloads = Payloads(eventsPerEntity);
        var ids = Enumerable.Range(0, entities).Select(i => $"bench-entity-{i:D6}").ToArray();
        var baselineBatch = Math.Min(entities, BatchSize);

        log.WriteLine($"journal benchmark ({target.Name}): {entities} entities x {eventsPerEntity} events, warming up");
        // Full-size warm-up: tiered JIT needs a while before the hot paths run optimised code.
        await RunJournalAsync(target, ids, payloads).ConfigureAwait(false);
        await RunBaselineAsync(target, ids, payloads, baselineBatch).ConfigureAwait(false);

        var journal = new List<(double EventsPerSecond, double MeanBatch)>();
        var baseline = new List<double>();
        for (var run = 1; run <= MeasuredRuns; run++)
        {
            journal.Add(await RunJournalAsync(target, ids, payloads).ConfigureAwait(false));
            log.WriteLine($"  run {run}: journal {journal[^1].EventsPerSecond:N0} events/s (mean batch {journal[^1].MeanBatch:N0} events)");
            baseline.Add(await RunBaselineAsync(target, ids, payloads, baselineBatch).ConfigureAwait(false));
            log.WriteLine($"  run {run}: baseline {baseline[^1]:N0} events/s");
        }

        var journalMedian = Measure.Median(journal.Select(j => j.EventsPerSecond));
        var baselineMedian = Measure.Median(baseline);
        var ratio = journalMedian / baselineMedian;
        var settings = await target.DescribeDurabilityAsync().ConfigureAwait(false);

        var md = new StringBuilder();
        md.AppendLine(CultureInfo.InvariantCulture, $"### Journal write throughput ({target.Name})");
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture,
            $"{entities:N0} entities in parallel, each persisting {eventsPerEntity:N0} single-event AtomicWrites one at a time (awaiting each, like an actor); {entities * (long)eventsPerEntity:N0} events per run, fresh tables per run. {settings}");
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture,
            $"Baseline: the same rows as raw multi-row INSERTs over {target.Driver}, one transaction (one commit) per {baselineBatch:N0} rows, same table layout and indexes.");
        md.AppendLine();
        md.AppendLine("| run | journal events/s | journal mean batch (events) | baseline events/s |");
        md.AppendLine("|---:|---:|---:|---:|");
        for (var i = 0; i < MeasuredRuns; i++)
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"| {i + 1} | {journal[i].EventsPerSecond:N0} | {journal[i].MeanBatch:N0} | {baseline[i]:N0} |");
        }

        md.AppendLine(CultureInfo.InvariantCulture, $"| **median** | **{journalMedian:N0}** | | **{baselineMedian:N0}** |");
        md.AppendLine();
        var goalMet = ratio >= 0.7 && journalMedian >= 30_000;
        md.AppendLine(CultureInfo.InvariantCulture,
            $"**Journal / baseline = {ratio:0.00} at {journalMedian:N0} events/s** (medians of {MeasuredRuns} interleaved runs after a warm-up; goal ≥ 0.7 and ≥ 30,000 events/s: {(goalMet ? "met" : "missed")}).");
        return md.ToString();
    }

    private static async Task<(double EventsPerSecond, double MeanBatch)> RunJournalAsync(
        Target target, string[] ids, ReadOnlyMemory<string> payloads)
    {
        await using var fresh = await target.CreateFreshAsync().ConfigureAwait(false);
        await using var store = fresh.CreateStore();
        await store.InitializeAsync().ConfigureAwait(false);
        var journal = store.Journal;

        var timer = Stopwatch.StartNew();
        await Task.WhenAll(ids.Select(id => Task.Run(async () =>
        {
            for (var i = 0; i < payloads.Length; i++)
            {
                await journal.WriteAsync(new AtomicWrite(id, [new EventToWrite(i + 1, Manifest, payloads.Span[i])])).ConfigureAwait(false);
            }
        }))).ConfigureAwait(false);
        var elapsed = timer.Elapsed.TotalSeconds;

        var (batches, events) = store switch
        {
            PostgresPersistenceStore pg => pg.WriterStatistics,
            SqlitePersistenceStore sqlite => sqlite.WriterStatistics,
            _ => (0L, 0L),
        };
        return (ids.Length * (double)payloads.Length / elapsed, batches == 0 ? 0 : events / (double)batches);
    }

    private static async Task<double> RunBaselineAsync(Target target, string[] ids, ReadOnlyMemory<string> payloads, int batchSize)
    {
        await using var fresh = await target.CreateFreshAsync().ConfigureAwait(false);
        await using (var store = fresh.CreateStore())
        {
            await store.InitializeAsync().ConfigureAwait(false); // identical tables and indexes
        }

        var timer = Stopwatch.StartNew();
        await fresh.InsertRawAsync(ids, payloads, batchSize).ConfigureAwait(false);
        return ids.Length * (double)payloads.Length / timer.Elapsed.TotalSeconds;
    }

    /// <summary>A typical small activity event, ~150 bytes of JSON.</summary>
    private static string[] Payloads(int count) =>
        [.. Enumerable.Range(1, count).Select(i => string.Create(CultureInfo.InvariantCulture,
            $$"""{"app":"code","title":"Editing JournalBenchmark.cs - LiveTracker","idleSeconds":0,"keys":{{i % 97}},"clicks":{{i % 13}},"n":{{i}}}"""))];

    /// <summary>One back-end under test.</summary>
    private abstract class Target
    {
        public abstract string Name { get; }

        public abstract string Driver { get; }

        public static Target Create(string provider, string connectionStringOrFile) =>
            provider.ToUpperInvariant() switch
            {
                "POSTGRESQL" or "POSTGRES" => new PostgresTarget(connectionStringOrFile),
                "SQLITE" => new SqliteTarget(connectionStringOrFile),
                _ => throw new ArgumentException($"Unknown provider '{provider}' (postgresql or sqlite).", nameof(provider)),
            };

        public abstract Task<FreshTables> CreateFreshAsync();

        public abstract Task<string> DescribeDurabilityAsync();
    }

    /// <summary>Fresh, empty journal tables for one run; dropped on dispose.</summary>
    private abstract class FreshTables : IAsyncDisposable
    {
        public abstract IPersistenceStore CreateStore();

        /// <summary>
        /// Inserts every (entity, event) row with multi-row INSERTs, one transaction per <paramref name="batchSize"/>
        /// rows, in the order concurrently persisting entities reach the journal: event k of every entity, then k+1.
        /// </summary>
        public abstract Task InsertRawAsync(string[] ids, ReadOnlyMemory<string> payloads, int batchSize);

        public abstract ValueTask DisposeAsync();

        protected static IEnumerable<(string Id, long SequenceNr, string Payload)> Rows(string[] ids, ReadOnlyMemory<string> payloads)
        {
            for (var i = 0; i < payloads.Length; i++)
            {
                foreach (var id in ids)
                {
                    yield return (id, i + 1, payloads.Span[i]);
                }
            }
        }
    }

    private sealed class PostgresTarget(string connectionString) : Target
    {
        public override string Name => "postgresql";

        public override string Driver => "Npgsql (one `INSERT ... SELECT FROM unnest(arrays)` statement per batch)";

        public override async Task<FreshTables> CreateFreshAsync()
        {
            var schema = "ltbench_" + Guid.NewGuid().ToString("N");
            await using (var connection = new NpgsqlConnection(connectionString))
            {
                await connection.OpenAsync().ConfigureAwait(false);
                await using var create = new NpgsqlCommand($"CREATE SCHEMA {schema}", connection);
                await create.ExecuteNonQueryAsync().ConfigureAwait(false);
            }

            // Unqualified table names resolve to the fresh schema, for the store and for the baseline alike.
            var scoped = new NpgsqlConnectionStringBuilder(connectionString) { SearchPath = schema, MaxAutoPrepare = 32 }.ConnectionString;
            return new PostgresTables(connectionString, scoped, schema);
        }

        public override async Task<string> DescribeDurabilityAsync()
        {
            await using var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync().ConfigureAwait(false);
            await using var command = new NpgsqlCommand(
                "SELECT current_setting('server_version'), current_setting('fsync'), current_setting('synchronous_commit')", connection);
            await using var reader = await command.ExecuteReaderAsync().ConfigureAwait(false);
            await reader.ReadAsync().ConfigureAwait(false);
            var fsync = reader.GetString(1);
            var text = $"PostgreSQL {reader.GetString(0)}, fsync={fsync}, synchronous_commit={reader.GetString(2)}.";
            return fsync == "on" ? text : text + " **WARNING: fsync is off, these numbers do not count.**";
        }
    }

    private sealed class PostgresTables(string adminConnectionString, string connectionString, string schema) : FreshTables
    {
        public override IPersistenceStore CreateStore() =>
            new PostgresPersistenceStore(connectionString, WriterId, TimeProvider.System);

        public override async Task InsertRawAsync(string[] ids, ReadOnlyMemory<string> payloads, int batchSize)
        {
            await using var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync().ConfigureAwait(false);
            var pids = new List<string>(batchSize);
            var seqs = new List<long>(batchSize);
            var bodies = new List<string>(batchSize);
            foreach (var (id, seq, payload) in Rows(ids, payloads))
            {
                pids.Add(id);
                seqs.Add(seq);
                bodies.Add(payload);
                if (pids.Count == batchSize)
                {
                    await FlushAsync().ConfigureAwait(false);
                }
            }

            await FlushAsync().ConfigureAwait(false);

            async Task FlushAsync()
            {
                if (pids.Count == 0)
                {
                    return;
                }

                // A single statement outside a transaction block is its own transaction: one commit per batch.
                await using var insert = new NpgsqlCommand(
                    """
                    INSERT INTO journal (persistence_id, sequence_nr, event_type, payload, writer, created_at)
                    SELECT t.pid, t.seq, $3, t.payload::jsonb, $4, $5
                    FROM unnest($1::text[], $2::bigint[], $6::text[]) AS t(pid, seq, payload)
                    """,
                    connection);
                insert.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. pids] });
                insert.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = [.. seqs] });
                insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = Manifest });
                insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = WriterId });
                insert.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = DateTimeOffset.UtcNow, NpgsqlDbType = NpgsqlDbType.TimestampTz });
                insert.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. bodies] });
                await insert.ExecuteNonQueryAsync().ConfigureAwait(false);
                pids.Clear();
                seqs.Clear();
                bodies.Clear();
            }
        }

        public override async ValueTask DisposeAsync()
        {
            // The baseline's pooled connections point into the schema that is about to go.
            await using (var pooled = new NpgsqlConnection(connectionString))
            {
                NpgsqlConnection.ClearPool(pooled);
            }

            await using var connection = new NpgsqlConnection(adminConnectionString);
            await connection.OpenAsync().ConfigureAwait(false);
            await using var drop = new NpgsqlCommand($"DROP SCHEMA IF EXISTS {schema} CASCADE", connection);
            await drop.ExecuteNonQueryAsync().ConfigureAwait(false);
        }
    }

    private sealed class SqliteTarget(string fileOrDirectory) : Target
    {
        public override string Name => "sqlite";

        public override string Driver => $"Microsoft.Data.Sqlite (prepared `INSERT ... VALUES (...), (...)` of {SqliteRowsPerStatement} rows)";

        public override Task<FreshTables> CreateFreshAsync()
        {
            // The given path names a directory (existing) or a file whose directory and name prefix are used.
            var directory = Directory.Exists(fileOrDirectory) ? fileOrDirectory : Path.GetDirectoryName(Path.GetFullPath(fileOrDirectory))!;
            var prefix = Directory.Exists(fileOrDirectory) ? "journal-bench" : Path.GetFileNameWithoutExtension(fileOrDirectory);
            Directory.CreateDirectory(directory);
            var file = Path.Combine(directory, $"{prefix}-{Guid.NewGuid():N}.db");
            return Task.FromResult<FreshTables>(new SqliteTables(file));
        }

        public override Task<string> DescribeDurabilityAsync() =>
            Task.FromResult($"SQLite {SqliteVersion()}, journal_mode=WAL, synchronous=FULL (journal and baseline alike).");

        private static string SqliteVersion()
        {
            using var connection = new SqliteConnection("Data Source=:memory:");
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT sqlite_version()";
            return (string)command.ExecuteScalar()!;
        }
    }

    private sealed class SqliteTables(string file) : FreshTables
    {
        public override IPersistenceStore CreateStore() =>
            new SqlitePersistenceStore(file, WriterId, TimeProvider.System);

        public override Task InsertRawAsync(string[] ids, ReadOnlyMemory<string> payloads, int batchSize)
        {
            using var connection = new SqliteConnection($"Data Source={file};Pooling=False");
            connection.Open();
            using (var pragmas = connection.CreateCommand())
            {
                pragmas.CommandText = "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;";
                pragmas.ExecuteNonQuery();
            }

            var statements = new Dictionary<int, SqliteCommand>();
            var rows = new List<(string Id, long SequenceNr, string Payload)>(batchSize);
            try
            {
                foreach (var row in Rows(ids, payloads))
                {
                    rows.Add(row);
                    if (rows.Count == batchSize)
                    {
                        Flush(connection, statements, rows);
                    }
                }

                Flush(connection, statements, rows);
            }
            finally
            {
                foreach (var statement in statements.Values)
                {
                    statement.Dispose();
                }
            }

            return Task.CompletedTask;
        }

        /// <summary>A prepared multi-row INSERT of <paramref name="rows"/> rows.</summary>
        private static SqliteCommand InsertCommand(SqliteConnection connection, int rows)
        {
            var sql = new StringBuilder("INSERT INTO journal (persistence_id, sequence_nr, event_type, payload, writer, created_at) VALUES ");
            var command = connection.CreateCommand();
            for (var r = 0; r < rows; r++)
            {
                sql.Append(r == 0 ? string.Empty : ",").Append(CultureInfo.InvariantCulture, $"($p{r},$s{r},$m,$b{r},$w,$t)");
                command.Parameters.Add($"$p{r}", SqliteType.Text);
                command.Parameters.Add($"$s{r}", SqliteType.Integer);
                command.Parameters.Add($"$b{r}", SqliteType.Text);
            }

            command.Parameters.AddWithValue("$m", Manifest);
            command.Parameters.AddWithValue("$w", WriterId);
            command.Parameters.Add("$t", SqliteType.Integer);
            command.CommandText = sql.ToString();
            command.Prepare();
            return command;
        }

        /// <summary>One transaction (one commit) for all the rows.</summary>
        private static void Flush(
            SqliteConnection connection, Dictionary<int, SqliteCommand> statements, List<(string Id, long SequenceNr, string Payload)> rows)
        {
            if (rows.Count == 0)
            {
                return;
            }

            var createdAt = (DateTimeOffset.UtcNow - DateTimeOffset.UnixEpoch).Ticks / 10;
            using var transaction = connection.BeginTransaction(deferred: false);
            for (var offset = 0; offset < rows.Count; offset += SqliteRowsPerStatement)
            {
                var count = Math.Min(SqliteRowsPerStatement, rows.Count - offset);
                if (!statements.TryGetValue(count, out var insert))
                {
                    insert = InsertCommand(connection, count);
                    statements.Add(count, insert);
                }

                insert.Transaction = transaction;
                for (var r = 0; r < count; r++)
                {
                    var row = rows[offset + r];
                    insert.Parameters[(r * 3) + 0].Value = row.Id;
                    insert.Parameters[(r * 3) + 1].Value = row.SequenceNr;
                    insert.Parameters[(r * 3) + 2].Value = row.Payload;
                }

                insert.Parameters["$t"].Value = createdAt;
                insert.ExecuteNonQuery();
                insert.Transaction = null;
            }

            transaction.Commit();
            rows.Clear();
        }

        public override ValueTask DisposeAsync()
        {
            // The store released its pooled readers when disposed; the baseline's connection is not pooled.
            foreach (var suffix in new[] { string.Empty, "-wal", "-shm" })
            {
                File.Delete(file + suffix);
            }

            return ValueTask.CompletedTask;
        }
    }
}
