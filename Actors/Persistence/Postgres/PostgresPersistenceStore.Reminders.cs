using Npgsql;
using NpgsqlTypes;

namespace LiveTracker.Actors.Persistence.Postgres;

/// <summary>
/// Durable reminders in the journal's database, shared by all nodes. Changes carried by an <see cref="AtomicWrite"/>
/// are statements of the journal batch's own transaction; <see cref="WhenChangedAsync"/> hears of changes made
/// through this store instance only (a delivery service on another node finds them at its next read).
/// </summary>
public sealed partial class PostgresPersistenceStore
{
    /// <summary>
    /// Sets one reminder. The update happens only when the due time or recurrence really differ, so setting it again
    /// leaves the version alone and affects 0 rows.
    /// </summary>
    private const string SetReminderSql = """
        INSERT INTO reminders AS r (entity_type, entity_id, name, due_at, recurrence, version)
        VALUES ($1, $2, $3, $4, $5, 1)
        ON CONFLICT (entity_type, entity_id, name) DO UPDATE
        SET due_at = EXCLUDED.due_at, recurrence = EXCLUDED.recurrence, version = r.version + 1
        WHERE r.due_at <> EXCLUDED.due_at OR r.recurrence IS DISTINCT FROM EXCLUDED.recurrence
        """;

    private const string CancelReminderSql = "DELETE FROM reminders WHERE entity_type = $1 AND entity_id = $2 AND name = $3";

    private const string SelectReminderColumns = "entity_type, entity_id, name, due_at, recurrence, version";

    /// <summary>
    /// One statement per change in one batch: a single round trip, and without an explicit transaction the batch
    /// runs in one implicit transaction (Npgsql ends it with a single Sync), so the changes apply all or none.
    /// </summary>
    public async Task ApplyAsync(IReadOnlyList<ReminderChange> changes, CancellationToken cancellationToken = default)
    {
        ReminderRules.Validate(changes, nameof(changes));
        ThrowIfDisposed();
        if (changes.Count == 0)
        {
            return;
        }

        bool changed;
        await using (var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false))
        await using (var batch = new NpgsqlBatch(connection))
        {
            foreach (var change in changes)
            {
                batch.BatchCommands.Add(ReminderCommand(change));
            }

            await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            changed = AnyRowsAffected(batch, 0);
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
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand(
            $"SELECT {SelectReminderColumns} FROM reminders WHERE entity_type = $1 AND entity_id = $2 AND name = $3",
            connection);
        AddKeyParameters(command.Parameters, key);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? ReadReminder(reader) : null;
    }

    public async Task<IReadOnlyList<StoredReminder>> ReadDueAsync(
        DateTimeOffset now, int maxCount, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxCount, 1);
        ThrowIfDisposed();
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand(
            $"""
            SELECT {SelectReminderColumns} FROM reminders
            WHERE due_at <= $1
            ORDER BY due_at, entity_type, entity_id, name
            LIMIT $2
            """,
            connection);
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset>
        {
            TypedValue = PersistenceTime.TruncateToMicroseconds(now),
            NpgsqlDbType = NpgsqlDbType.TimestampTz,
        });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = maxCount });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var due = new List<StoredReminder>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            due.Add(ReadReminder(reader));
        }

        return due;
    }

    public async Task<DateTimeOffset?> ReadNextDueAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand("SELECT min(due_at) FROM reminders", connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false); // an aggregate: always one row
        return reader.IsDBNull(0) ? null : reader.GetFieldValue<DateTimeOffset>(0);
    }

    /// <summary>
    /// One guarded statement, atomic on its own and safe against other nodes: besides the version, the row must
    /// still have the delivered due time and recurrence, because a reminder cancelled and set again starts over
    /// at version 1.
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
        var dueAt = ReminderRules.StoredDueAt(delivered.DueAt);
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand { Connection = connection };
        AddKeyParameters(command.Parameters, delivered.Key);
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = delivered.Version });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = dueAt, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        if (delivered.Recurrence is { } recurrence)
        {
            var every = ReminderRules.ToMicroseconds(recurrence);
            var next = ReminderRules.NextDueAfter(
                PersistenceTime.ToUnixMicroseconds(dueAt),
                every,
                PersistenceTime.ToUnixMicroseconds(PersistenceTime.TruncateToMicroseconds(now)));
            command.CommandText = """
                UPDATE reminders SET due_at = $7, version = version + 1
                WHERE entity_type = $1 AND entity_id = $2 AND name = $3
                  AND version = $4 AND due_at = $5 AND recurrence = $6
                """;
            command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = every });
            command.Parameters.Add(new NpgsqlParameter<DateTimeOffset>
            {
                TypedValue = PersistenceTime.FromUnixMicroseconds(next),
                NpgsqlDbType = NpgsqlDbType.TimestampTz,
            });
        }
        else
        {
            command.CommandText = """
                DELETE FROM reminders
                WHERE entity_type = $1 AND entity_id = $2 AND name = $3
                  AND version = $4 AND due_at = $5 AND recurrence IS NULL
                """;
        }

        var changed = await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) > 0;
        if (changed)
        {
            _reminderSignal.Notify();
        }

        return changed;
    }

    public Task WhenChangedAsync()
    {
        ThrowIfDisposed();
        return _reminderSignal.Next;
    }

    /// <summary>
    /// Appends the reminder changes of <paramref name="writes"/> to <paramref name="batch"/>, write by write and in
    /// list order within a write; with <paramref name="outcomes"/> only those of the writes that were written.
    /// </summary>
    private static void AddReminderCommands(NpgsqlBatch batch, IReadOnlyList<AtomicWrite> writes, WriteOutcome[]? outcomes)
    {
        for (var w = 0; w < writes.Count; w++)
        {
            if (writes[w].Reminders is not { Count: > 0 } reminders || (outcomes is not null && outcomes[w].IsConflict))
            {
                continue;
            }

            foreach (var change in reminders)
            {
                batch.BatchCommands.Add(ReminderCommand(change));
            }
        }
    }

    private static NpgsqlBatchCommand ReminderCommand(ReminderChange change)
    {
        if (change.DueAt is not { } dueAt)
        {
            var cancel = new NpgsqlBatchCommand(CancelReminderSql);
            AddKeyParameters(cancel.Parameters, change.Key);
            return cancel;
        }

        var set = new NpgsqlBatchCommand(SetReminderSql);
        AddKeyParameters(set.Parameters, change.Key);
        set.Parameters.Add(new NpgsqlParameter<DateTimeOffset>
        {
            TypedValue = ReminderRules.StoredDueAt(dueAt),
            NpgsqlDbType = NpgsqlDbType.TimestampTz,
        });
        set.Parameters.Add(new NpgsqlParameter
        {
            Value = change.Recurrence is { } recurrence ? ReminderRules.ToMicroseconds(recurrence) : DBNull.Value,
            NpgsqlDbType = NpgsqlDbType.Bigint,
        });
        return set;
    }

    private static void AddKeyParameters(NpgsqlParameterCollection parameters, ReminderKey key)
    {
        parameters.Add(new NpgsqlParameter<string> { TypedValue = key.EntityType, NpgsqlDbType = NpgsqlDbType.Text });
        parameters.Add(new NpgsqlParameter<string> { TypedValue = key.EntityId, NpgsqlDbType = NpgsqlDbType.Text });
        parameters.Add(new NpgsqlParameter<string> { TypedValue = key.Name, NpgsqlDbType = NpgsqlDbType.Text });
    }

    /// <summary>Whether any command of <paramref name="batch"/> from index <paramref name="first"/> on changed a row.</summary>
    private static bool AnyRowsAffected(NpgsqlBatch batch, int first)
    {
        for (var i = first; i < batch.BatchCommands.Count; i++)
        {
            if (batch.BatchCommands[i].RecordsAffected > 0)
            {
                return true;
            }
        }

        return false;
    }

    private static StoredReminder ReadReminder(NpgsqlDataReader reader) => new(
        new ReminderKey(reader.GetString(0), reader.GetString(1), reader.GetString(2)),
        reader.GetFieldValue<DateTimeOffset>(3),
        reader.IsDBNull(4) ? null : ReminderRules.FromMicroseconds(reader.GetInt64(4)),
        reader.GetInt64(5));
}
