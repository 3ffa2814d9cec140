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
