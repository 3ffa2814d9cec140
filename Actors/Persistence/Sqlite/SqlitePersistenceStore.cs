using System.Globalization;
using System.Runtime.CompilerServices;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace LiveTracker.Actors.Persistence.Sqlite;

/// <summary>
/// Single-node persistence in one SQLite file: journal, event log, snapshot store and reminders.
/// <para>
/// One writer connection (all writes, serialized by a lock, so this process never contends with itself for
/// SQLite's database-wide write lock) and pooled reader connections; WAL mode lets readers run while the
/// writer commits. <c>synchronous=FULL</c>: every commit fsyncs the WAL, so an event acknowledged to an actor
/// survives a power loss, not only a process crash (NORMAL could lose the last commits). Group commit makes
/// that fsync cost per batch, not per event.
/// </para>
/// Call <see cref="InitializeAsync"/> before use.
/// </summary>
public sealed partial class SqlitePersistenceStore
    : IPersistenceStore, IJournal, IEventLog, ISnapshotStore, IReminderStore, IJournalBatchBackend
{
    private const int BusyTimeoutMilliseconds = 5_000;
    private const int SqliteTooBig = 18;

    /// <summary>
    /// One event; a row that is taken is skipped (0 rows changed). A prepared single-row statement, executed per
    /// event inside the batch's one transaction through <see cref="SqliteRawStatement"/>: it tells exactly which
    /// event conflicts. No RETURNING (a result row per event costs about a third of the insert), while
    /// <c>sqlite3_last_insert_rowid</c> is free. A plain <c>VALUES</c> row: the <c>INSERT ... SELECT ... WHERE NOT
    /// EXISTS</c> form that also refused deleted ranges measured ~70% more expensive per row, so deleted ranges
    /// are checked per write with <see cref="SelectDeletedToSql"/> instead, and only while any exist.
    /// </summary>
    private const string InsertEventSql = """
        INSERT INTO journal (persistence_id, sequence_nr, event_type, payload, writer, created_at)
        VALUES ($pid, $seq, $type, $payload, $writer, $created)
        ON CONFLICT (persistence_id, sequence_nr) DO NOTHING
        """;

    /// <summary>Whether any entity has deleted events (then each write is checked with <see cref="SelectDeletedToSql"/>).</summary>
    private const string AnyDeletionSql = "SELECT EXISTS (SELECT 1 FROM journal_deletions)";

    /// <summary>The highest deleted sequence number of one entity; no row when it never deleted events.</summary>
    private const string SelectDeletedToSql = "SELECT deleted_to FROM journal_deletions WHERE persistence_id = $pid";

    private const string SelectEventColumns = "ordering, persistence_id, sequence_nr, event_type, payload, writer, created_at";

    private readonly string _writerId;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly JournalWriterSettings _settings;
    private readonly string _writeConnectionString;
    private readonly string _readConnectionString;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly JournalSignal _signal = new();
    private readonly JournalSignal _reminderSignal = new();
    private readonly BatchingJournalWriter _writer;

    // Guarded by _writeLock.
    private SqliteConnection? _writeConnection;
    private SqliteRawStatement? _insertEvent;
    private SqliteRawStatement? _anyDeletion;
    private SqliteRawStatement? _selectDeletedTo;
    private int _pidIndex;
    private int _seqIndex;
    private int _typeIndex;
    private int _payloadIndex;
    private int _writerIndex;
    private int _createdIndex;
    private ReminderStatements? _reminderStatements;

    private int _disposed;

    /// <param name="databaseFilePath">The database file; created (with its directory) if missing.</param>
    /// <param name="writerId">Stored in every event's <c>writer</c> column: node id and lease epoch.</param>
    /// <param name="time">Source of <c>created_at</c> and of the event-log poll timer.</param>
    /// <param name="logger">Structured log of batch failures and conflicts.</param>
    /// <param name="settings">Batching and poll settings; defaults when null.</param>
    public SqlitePersistenceStore(
        string databaseFilePath,
        string writerId,
        TimeProvider time,
        ILogger? logger = null,
        JournalWriterSettings? settings = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(databaseFilePath);
        ArgumentException.ThrowIfNullOrEmpty(writerId);
        ArgumentNullException.ThrowIfNull(time);
        _writerId = writerId;
        _time = time;
        _logger = logger ?? NullLogger.Instance;
        _settings = settings ?? new JournalWriterSettings();
        _settings.Validate();
        DatabaseFilePath = Path.GetFullPath(databaseFilePath);

        // The writer is a single long-lived connection, so it bypasses the pool; readers are pooled because
        // each read opens and closes one.
        _writeConnectionString = new SqliteConnectionStringBuilder
        {
            DataSource = DatabaseFilePath,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = false,
        }.ToString();
        _readConnectionString = new SqliteConnectionStringBuilder
        {
            DataSource = DatabaseFilePath,
            Mode = SqliteOpenMode.ReadWrite,
            Pooling = true,
        }.ToString();
        _writer = new BatchingJournalWriter(this, _settings, time, _logger);
    }

    public string DatabaseFilePath { get; }

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
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var connection = WriteConnection();

            // BEGIN IMMEDIATE takes SQLite's write lock up front: a second process initialising the same file
            // waits (busy timeout) and then finds the migrations applied.
            using var transaction = connection.BeginTransaction(deferred: false);
            Execute(connection, transaction, SqliteSchema.VersionTableDdl);
            var current = Convert.ToInt32(
                Scalar(connection, transaction, "SELECT COALESCE(MAX(version), 0) FROM persistence_schema_version"),
                CultureInfo.InvariantCulture);
            foreach (var (version, description, sql) in SqliteSchema.Migrations)
            {
                if (version <= current)
                {
                    continue;
                }

                Execute(connection, transaction, sql);
                using var record = connection.CreateCommand();
                record.Transaction = transaction;
                record.CommandText = "INSERT INTO persistence_schema_version (version, description, applied_at) VALUES ($v, $d, $t)";
                record.Parameters.AddWithValue("$v", version);
                record.Parameters.AddWithValue("$d", description);
                record.Parameters.AddWithValue("$t", PersistenceTime.ToUnixMicroseconds(_time.GetUtcNow()));
                record.ExecuteNonQuery();
                LogMigrated(version, description, DatabaseFilePath);
            }

            transaction.Commit();
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>The writer connection, opened on first use. Caller holds <see cref="_writeLock"/>.</summary>
    private SqliteConnection WriteConnection()
    {
        if (_writeConnection is not null)
        {
            return _writeConnection;
        }

        var directory = Path.GetDirectoryName(DatabaseFilePath);
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }

        var connection = new SqliteConnection(_writeConnectionString);
        try
        {
            connection.Open();
            // journal_mode is persistent in the file (readers inherit WAL); the other two are per connection.
            Execute(connection, null, $"""
                PRAGMA journal_mode = WAL;
                PRAGMA synchronous = FULL;
                PRAGMA busy_timeout = {BusyTimeoutMilliseconds};
                """);
        }
        catch
        {
            connection.Dispose();
            throw;
        }

        _writeConnection = connection;
        return connection;
    }

    // ---------------------------------------------------------------- journal

    public Task<long> WriteAsync(AtomicWrite write, CancellationToken cancellationToken = default) =>
        _writer.WriteAsync(write, cancellationToken);

    async Task IJournalBatchBackend.WriteBatchAsync(
        IReadOnlyList<AtomicWrite> writes, DateTimeOffset createdAt, WriteOutcome[] outcomes, CancellationToken cancellationToken)
    {
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        var anyWritten = false;
        var remindersChanged = false;
        try
        {
            var connection = WriteConnection();
            using var transaction = connection.BeginTransaction(deferred: false);
            var insert = PrepareJournalStatements(connection);
            insert.BindText(_writerIndex, _writerId);
            insert.BindInt64(_createdIndex, PersistenceTime.ToUnixMicroseconds(createdAt));

            // BEGIN IMMEDIATE holds SQLite's write lock, so no other connection adds a deletion until the commit.
            var checkDeletions = _anyDeletion!.ExecuteScalarInt64() == 1;
            for (var w = 0; w < writes.Count; w++)
            {
                var write = writes[w];
                if (checkDeletions && DeletedTo(write.PersistenceId) is { } deletedTo && write.Events[0].SequenceNr <= deletedTo)
                {
                    // A stale writer must not re-use deleted sequence numbers; contiguous ascending numbers mean
                    // the first event is the lowest, so either none or the first is in the deleted range.
                    outcomes[w] = WriteOutcome.Conflict(write.Events[0].SequenceNr);
                    continue;
                }

                insert.BindText(_pidIndex, write.PersistenceId);
                long firstOrdering = 0;
                long lastOrdering = 0;
                long? conflictAt = null;
                foreach (var e in write.Events)
                {
                    insert.BindInt64(_seqIndex, e.SequenceNr);
                    insert.BindText(_typeIndex, e.Manifest);
                    insert.BindText(_payloadIndex, e.Payload);
                    if (!insert.ExecuteNonQuery())
                    {
                        conflictAt = e.SequenceNr;
                        break;
                    }

                    var ordering = SQLitePCL.raw.sqlite3_last_insert_rowid(connection.Handle); // the row's ordering
                    if (firstOrdering == 0)
                    {
                        firstOrdering = ordering;
                    }

                    lastOrdering = ordering;
                }

                if (conflictAt is { } conflictSeq)
                {
                    // All-or-nothing per write: take back what this write inserted before the conflicting event.
                    // The single writer inserts a write's rows back to back, so they span one ordering range.
                    if (firstOrdering != 0)
                    {
                        using var undo = connection.CreateCommand();
                        undo.Transaction = transaction;
                        undo.CommandText = "DELETE FROM journal WHERE ordering BETWEEN $first AND $last";
                        undo.Parameters.AddWithValue("$first", firstOrdering);
                        undo.Parameters.AddWithValue("$last", lastOrdering);
                        undo.ExecuteNonQuery();
                    }

                    outcomes[w] = WriteOutcome.Conflict(conflictSeq);
                }
                else
                {
                    outcomes[w] = WriteOutcome.Written(lastOrdering);
                    anyWritten = true;

                    // Only now that the write's events are in: its reminders share their fate (the transaction).
                    if (write.Reminders is { Count: > 0 } reminders)
                    {
                        remindersChanged |= ApplyReminderChanges(connection, reminders);
                    }
                }
            }

            transaction.Commit();
        }
        finally
        {
            _writeLock.Release();
        }

        if (anyWritten)
        {
            _signal.Notify();
        }

        if (remindersChanged)
        {
            _reminderSignal.Notify();
        }
    }

    /// <summary>The journal's prepared statements, created on first use; returns the insert. Caller holds <see cref="_writeLock"/>.</summary>
    private SqliteRawStatement PrepareJournalStatements(SqliteConnection connection)
    {
        if (_insertEvent is not null)
        {
            return _insertEvent;
        }

        var db = connection.Handle!;
        _anyDeletion = new SqliteRawStatement(db, AnyDeletionSql);
        _selectDeletedTo = new SqliteRawStatement(db, SelectDeletedToSql);
        var insert = new SqliteRawStatement(db, InsertEventSql);
        _pidIndex = insert.Index("$pid");
        _seqIndex = insert.Index("$seq");
        _typeIndex = insert.Index("$type");
        _payloadIndex = insert.Index("$payload");
        _writerIndex = insert.Index("$writer");
        _createdIndex = insert.Index("$created");
        _insertEvent = insert;
        return insert;
    }

    private long? DeletedTo(string persistenceId)
    {
        _selectDeletedTo!.BindText(1, persistenceId);
        return _selectDeletedTo.ExecuteScalarInt64();
    }

    bool IJournalBatchBackend.IsWriteSpecificError(Exception exception) =>
        exception is SqliteException { SqliteErrorCode: SqliteTooBig };

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

        await using var connection = await OpenReadConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT ordering, sequence_nr, event_type, payload, writer, created_at
            FROM journal
            WHERE persistence_id = $pid AND sequence_nr BETWEEN $from AND $to
            ORDER BY sequence_nr
            """;
        command.Parameters.AddWithValue("$pid", persistenceId);
        command.Parameters.AddWithValue("$from", fromSequenceNr);
        command.Parameters.AddWithValue("$to", toSequenceNr);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);

        // Microsoft.Data.Sqlite's async methods complete synchronously; calling Read() directly streams rows
        // without a Task per row. Only the strings of the record itself are allocated.
        while (reader.Read())
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return new JournalEvent(
                reader.GetInt64(0),
                persistenceId,
                reader.GetInt64(1),
                reader.GetString(2),
                reader.GetString(3),
                reader.GetString(4),
                PersistenceTime.FromUnixMicroseconds(reader.GetInt64(5)));
        }
    }

    public async Task<long> ReadHighestSequenceNrAsync(string persistenceId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(persistenceId);
        ThrowIfDisposed();
        await using var connection = await OpenReadConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();

        // Deleted events still count: the entity must continue after its highest number, never reuse it.
        command.CommandText = """
            SELECT MAX(
                COALESCE((SELECT MAX(sequence_nr) FROM journal WHERE persistence_id = $pid), 0),
                COALESCE((SELECT deleted_to FROM journal_deletions WHERE persistence_id = $pid), 0))
            """;
        command.Parameters.AddWithValue("$pid", persistenceId);
        return (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    public async Task DeleteEventsToAsync(string persistenceId, long toSequenceNr, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(persistenceId);
        ThrowIfDisposed();
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var connection = WriteConnection();
            using var transaction = connection.BeginTransaction(deferred: false);
            using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.Parameters.AddWithValue("$pid", persistenceId);
            command.Parameters.AddWithValue("$to", toSequenceNr);
            command.CommandText = "SELECT MAX(sequence_nr) FROM journal WHERE persistence_id = $pid AND sequence_nr <= $to";
            if (command.ExecuteScalar() is long deletedTo)
            {
                command.CommandText = """
                    DELETE FROM journal WHERE persistence_id = $pid AND sequence_nr <= $to;
                    INSERT INTO journal_deletions (persistence_id, deleted_to) VALUES ($pid, $deletedTo)
                    ON CONFLICT (persistence_id) DO UPDATE SET deleted_to = MAX(deleted_to, excluded.deleted_to);
                    """;
                command.Parameters.AddWithValue("$deletedTo", deletedTo);
                command.ExecuteNonQuery();
            }

            transaction.Commit();
        }
        finally
        {
            _writeLock.Release();
        }
    }

    // ---------------------------------------------------------------- event log

    public async Task<IReadOnlyList<JournalEvent>> ReadAfterAsync(
        long afterOrdering, int maxCount, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxCount, 1);
        ThrowIfDisposed();
        await using var connection = await OpenReadConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {SelectEventColumns} FROM journal WHERE ordering > $after ORDER BY ordering LIMIT $max";
        command.Parameters.AddWithValue("$after", afterOrdering);
        command.Parameters.AddWithValue("$max", maxCount);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var events = new List<JournalEvent>();
        while (reader.Read())
        {
            events.Add(new JournalEvent(
                reader.GetInt64(0),
                reader.GetString(1),
                reader.GetInt64(2),
                reader.GetString(3),
                reader.GetString(4),
                reader.GetString(5),
                PersistenceTime.FromUnixMicroseconds(reader.GetInt64(6))));
        }

        return events;
    }

    public async Task<long> ReadHighestOrderingAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        await using var connection = await OpenReadConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT COALESCE(MAX(ordering), 0) FROM journal";
        return (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    /// <summary>
    /// Woken in-process after each commit of this store; writes by another process on the same file are
    /// seen by the poll (<see cref="JournalWriterSettings.EventLogPollInterval"/>).
    /// </summary>
    public Task WaitForEventsAfterAsync(long afterOrdering, CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        return _signal.WaitForEventsAfterAsync(
            afterOrdering, ReadHighestOrderingAsync, _settings.EventLogPollInterval, _time, cancellationToken);
    }

    // ---------------------------------------------------------------- snapshots

    public async Task SaveAsync(SnapshotEnvelope snapshot, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        ArgumentException.ThrowIfNullOrEmpty(snapshot.PersistenceId, nameof(snapshot));
        ThrowIfDisposed();
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            using var command = WriteConnection().CreateCommand();
            command.CommandText = """
                INSERT INTO snapshots (persistence_id, sequence_nr, manifest, payload, created_at)
                VALUES ($pid, $seq, $manifest, $payload, $created)
                ON CONFLICT (persistence_id, sequence_nr) DO UPDATE
                SET manifest = excluded.manifest, payload = excluded.payload, created_at = excluded.created_at
                """;
            command.Parameters.AddWithValue("$pid", snapshot.PersistenceId);
            command.Parameters.AddWithValue("$seq", snapshot.SequenceNr);
            command.Parameters.AddWithValue("$manifest", snapshot.Manifest);
            command.Parameters.AddWithValue("$payload", snapshot.Payload);
            command.Parameters.AddWithValue("$created", PersistenceTime.ToUnixMicroseconds(snapshot.CreatedAt));
            command.ExecuteNonQuery();
        }
        finally
        {
            _writeLock.Release();
        }
    }

    public async Task<SnapshotEnvelope?> LoadAsync(
        string persistenceId, long maxSequenceNr = long.MaxValue, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(persistenceId);
        ThrowIfDisposed();
        await using var connection = await OpenReadConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT sequence_nr, manifest, payload, created_at FROM snapshots
            WHERE persistence_id = $pid AND sequence_nr <= $max
            ORDER BY sequence_nr DESC LIMIT 1
            """;
        command.Parameters.AddWithValue("$pid", persistenceId);
        command.Parameters.AddWithValue("$max", maxSequenceNr);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return reader.Read()
            ? new SnapshotEnvelope(
                persistenceId,
                reader.GetInt64(0),
                reader.GetString(1),
                reader.GetString(2),
                PersistenceTime.FromUnixMicroseconds(reader.GetInt64(3)))
            : null;
    }

    public async Task DeleteAsync(string persistenceId, long toSequenceNr, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(persistenceId);
        ThrowIfDisposed();
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            using var command = WriteConnection().CreateCommand();
            command.CommandText = "DELETE FROM snapshots WHERE persistence_id = $pid AND sequence_nr <= $to";
            command.Parameters.AddWithValue("$pid", persistenceId);
            command.Parameters.AddWithValue("$to", toSequenceNr);
            command.ExecuteNonQuery();
        }
        finally
        {
            _writeLock.Release();
        }
    }

    // ---------------------------------------------------------------- plumbing

    private async Task<SqliteConnection> OpenReadConnectionAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_readConnectionString);
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private static void Execute(SqliteConnection connection, SqliteTransaction? transaction, string sql)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static object? Scalar(SqliteConnection connection, SqliteTransaction? transaction, string sql)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        return command.ExecuteScalar();
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);

    /// <summary>Writes what is already queued, then closes the writer and releases the pooled readers.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _writer.DisposeAsync().ConfigureAwait(false);
        await _writeLock.WaitAsync().ConfigureAwait(false);
        try
        {
            _insertEvent?.Dispose();
            _insertEvent = null;
            _anyDeletion?.Dispose();
            _anyDeletion = null;
            _selectDeletedTo?.Dispose();
            _selectDeletedTo = null;
            _reminderStatements?.Dispose();
            _reminderStatements = null;
            if (_writeConnection is not null)
            {
                await _writeConnection.DisposeAsync().ConfigureAwait(false);
                _writeConnection = null;
            }
        }
        finally
        {
            _writeLock.Release();
        }

        // Idle pooled readers keep the file open; close them so the file can be moved or deleted.
        using var forPool = new SqliteConnection(_readConnectionString);
        SqliteConnection.ClearPool(forPool);

        // A delivery service waiting for changes learns of the disposal (its next read fails) instead of hanging.
        _reminderSignal.Notify();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Applied persistence schema migration {Version} ({Description}) to {DatabaseFile}")]
    private partial void LogMigrated(int version, string description, string databaseFile);
}
