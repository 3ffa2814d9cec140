using Microsoft.Data.Sqlite;

namespace LiveTracker.Actors.Persistence.Sqlite;

/// <summary>
/// Durable reminders in the same file as the journal. Every change goes through the single writer connection, so
/// a change carried by an <see cref="AtomicWrite"/> commits (or not) with that write's events.
/// </summary>
public sealed partial class SqlitePersistenceStore
{
    /// <summary>
    /// Sets one reminder. The update happens only when the due time or recurrence really differ (<c>IS NOT</c> is
    /// SQLite's null-safe inequality), so setting it again leaves the version alone and reports 0 rows changed.
    /// </summary>
    private const string SetReminderSql = """
        INSERT INTO reminders (entity_type, entity_id, name, due_at, recurrence, version)
        VALUES ($type, $id, $name, $due, $recurrence, 1)
        ON CONFLICT (entity_type, entity_id, name) DO UPDATE
        SET due_at = excluded.due_at, recurrence = excluded.recurrence, version = version + 1
        WHERE due_at <> excluded.due_at OR recurrence IS NOT excluded.recurrence
        """;

    private const string CancelReminderSql = "DELETE FROM reminders WHERE entity_type = $type AND entity_id = $id AND name = $name";

    private const string SelectReminderColumns = "entity_type, entity_id, name, due_at, recurrence, version";

    public async Task ApplyAsync(IReadOnlyList<ReminderChange> changes, CancellationToken cancellationToken = default)
    {
        ReminderRules.Validate(changes, nameof(changes));
        ThrowIfDisposed();
        if (changes.Count == 0)
        {
            return;
        }

        bool changed;
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var connection = WriteConnection();
            using var transaction = connection.BeginTransaction(deferred: false);
            changed = ApplyReminderChanges(connection, changes);
            transaction.Commit();
        }
        finally
        {
            _writeLock.Release();
        }

        if (changed)
        {
            _reminderSignal.Notify();
        }
    }

    public async Task<StoredReminder?> ReadAsync(ReminderKey key, CancellationToken cancellationToken = default)
    {
        ReminderRules.ValidateKey(key, nameof(key));
        ThrowIfDisposed();
        await using var connection = await OpenReadConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = $"""
            SELECT {SelectReminderColumns} FROM reminders
            WHERE entity_type = $type AND entity_id = $id AND name = $name
            """;
        command.Parameters.AddWithValue("$type", key.EntityType);
        command.Parameters.AddWithValue("$id", key.EntityId);
        command.Parameters.AddWithValue("$name", key.Name);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return reader.Read() ? ReadReminder(reader) : null;
    }

    public async Task<IReadOnlyList<StoredReminder>> ReadDueAsync(
        DateTimeOffset now, int maxCount, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxCount, 1);
        ThrowIfDisposed();
        await using var connection = await OpenReadConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();

        // TEXT compares bytewise (BINARY), the same order PostgreSQL's "C" collation gives.
        command.CommandText = $"""
            SELECT {SelectReminderColumns} FROM reminders
            WHERE due_at <= $now
            ORDER BY due_at, entity_type, entity_id, name
            LIMIT $max
            """;
        command.Parameters.AddWithValue("$now", PersistenceTime.ToUnixMicroseconds(PersistenceTime.TruncateToMicroseconds(now)));
        command.Parameters.AddWithValue("$max", maxCount);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var due = new List<StoredReminder>();
        while (reader.Read())
        {
            due.Add(ReadReminder(reader));
        }

        return due;
    }

    public async Task<DateTimeOffset?> ReadNextDueAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        await using var connection = await OpenReadConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT MIN(due_at) FROM reminders";
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is long microseconds
            ? PersistenceTime.FromUnixMicroseconds(microseconds)
            : null;
    }

    /// <summary>
    /// One guarded statement (atomic on its own): besides the version, the row must still have the delivered due
    /// time and recurrence, because a reminder cancelled and set again starts over at version 1.
    /// </summary>
    public async Task<bool> CompleteAsync(StoredReminder delivered, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(delivered);
        ReminderRules.ValidateKey(delivered.Key, nameof(delivered));
        if (delivered.Recurrence is { } deliveredRecurrence)
        {
            ReminderRules.ValidateRecurrence(deliveredRecurrence, nameof(delivered));
        }

        ThrowIfDisposed();
        var dueAt = PersistenceTime.ToUnixMicroseconds(ReminderRules.StoredDueAt(delivered.DueAt));
        bool changed;
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            using var command = WriteConnection().CreateCommand();
            command.Parameters.AddWithValue("$type", delivered.Key.EntityType);
            command.Parameters.AddWithValue("$id", delivered.Key.EntityId);
            command.Parameters.AddWithValue("$name", delivered.Key.Name);
            command.Parameters.AddWithValue("$version", delivered.Version);
            command.Parameters.AddWithValue("$due", dueAt);
            if (delivered.Recurrence is { } recurrence)
            {
                var every = ReminderRules.ToMicroseconds(recurrence);
                var nowMicroseconds = PersistenceTime.ToUnixMicroseconds(PersistenceTime.TruncateToMicroseconds(now));
                command.CommandText = """
                    UPDATE reminders SET due_at = $next, version = version + 1
                    WHERE entity_type = $type AND entity_id = $id AND name = $name
                      AND version = $version AND due_at = $due AND recurrence = $recurrence
                    """;
                command.Parameters.AddWithValue("$recurrence", every);
                command.Parameters.AddWithValue("$next", ReminderRules.NextDueAfter(dueAt, every, nowMicroseconds));
            }
            else
            {
                command.CommandText = """
                    DELETE FROM reminders
                    WHERE entity_type = $type AND entity_id = $id AND name = $name
                      AND version = $version AND due_at = $due AND recurrence IS NULL
                    """;
            }

            changed = command.ExecuteNonQuery() > 0;
        }
        finally
        {
            _writeLock.Release();
        }

        if (changed)
        {
            _reminderSignal.Notify();
        }

        return changed;
    }

    /// <summary>Woken after commits of this store only; another process writing the same file is not seen.</summary>
    public Task WhenChangedAsync()
    {
        ThrowIfDisposed();
        return _reminderSignal.Next;
    }

    /// <summary>
    /// Applies <paramref name="changes"/> in order inside the caller's transaction; true when any row changed.
    /// Caller holds <see cref="_writeLock"/>.
    /// </summary>
    private bool ApplyReminderChanges(SqliteConnection connection, IReadOnlyList<ReminderChange> changes)
    {
        var statements = _reminderStatements ??= new ReminderStatements(connection.Handle!);
        var changed = false;
        foreach (var change in changes)
        {
            changed |= statements.Apply(change);
        }

        return changed;
    }

    private static StoredReminder ReadReminder(SqliteDataReader reader) => new(
        new ReminderKey(reader.GetString(0), reader.GetString(1), reader.GetString(2)),
        PersistenceTime.FromUnixMicroseconds(reader.GetInt64(3)),
        reader.IsDBNull(4) ? null : ReminderRules.FromMicroseconds(reader.GetInt64(4)),
        reader.GetInt64(5));

    /// <summary>
    /// The set and cancel statements, prepared once on the writer connection: entities change reminders with
    /// their events, inside the journal's batch transaction, so these run on its path.
    /// </summary>
    private sealed class ReminderStatements : IDisposable
    {
        private readonly SqliteRawStatement _set;
        private readonly SqliteRawStatement _cancel;
        private readonly int _setType;
        private readonly int _setId;
        private readonly int _setName;
        private readonly int _setDue;
        private readonly int _setRecurrence;
        private readonly int _cancelType;
        private readonly int _cancelId;
        private readonly int _cancelName;

        public ReminderStatements(SQLitePCL.sqlite3 db)
        {
            _set = new SqliteRawStatement(db, SetReminderSql);
            try
            {
                _cancel = new SqliteRawStatement(db, CancelReminderSql);
            }
            catch
            {
                _set.Dispose();
                throw;
            }

            _setType = _set.Index("$type");
            _setId = _set.Index("$id");
            _setName = _set.Index("$name");
            _setDue = _set.Index("$due");
            _setRecurrence = _set.Index("$recurrence");
            _cancelType = _cancel.Index("$type");
            _cancelId = _cancel.Index("$id");
            _cancelName = _cancel.Index("$name");
        }

        /// <summary>True when the row was inserted, moved or deleted (not for a set that matched the stored one).</summary>
        public bool Apply(ReminderChange change)
        {
            var key = change.Key;
            if (change.DueAt is not { } dueAt)
            {
                _cancel.BindText(_cancelType, key.EntityType);
                _cancel.BindText(_cancelId, key.EntityId);
                _cancel.BindText(_cancelName, key.Name);
                return _cancel.ExecuteNonQuery();
            }

            _set.BindText(_setType, key.EntityType);
            _set.BindText(_setId, key.EntityId);
            _set.BindText(_setName, key.Name);
            _set.BindInt64(_setDue, PersistenceTime.ToUnixMicroseconds(ReminderRules.StoredDueAt(dueAt)));
            if (change.Recurrence is { } recurrence)
            {
                _set.BindInt64(_setRecurrence, ReminderRules.ToMicroseconds(recurrence));
            }
            else
            {
                _set.BindNull(_setRecurrence);
            }

            return _set.ExecuteNonQuery();
        }

        public void Dispose()
        {
            _set.Dispose();
            _cancel.Dispose();
        }
    }
}
