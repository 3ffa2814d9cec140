using Npgsql;
using Xunit;

namespace LiveTracker.Actors.Tests.Databases;

/// <summary>A temporary directory holding the SQLite database file shared by the tests of one class.</summary>
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
        // Nodes clear their connection pools when they stop.
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
                $"{EnvironmentVariable} is not set. The PostgreSQL tests need a server, e.g. " +
                $"{EnvironmentVariable}=\"Host=127.0.0.1;Port=55432;Username=postgres;Database=postgres\". They never skip.");
        }

        _databaseName = "livetracker_test_" + Guid.NewGuid().ToString("N");
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
