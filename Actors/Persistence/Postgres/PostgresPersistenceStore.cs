using System.Globalization;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using NpgsqlTypes;

namespace LiveTracker.Actors.Persistence.Postgres;

/// <summary>
/// Cluster persistence on PostgreSQL: journal, event log, snapshot store and reminders, shared by all nodes.
/// <para>
/// Each batch is one transaction: <c>pg_advisory_xact_lock</c> (so orderings commit in order across nodes),
/// one multi-row <c>INSERT ... SELECT FROM unnest(arrays) RETURNING</c>, and a <c>pg_notify</c> that wakes
/// event-log readers on every node at commit. Should a sequence number be taken, the batch is redone with
/// <c>ON CONFLICT DO NOTHING</c> and only the conflicting writes fail. Reminder changes carried by the writes
/// ride in the same transaction (see <see cref="AddReminderCommands"/>). Durability is whatever the server gives
/// a normal commit (fsync and <c>synchronous_commit</c> are left alone).
/// </para>
/// Call <see cref="InitializeAsync"/> before use.
/// </summary>
public sealed partial class PostgresPersistenceStore
    : IPersistenceStore, IJournal, IEventLog, ISnapshotStore, IReminderStore, IJournalBatchBackend
{
    /// <summary>
    /// Fast path of a batch: a plain multi-row insert of all rows. The arrays carry one element per event;
    /// WITH ORDINALITY + ORDER BY hands out identity values in batch order, so the sorted returned orderings
    /// map back to the rows by position. A taken sequence number raises a unique violation and a row in a
    /// deleted range is filtered out (fewer rows returned); either way the transaction is rolled back and the
    /// batch goes through <see cref="InsertSkippingConflictsSql"/>. Conflicts are rare (a stale incarnation
    /// after a fail-over), and ON CONFLICT's speculative insertion costs about a quarter of the statement.
    /// NOTIFY is transactional: sent at commit, dropped on rollback.
    /// </summary>
    private const string InsertAllSql = $"""
        WITH ins AS (
            INSERT INTO journal (persistence_id, sequence_nr, event_type, payload, writer, created_at)
            SELECT t.pid, t.seq, t.manifest, t.payload::jsonb, $5, $6
            FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[]) WITH ORDINALITY AS t(pid, seq, manifest, payload, idx)
            WHERE NOT EXISTS (
                SELECT 1 FROM journal_deletions d WHERE d.persistence_id = t.pid AND d.deleted_to >= t.seq)
            ORDER BY t.idx
            RETURNING ordering, sequence_nr
        ), notified AS MATERIALIZED (
            SELECT pg_notify('{PostgresSchema.NotificationChannel}', max(ordering)::text) FROM ins HAVING count(*) > 0
        )
        SELECT ins.ordering, ins.sequence_nr, (SELECT count(*) FROM notified) FROM ins
        """;

    /// <summary>
    /// Slow path, after the fast path met a conflict: rows that are taken or fall in a deleted range are
    /// skipped, and RETURNING tells which rows went in, so each write can be judged on its own.
    /// </summary>
    private const string InsertSkippingConflictsSql = $"""
        WITH ins AS (
            INSERT INTO journal (persistence_id, sequence_nr, event_type, payload, writer, created_at)
            SELECT t.pid, t.seq, t.manifest, t.payload::jsonb, $5, $6
            FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[]) WITH ORDINALITY AS t(pid, seq, manifest, payload, idx)
            WHERE NOT EXISTS (
                SELECT 1 FROM journal_deletions d WHERE d.persistence_id = t.pid AND d.deleted_to >= t.seq)
            ORDER BY t.idx
            ON CONFLICT (persistence_id, sequence_nr) DO NOTHING
            RETURNING ordering, persistence_id, sequence_nr
        ), notified AS MATERIALIZED (
            SELECT pg_notify('{PostgresSchema.NotificationChannel}', max(ordering)::text) FROM ins HAVING count(*) > 0
        )
        SELECT ins.ordering, ins.persistence_id, ins.sequence_nr, (SELECT count(*) FROM notified) FROM ins
        """;

    private const string SelectEventColumns = "ordering, persistence_id, sequence_nr, event_type, payload, writer, created_at";

    private readonly NpgsqlDataSource _dataSource;
    private readonly bool _ownsDataSource;
    private readonly string _writerId;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly JournalWriterSettings _settings;
    private readonly JournalSignal _signal = new();
    private readonly JournalSignal _reminderSignal = new();
    private readonly PostgresJournalListener _listener;
    private readonly BatchingJournalWriter _writer;
    private int _disposed;

    /// <param name="connectionString">Npgsql connection string. Unless it sets <c>Max Auto Prepare</c>, the
    /// store turns automatic preparation on, since it runs the same few statements all the time.</param>
    /// <param name="writerId">Stored in every event's <c>writer</c> column: node id and lease epoch.</param>
    /// <param name="time">Source of <c>created_at</c> and of the event-log poll timer.</param>
    /// <param name="logger">Structured log of batch failures, conflicts and LISTEN reconnects.</param>
    /// <param name="settings">Batching and poll settings; defaults when null.</param>
    public PostgresPersistenceStore(
        string connectionString,
        string writerId,
        TimeProvider time,
        ILogger? logger = null,
        JournalWriterSettings? settings = null)
        : this(BuildDataSource(connectionString), ownsDataSource: true, writerId, time, logger, settings)
    {
    }

    /// <summary>Uses a data source owned by the caller (shared with other cluster components); it is not disposed here.</summary>
    public PostgresPersistenceStore(
        NpgsqlDataSource dataSource,
        string writerId,
        TimeProvider time,
        ILogger? logger = null,
        JournalWriterSettings? settings = null)
        : this(dataSource, ownsDataSource: false, writerId, time, logger, settings)
    {
    }

    private PostgresPersistenceStore(
        NpgsqlDataSource dataSource,
        bool ownsDataSource,
        string writerId,
        TimeProvider time,
        ILogger? logger,
        JournalWriterSettings? settings)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        ArgumentException.ThrowIfNullOrEmpty(writerId);
        ArgumentNullException.ThrowIfNull(time);
        _dataSource = dataSource;
        _ownsDataSource = ownsDataSource;
        _writerId = writerId;
        _time = time;
        _logger = logger ?? NullLogger.Instance;
        _settings = settings ?? new JournalWriterSettings();
        _settings.Validate();
        _listener = new PostgresJournalListener(dataSource, _signal, time, _logger);
        _writer = new BatchingJournalWriter(this, _settings, time, _logger);
    }

    private static NpgsqlDataSource BuildDataSource(string connectionString)
    {
        ArgumentException.ThrowIfNullOrEmpty(connectionString);
        var builder = new NpgsqlDataSourceBuilder(connectionString);
        if (builder.ConnectionStringBuilder.MaxAutoPrepare == 0)
        {
            builder.ConnectionStringBuilder.MaxAutoPrepare = 32;
        }

        return builder.Build();
    }

    public IJournal Journal => this;

    public IEventLog EventLog => this;

    public ISnapshotStore Snapshots => this;

    public IReminderStore Reminders => this;

    /// <summary>Committed batches and events of this store's writer (for benchmarks and diagnostics).</summary>
    internal (long Batches, long Events) WriterStatistics => _writer.Statistics;

    // ---------------------------------------------------------------- schema

    public async Task InitializeAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);

        // The lock comes before any DDL: two concurrent CREATE TABLE IF NOT EXISTS can still collide.
        await using (var lockCommand = new NpgsqlCommand("SELECT pg_advisory_xact_lock($1)", connection, transaction))
        {
            lockCommand.Parameters.Add(new NpgsqlParameter<long> { TypedValue = PostgresSchema.MigrationLockKey });
            await lockCommand.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await using (var ddl = new NpgsqlCommand(PostgresSchema.VersionTableDdl, connection, transaction))
        {
            await ddl.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        int current;
        await using (var query = new NpgsqlCommand("SELECT COALESCE(MAX(version), 0) FROM persistence_schema_version", connection, transaction))
        {
            current = Convert.ToInt32(await query.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture);
        }

        foreach (var (version, description, sql) in PostgresSchema.Migrations)
        {
            if (version <= current)
            {
                continue;
            }

            await using (var migrate = new NpgsqlCommand(sql, connection, transaction))
            {
                await migrate.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            await using (var record = new NpgsqlCommand(
                "INSERT INTO persistence_schema_version (version, description, applied_at) VALUES ($1, $2, $3)", connection, transaction))
            {
                record.Parameters.Add(new NpgsqlParameter<int> { TypedValue = version });
                record.Parameters.Add(new NpgsqlParameter<string> { TypedValue = description });
                record.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = _time.GetUtcNow().ToUniversalTime() });
                await record.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            LogMigrated(version, description);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    // ---------------------------------------------------------------- journal

    public Task<long> WriteAsync(AtomicWrite write, CancellationToken cancellationToken = default) =>
        _writer.WriteAsync(write, cancellationToken);

    async Task IJournalBatchBackend.WriteBatchAsync(
        IReadOnlyList<AtomicWrite> writes, DateTimeOffset createdAt, WriteOutcome[] outcomes, CancellationToken cancellationToken)
    {
        var rows = new BatchRows(writes);
        bool remindersChanged;
        await using (var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false))
        {
            if (await TryInsertAllAsync(connection, writes, rows, createdAt, cancellationToken).ConfigureAwait(false) is { } written)
            {
                var row = -1;
                for (var w = 0; w < writes.Count; w++)
                {
                    row += writes[w].Events.Count;
                    outcomes[w] = WriteOutcome.Written(written.Orderings[row]);
                }

                remindersChanged = written.RemindersChanged;
            }
            else
            {
                var (anyWritten, changed) = await InsertSkippingConflictsAsync(
                    connection, writes, rows, createdAt, outcomes, cancellationToken).ConfigureAwait(false);
                if (!anyWritten)
                {
                    return; // every write conflicted: nothing committed, nobody to wake
                }

                remindersChanged = changed;
            }
        }

        // Local readers need not wait for the NOTIFY round trip through the server.
        _signal.Notify();
        if (remindersChanged)
        {
            _reminderSignal.Notify();
        }
    }

    /// <summary>
    /// The ordering lock and the insert, sent in one round trip (with the BEGIN Npgsql puts in front). The lock
    /// comes first so that identity values are drawn only by the transaction that will commit next.
    /// </summary>
    private NpgsqlBatch CreateInsertBatch(
        NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, BatchRows rows, DateTimeOffset createdAt)
    {
        var lockCommand = new NpgsqlBatchCommand("SELECT pg_advisory_xact_lock($1)");
        lockCommand.Parameters.Add(new NpgsqlParameter<long> { TypedValue = PostgresSchema.OrderingLockKey });
        var insert = new NpgsqlBatchCommand(sql);
        insert.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = rows.Ids, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        insert.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = rows.SequenceNrs, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint });
        insert.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = rows.Manifests, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        insert.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = rows.Payloads, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = _writerId, NpgsqlDbType = NpgsqlDbType.Text });
        insert.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = createdAt, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        return new NpgsqlBatch(connection, transaction) { BatchCommands = { lockCommand, insert } };
    }

    /// <summary>
    /// The fast path: all rows or nothing. Returns the committed orderings in row order (and whether the writes'
    /// reminder changes changed any row), or null after rolling back because some row conflicted. The reminder
    /// statements, when any write carries some, follow the insert in the same round trip: should the insert
    /// conflict, the server skips them and the rollback takes back nothing of theirs.
    /// </summary>
    private async Task<(long[] Orderings, bool RemindersChanged)?> TryInsertAllAsync(
        NpgsqlConnection connection, IReadOnlyList<AtomicWrite> writes, BatchRows rows, DateTimeOffset createdAt, CancellationToken cancellationToken)
    {
        var orderings = new long[rows.Count];
        var sequenceNrs = new long[rows.Count];
        var count = 0;
        var remindersChanged = false;
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var batch = CreateInsertBatch(connection, transaction, InsertAllSql, rows, createdAt);
            var firstReminder = batch.BatchCommands.Count;
            if (rows.HasReminders)
            {
                AddReminderCommands(batch, writes, outcomes: null);
            }

            await using (var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
            {
                await reader.NextResultAsync(cancellationToken).ConfigureAwait(false); // past the lock's row
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    if (count < orderings.Length)
                    {
                        orderings[count] = reader.GetInt64(0);
                        sequenceNrs[count] = reader.GetInt64(1);
                    }

                    count++;
                }

                // Through the reminder statements' results, so that their errors surface before any commit.
                while (await reader.NextResultAsync(cancellationToken).ConfigureAwait(false))
                {
                }
            }

            remindersChanged = AnyRowsAffected(batch, firstReminder);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            return null; // disposing the transaction rolls it back
        }

        if (count != orderings.Length)
        {
            return null; // a row fell in a deleted range; rolled back on dispose
        }

        // Identity values were drawn in row order, so ascending orderings line up with the rows. The sequence
        // numbers double-check that before anything commits; should they disagree, the exact path decides.
        Array.Sort(orderings, sequenceNrs);
        if (!sequenceNrs.AsSpan().SequenceEqual(rows.SequenceNrs))
        {
            LogOrderingMismatch(rows.Count);
            return null;
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return (orderings, remindersChanged);
    }

    /// <summary>
    /// The slow path: judges each write on its own. Once the insert told which writes got all their rows in, one
    /// more round trip (only when there is something to do) takes back the rows of the conflicting writes and
    /// applies the reminder changes of the written ones, in the same transaction. Returns whether anything was
    /// committed and whether reminder rows changed.
    /// </summary>
    private async Task<(bool AnyWritten, bool RemindersChanged)> InsertSkippingConflictsAsync(
        NpgsqlConnection connection,
        IReadOnlyList<AtomicWrite> writes,
        BatchRows rows,
        DateTimeOffset createdAt,
        WriteOutcome[] outcomes,
        CancellationToken cancellationToken)
    {
        var inserted = new Dictionary<(string, long), long>(rows.Count);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using (var batch = CreateInsertBatch(connection, transaction, InsertSkippingConflictsSql, rows, createdAt))
        await using (var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            await reader.NextResultAsync(cancellationToken).ConfigureAwait(false); // past the lock's row
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                inserted[(reader.GetString(1), reader.GetInt64(2))] = reader.GetInt64(0);
            }
        }

        var undo = new List<long>();
        for (var w = 0; w < writes.Count; w++)
        {
            var write = writes[w];
            long? conflictAt = null;
            foreach (var e in write.Events)
            {
                if (!inserted.ContainsKey((write.PersistenceId, e.SequenceNr)))
                {
                    conflictAt = e.SequenceNr;
                    break;
                }
            }

            if (conflictAt is { } conflictSeq)
            {
                // All-or-nothing per write: the rows this write did get in are taken back in the same transaction.
                foreach (var e in write.Events)
                {
                    if (inserted.TryGetValue((write.PersistenceId, e.SequenceNr), out var ordering))
                    {
                        undo.Add(ordering);
                    }
                }

                outcomes[w] = WriteOutcome.Conflict(conflictSeq);
            }
            else
            {
                outcomes[w] = WriteOutcome.Written(inserted[(write.PersistenceId, write.Events[^1].SequenceNr)]);
            }
        }

        var remindersChanged = false;
        await using (var followUp = new NpgsqlBatch(connection, transaction))
        {
            if (undo.Count > 0)
            {
                var delete = new NpgsqlBatchCommand("DELETE FROM journal WHERE ordering = ANY($1)");
                delete.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = [.. undo] });
                followUp.BatchCommands.Add(delete);
            }

            var firstReminder = followUp.BatchCommands.Count;
            if (rows.HasReminders)
            {
                AddReminderCommands(followUp, writes, outcomes);
            }

            if (followUp.BatchCommands.Count > 0)
            {
                await followUp.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                remindersChanged = AnyRowsAffected(followUp, firstReminder);
            }
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return (inserted.Count > undo.Count, remindersChanged);
    }

    /// <summary>Class 22 (data exception, e.g. malformed JSON) and 54 (program limit, e.g. index row too big).</summary>
    bool IJournalBatchBackend.IsWriteSpecificError(Exception exception) =>
        exception is PostgresException pg && (pg.SqlState.StartsWith("22", StringComparison.Ordinal) || pg.SqlState.StartsWith("54", StringComparison.Ordinal));

    public async IAsyncEnumerable<JournalEvent> ReplayAsync(
        string persistenceId,
        long fromSequenceNr,
        long toSequenceNr,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(persistenceId);
        ThrowIfDisposed();
        if (fromSequenceNr > toSequenceNr)
        {
            yield break;
        }

        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand(
            """
            SELECT ordering, sequence_nr, event_type, payload, writer, created_at
            FROM journal
            WHERE persistence_id = $1 AND sequence_nr BETWEEN $2 AND $3
            ORDER BY sequence_nr
            """,
            connection);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = persistenceId });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = fromSequenceNr });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = toSequenceNr });

        // Rows stream off the socket as they are read; ReadAsync completes synchronously while the buffer has
        // rows, so the per-row cost is the record and its strings.
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            yield return new JournalEvent(
                reader.GetInt64(0),
                persistenceId,
                reader.GetInt64(1),
                reader.GetString(2),
                reader.GetString(3),
                reader.GetString(4),
                reader.GetFieldValue<DateTimeOffset>(5));
        }
    }

    public async Task<long> ReadHighestSequenceNrAsync(string persistenceId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(persistenceId);
        ThrowIfDisposed();
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);

        // Deleted events still count: the entity must continue after its highest number, never reuse it.
        await using var command = new NpgsqlCommand(
            """
            SELECT GREATEST(
                COALESCE((SELECT MAX(sequence_nr) FROM journal WHERE persistence_id = $1), 0),
                COALESCE((SELECT deleted_to FROM journal_deletions WHERE persistence_id = $1), 0))
            """,
            connection);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = persistenceId });
        return (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    public async Task DeleteEventsToAsync(string persistenceId, long toSequenceNr, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(persistenceId);
        ThrowIfDisposed();
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);

        // One statement, hence atomic: delete the rows and remember the highest deleted sequence number.
        await using var command = new NpgsqlCommand(
            """
            WITH deleted AS (
                DELETE FROM journal WHERE persistence_id = $1 AND sequence_nr <= $2 RETURNING sequence_nr
            )
            INSERT INTO journal_deletions (persistence_id, deleted_to)
            SELECT $1, MAX(sequence_nr) FROM deleted HAVING COUNT(*) > 0
            ON CONFLICT (persistence_id) DO UPDATE
            SET deleted_to = GREATEST(journal_deletions.deleted_to, EXCLUDED.deleted_to)
            """,
            connection);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = persistenceId });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = toSequenceNr });
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    // ---------------------------------------------------------------- event log

    public async Task<IReadOnlyList<JournalEvent>> ReadAfterAsync(
        long afterOrdering, int maxCount, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxCount, 1);
        ThrowIfDisposed();
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand(
            $"SELECT {SelectEventColumns} FROM journal WHERE ordering > $1 ORDER BY ordering LIMIT $2", connection);
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = afterOrdering });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = maxCount });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var events = new List<JournalEvent>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            events.Add(new JournalEvent(
                reader.GetInt64(0),
                reader.GetString(1),
                reader.GetInt64(2),
                reader.GetString(3),
                reader.GetString(4),
                reader.GetString(5),
                reader.GetFieldValue<DateTimeOffset>(6)));
        }

        return events;
    }

    public async Task<long> ReadHighestOrderingAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand("SELECT COALESCE(MAX(ordering), 0) FROM journal", connection);
        return (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    /// <summary>Woken by NOTIFY from any node (and in-process after local commits), with the poll as safety net.</summary>
    public Task WaitForEventsAfterAsync(long afterOrdering, CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        _listener.EnsureStarted();
        return _signal.WaitForEventsAfterAsync(
            afterOrdering, ReadHighestOrderingAsync, _settings.EventLogPollInterval, _time, cancellationToken);
    }

    // ---------------------------------------------------------------- snapshots

    public async Task SaveAsync(SnapshotEnvelope snapshot, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        ArgumentException.ThrowIfNullOrEmpty(snapshot.PersistenceId, nameof(snapshot));
        ThrowIfDisposed();
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand(
            """
            INSERT INTO snapshots (persistence_id, sequence_nr, manifest, payload, created_at)
            VALUES ($1, $2, $3, $4::jsonb, $5)
            ON CONFLICT (persistence_id, sequence_nr) DO UPDATE
            SET manifest = EXCLUDED.manifest, payload = EXCLUDED.payload, created_at = EXCLUDED.created_at
            """,
            connection);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = snapshot.PersistenceId });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = snapshot.SequenceNr });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = snapshot.Manifest });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = snapshot.Payload, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset>
        {
            TypedValue = PersistenceTime.TruncateToMicroseconds(snapshot.CreatedAt),
            NpgsqlDbType = NpgsqlDbType.TimestampTz,
        });
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<SnapshotEnvelope?> LoadAsync(
        string persistenceId, long maxSequenceNr = long.MaxValue, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(persistenceId);
        ThrowIfDisposed();
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand(
            """
            SELECT sequence_nr, manifest, payload, created_at FROM snapshots
            WHERE persistence_id = $1 AND sequence_nr <= $2
            ORDER BY sequence_nr DESC LIMIT 1
            """,
            connection);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = persistenceId });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = maxSequenceNr });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false)
            ? new SnapshotEnvelope(
                persistenceId,
                reader.GetInt64(0),
                reader.GetString(1),
                reader.GetString(2),
                reader.GetFieldValue<DateTimeOffset>(3))
            : null;
    }

    public async Task DeleteAsync(string persistenceId, long toSequenceNr, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(persistenceId);
        ThrowIfDisposed();
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand(
            "DELETE FROM snapshots WHERE persistence_id = $1 AND sequence_nr <= $2", connection);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = persistenceId });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = toSequenceNr });
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    // ---------------------------------------------------------------- plumbing

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);

    /// <summary>Writes what is already queued, stops listening, then closes the data source if it owns it.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _writer.DisposeAsync().ConfigureAwait(false);
        await _listener.DisposeAsync().ConfigureAwait(false);
        if (_ownsDataSource)
        {
            await _dataSource.DisposeAsync().ConfigureAwait(false);
        }

        // A delivery service waiting for changes learns of the disposal (its next read fails) instead of hanging.
        _reminderSignal.Notify();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Orderings of a {Rows}-row journal batch did not follow row order; writing it through the conflict-checking path")]
    private partial void LogOrderingMismatch(int rows);

    [LoggerMessage(Level = LogLevel.Information, Message = "Applied persistence schema migration {Version} ({Description})")]
    private partial void LogMigrated(int version, string description);

    /// <summary>A batch flattened into column arrays, one element per event, for <c>unnest</c>.</summary>
    private sealed class BatchRows
    {
        public BatchRows(IReadOnlyList<AtomicWrite> writes)
        {
            var count = 0;
            for (var w = 0; w < writes.Count; w++)
            {
                count += writes[w].Events.Count;
            }

            Ids = new string[count];
            SequenceNrs = new long[count];
            Manifests = new string[count];
            Payloads = new string[count];
            var row = 0;
            for (var w = 0; w < writes.Count; w++)
            {
                var write = writes[w];
                HasReminders |= write.Reminders is { Count: > 0 };
                foreach (var e in write.Events)
                {
                    Ids[row] = write.PersistenceId;
                    SequenceNrs[row] = e.SequenceNr;
                    Manifests[row] = e.Manifest;
                    Payloads[row] = e.Payload;
                    row++;
                }
            }
        }

        public int Count => Ids.Length;

        /// <summary>Whether any write carries reminder changes; most do not, and then no reminder SQL is sent.</summary>
        public bool HasReminders { get; }

        public string[] Ids { get; }

        public long[] SequenceNrs { get; }

        public string[] Manifests { get; }

        public string[] Payloads { get; }
    }
}
