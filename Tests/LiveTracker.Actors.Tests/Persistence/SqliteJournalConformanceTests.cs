using LiveTracker.Actors.Persistence;
using LiveTracker.Actors.Persistence.Sqlite;
using Microsoft.Data.Sqlite;
using Xunit;

namespace LiveTracker.Actors.Tests.Persistence;

/// <summary>A temporary directory holding the database file shared by the SQLite conformance tests.</summary>
public sealed class SqliteDatabaseFixture : IDisposable
{
    public SqliteDatabaseFixture()
    {
        Directory = Path.Combine(Path.GetTempPath(), "livetracker-journal-tests-" + Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(Directory);
        DatabaseFile = Path.Combine(Directory, "journal.db");
    }

    public string Directory { get; }

    public string DatabaseFile { get; }

    public void Dispose()
    {
        // Stores release their pooled readers when disposed; the tests' own connections are not pooled.
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp directory is not worth failing the run for.
        }
    }
}

public sealed class SqliteJournalConformanceTests(SqliteDatabaseFixture database)
    : JournalConformanceTests, IClassFixture<SqliteDatabaseFixture>
{
    protected override bool NotifiesOtherStores => false;

    protected override IPersistenceStore CreateStore(TimeProvider time, JournalWriterSettings? settings, string writerId) =>
        new SqlitePersistenceStore(database.DatabaseFile, writerId, time, logger: null, settings);

    /// <summary>Another connection holding SQLite's write lock stalls the writer inside its BEGIN IMMEDIATE.</summary>
    protected override Task<IAsyncDisposable> BlockJournalWritesAsync()
    {
        var connection = new SqliteConnection($"Data Source={database.DatabaseFile};Pooling=False");
        connection.Open();
        var transaction = connection.BeginTransaction(deferred: false);
        return Task.FromResult<IAsyncDisposable>(new Release(async () =>
        {
            await transaction.RollbackAsync();
            await transaction.DisposeAsync();
            await connection.DisposeAsync();
        }));
    }

    /// <summary>A file next to the shared one, created with the schema's own migration scripts up to the version.</summary>
    protected override Task<LegacyDatabase> CreateDatabaseAtSchemaVersionAsync(int version)
    {
        var file = Path.Combine(database.Directory, $"legacy-{Guid.NewGuid():N}.db");
        using (var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = file, Pooling = false }.ToString()))
        {
            connection.Open();
            using var transaction = connection.BeginTransaction();
            using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = SqliteSchema.VersionTableDdl;
            command.ExecuteNonQuery();
            foreach (var (number, description, sql) in SqliteSchema.Migrations.Where(m => m.Version <= version))
            {
                command.CommandText = sql;
                command.ExecuteNonQuery();
                command.CommandText = $"INSERT INTO persistence_schema_version (version, description, applied_at) VALUES ({number}, '{description}', 0)";
                command.ExecuteNonQuery();
            }

            transaction.Commit();
        }

        return Task.FromResult(new LegacyDatabase(
            time => new SqlitePersistenceStore(file, "node-a/1", time),
            () =>
            {
                foreach (var suffix in new[] { string.Empty, "-wal", "-shm" })
                {
                    File.Delete(file + suffix);
                }

                return Task.CompletedTask;
            }));
    }

    [Fact]
    public async Task Migrating_records_each_schema_version_once()
    {
        await using var connection = new SqliteConnection($"Data Source={database.DatabaseFile};Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT group_concat(version, ',') FROM (SELECT version FROM persistence_schema_version ORDER BY version)";
        Assert.Equal(string.Join(',', SqliteSchema.Migrations.Select(m => m.Version)), (string?)await command.ExecuteScalarAsync());
    }

    [Fact]
    public async Task The_database_runs_in_WAL_mode()
    {
        await using var connection = new SqliteConnection($"Data Source={database.DatabaseFile};Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode";
        Assert.Equal("wal", (string?)await command.ExecuteScalarAsync());
    }
}
