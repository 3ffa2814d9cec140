using LiveTracker.Actors.Persistence;
using LiveTracker.Actors.Persistence.Postgres;
using Npgsql;
using Xunit;

namespace LiveTracker.Actors.Tests.Persistence;

/// <summary>
/// A fresh database (named with a Guid) on the server given by <c>LIVETRACKER_TEST_PG</c>, dropped at the end.
/// Without that variable every PostgreSQL test fails: a silently skipped back-end would look like a pass.
/// </summary>
public sealed class PostgresDatabaseFixture : IAsyncLifetime
{
    public const string EnvironmentVariable = "LIVETRACKER_TEST_PG";

    private string? _adminConnectionString;
    private string? _databaseName;

    public string ConnectionString { get; private set; } = string.Empty;

    public async Task InitializeAsync()
    {
        _adminConnectionString = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (string.IsNullOrWhiteSpace(_adminConnectionString))
        {
            throw new InvalidOperationException(
                $"{EnvironmentVariable} is not set. The PostgreSQL journal conformance tests need a server, e.g. " +
                $"{EnvironmentVariable}=\"Host=127.0.0.1;Port=55432;Username=postgres;Database=postgres\". They never skip.");
        }

        _databaseName = "livetracker_journal_test_" + Guid.NewGuid().ToString("N");
        await using (var admin = new NpgsqlConnection(_adminConnectionString))
        {
            await admin.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE {_databaseName}", admin);
            await create.ExecuteNonQueryAsync();
        }

        ConnectionString = new NpgsqlConnectionStringBuilder(_adminConnectionString) { Database = _databaseName }.ConnectionString;
    }

    public async Task DisposeAsync()
    {
        if (_databaseName is null || _adminConnectionString is null)
        {
            return;
        }

        // Only this database's pool: other test classes of the run may be using theirs.
        await using (var pooled = new NpgsqlConnection(ConnectionString))
        {
            NpgsqlConnection.ClearPool(pooled);
        }

        await using var admin = new NpgsqlConnection(_adminConnectionString);
        await admin.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {_databaseName} WITH (FORCE)", admin);
        await drop.ExecuteNonQueryAsync();
    }
}

public sealed class PostgresJournalConformanceTests(PostgresDatabaseFixture database)
    : JournalConformanceTests, IClassFixture<PostgresDatabaseFixture>
{
    private const long OrderingLockKey = 0x4C54_4A4F_5244_5231; // PostgresSchema.OrderingLockKey

    protected override bool NotifiesOtherStores => true;

    protected override IPersistenceStore CreateStore(TimeProvider time, JournalWriterSettings? settings, string writerId) =>
        new PostgresPersistenceStore(database.ConnectionString, writerId, time, logger: null, settings);

    /// <summary>Holding the ordering advisory lock stalls every journal transaction at its first statement.</summary>
    protected override async Task<IAsyncDisposable> BlockJournalWritesAsync()
    {
        var connection = new NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync();
        await using (var take = new NpgsqlCommand($"SELECT pg_advisory_lock({OrderingLockKey})", connection))
        {
            await take.ExecuteNonQueryAsync();
        }

        return new Release(async () =>
        {
            await using (var release = new NpgsqlCommand($"SELECT pg_advisory_unlock({OrderingLockKey})", connection))
            {
                await release.ExecuteNonQueryAsync();
            }

            await connection.DisposeAsync();
        });
    }

    /// <summary>A database of its own on the same server, created with the schema's own migration scripts up to the version.</summary>
    protected override async Task<LegacyDatabase> CreateDatabaseAtSchemaVersionAsync(int version)
    {
        var name = "livetracker_legacy_test_" + Guid.NewGuid().ToString("N");
        await using (var admin = new NpgsqlConnection(database.ConnectionString))
        {
            await admin.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE {name}", admin);
            await create.ExecuteNonQueryAsync();
        }

        var connectionString = new NpgsqlConnectionStringBuilder(database.ConnectionString) { Database = name }.ConnectionString;
        var setup = new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString;
        await using (var connection = new NpgsqlConnection(setup))
        {
            await connection.OpenAsync();
            await using var transaction = await connection.BeginTransactionAsync();
            await using var command = new NpgsqlCommand(PostgresSchema.VersionTableDdl, connection, transaction);
            await command.ExecuteNonQueryAsync();
            foreach (var (number, description, sql) in PostgresSchema.Migrations.Where(m => m.Version <= version))
            {
                command.CommandText = sql;
                await command.ExecuteNonQueryAsync();
                command.CommandText = $"INSERT INTO persistence_schema_version (version, description, applied_at) VALUES ({number}, '{description}', now())";
                await command.ExecuteNonQueryAsync();
            }

            await transaction.CommitAsync();
        }

        return new LegacyDatabase(
            time => new PostgresPersistenceStore(connectionString, "node-a/1", time),
            async () =>
            {
                await using var admin = new NpgsqlConnection(database.ConnectionString);
                await admin.OpenAsync();
                await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {name} WITH (FORCE)", admin);
                await drop.ExecuteNonQueryAsync();
            });
    }

    [Fact]
    public async Task Migrating_records_each_schema_version_once()
    {
        await using var connection = new NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT string_agg(version::text, ',' ORDER BY version) FROM persistence_schema_version", connection);
        Assert.Equal(string.Join(',', PostgresSchema.Migrations.Select(m => m.Version)), (string?)await command.ExecuteScalarAsync());
    }

    [Fact]
    public void The_lock_key_used_by_these_tests_is_the_store_s()
    {
        Assert.Equal(PostgresSchema.OrderingLockKey, OrderingLockKey);
    }

    [Fact]
    public async Task The_listener_reconnects_when_its_connection_is_killed()
    {
        var reader = await OpenStoreAsync(new JournalWriterSettings { EventLogPollInterval = TimeSpan.FromMinutes(5) });
        var writer = await OpenStoreAsync(writerId: "node-b/2");
        var highest = await reader.EventLog.ReadHighestOrderingAsync();
        var waiting = reader.EventLog.WaitForEventsAfterAsync(highest, CancellationToken.None);
        await Task.Delay(500); // the listener connects

        await using (var admin = new NpgsqlConnection(database.ConnectionString))
        {
            await admin.OpenAsync();
            await using var kill = new NpgsqlCommand(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN %'",
                admin);
            Assert.Equal(1L, await kill.ExecuteScalarAsync());
        }

        await Task.Delay(1_000); // reconnects after 100 ms
        Assert.False(waiting.IsCompleted);
        await writer.Journal.WriteAsync(Events(NewId(), 1, 1));

        await waiting.WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task Malformed_json_fails_only_its_own_write_in_a_batch()
    {
        var good = Enumerable.Range(0, 20).Select(_ => NewId()).ToArray();
        var bad = NewId();
        Task<long> blocked;
        var tasks = new List<Task<long>>();
        Task<long> badTask;
        await using (await BlockJournalWritesAsync())
        {
            blocked = Store.Journal.WriteAsync(Events(NewId(), 1, 1));
            await Task.Delay(200);
            tasks.AddRange(good.Take(10).Select(id => Store.Journal.WriteAsync(Events(id, 1, 2))));
            badTask = Store.Journal.WriteAsync(new AtomicWrite(bad, [new EventToWrite(1, "test.event", "{not json")]));
            tasks.AddRange(good.Skip(10).Select(id => Store.Journal.WriteAsync(Events(id, 1, 2))));
        }

        await blocked.WaitAsync(Timeout);
        await Task.WhenAll(tasks).WaitAsync(Timeout);
        var error = await Assert.ThrowsAsync<PostgresException>(() => badTask.WaitAsync(Timeout));
        Assert.StartsWith("22", error.SqlState, StringComparison.Ordinal);
        Assert.Equal(0, await Store.Journal.ReadHighestSequenceNrAsync(bad));
        foreach (var id in good)
        {
            Assert.Equal(2, await Store.Journal.ReadHighestSequenceNrAsync(id));
        }
    }

    [Fact]
    public async Task A_write_isolated_for_malformed_json_loses_its_reminders_and_its_neighbours_keep_theirs()
    {
        var good = Enumerable.Range(0, 6).Select(_ => NewId()).ToArray();
        var bad = NewId();
        var badKey = new ReminderKey("test.entity", bad, "timeout");
        Task<long> blocked;
        var tasks = new List<Task<long>>();
        Task<long> badTask;
        await using (await BlockJournalWritesAsync())
        {
            blocked = Store.Journal.WriteAsync(Events(NewId(), 1, 1));
            await Task.Delay(200);
            tasks.AddRange(good.Take(3).Select(id => Store.Journal.WriteAsync(
                WithReminders(Events(id, 1, 1), ReminderChange.Set(new ReminderKey("test.entity", id, "timeout"), T0)))));
            badTask = Store.Journal.WriteAsync(new AtomicWrite(bad, [new EventToWrite(1, "test.event", "{not json")], [ReminderChange.Set(badKey, T0)]));
            tasks.AddRange(good.Skip(3).Select(id => Store.Journal.WriteAsync(
                WithReminders(Events(id, 1, 1), ReminderChange.Set(new ReminderKey("test.entity", id, "timeout"), T0)))));
        }

        await blocked.WaitAsync(Timeout);
        await Task.WhenAll(tasks).WaitAsync(Timeout);
        await Assert.ThrowsAsync<PostgresException>(() => badTask.WaitAsync(Timeout));
        Assert.Null(await Store.Reminders.ReadAsync(badKey));
        foreach (var id in good)
        {
            var key = new ReminderKey("test.entity", id, "timeout");
            Assert.Equal(new StoredReminder(key, T0, null, 1), await Store.Reminders.ReadAsync(key));
        }
    }

    [Fact]
    public async Task Reminder_changes_applied_on_their_own_are_all_or_nothing()
    {
        // A key too large for the primary key's index fails on the server, after the first change was executed.
        var fine = NewReminderKey();
        var tooLarge = new ReminderKey("test.entity", string.Concat(Enumerable.Range(0, 400).Select(_ => Guid.NewGuid().ToString("N"))), "timeout");

        var error = await Assert.ThrowsAsync<PostgresException>(
            () => Store.Reminders.ApplyAsync([ReminderChange.Set(fine, T0), ReminderChange.Set(tooLarge, T0)]));

        Assert.StartsWith("54", error.SqlState, StringComparison.Ordinal);
        Assert.Null(await Store.Reminders.ReadAsync(fine));
    }
}
