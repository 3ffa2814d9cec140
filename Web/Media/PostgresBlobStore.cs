using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using NpgsqlTypes;

namespace LiveTracker.Web.Media;

/// <summary>
/// Blobs in the cluster's PostgreSQL database, table <c>livetracker_blobs</c> beside the journal: every node serves a
/// screenshot any node accepted, and one backup holds both the events and the images they name (ADR 0014). The table
/// is created on first use; a blob is one row, written once (a second insert of the same key is a no-op) and
/// committed before the upload is answered.
/// </summary>
public sealed partial class PostgresBlobStore : BlobStore, IAsyncDisposable
{
    public const string Table = "livetracker_blobs";

    // JPEG, PNG and WebP are compressed already: EXTERNAL keeps them out of line without trying to compress them again.
    private const string Schema = $"""
        CREATE TABLE IF NOT EXISTS {Table} (
          key char(64) PRIMARY KEY,
          bytes bytea NOT NULL,
          stored_at timestamptz NOT NULL DEFAULT now()
        );
        ALTER TABLE {Table} ALTER COLUMN bytes SET STORAGE EXTERNAL;
        """;

    private readonly NpgsqlDataSource _database;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _creating = new(1, 1);
    private volatile bool _created;

    public PostgresBlobStore(string connectionString, ILogger<PostgresBlobStore>? logger = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        _database = NpgsqlDataSource.Create(connectionString);
        _logger = logger ?? (ILogger)NullLogger.Instance;
    }

    public override async Task<BlobPut> PutAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var key = BlobKey.Of(bytes.Span);
        await EnsureTableAsync(cancellationToken);
        await using var command = _database.CreateCommand($"INSERT INTO {Table} (key, bytes) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING");
        command.Parameters.Add(new NpgsqlParameter { Value = key.Value });
        command.Parameters.Add(new NpgsqlParameter<ReadOnlyMemory<byte>> { NpgsqlDbType = NpgsqlDbType.Bytea, TypedValue = bytes });
        var created = await command.ExecuteNonQueryAsync(cancellationToken) == 1;
        if (created)
        {
            LogStored(_logger, key.Value, bytes.Length);
        }

        return new BlobPut(key, bytes.Length, created);
    }

    public override async Task<bool> ExistsAsync(BlobKey key, CancellationToken cancellationToken = default)
    {
        await EnsureTableAsync(cancellationToken);
        await using var command = _database.CreateCommand($"SELECT 1 FROM {Table} WHERE key = $1");
        command.Parameters.Add(new NpgsqlParameter { Value = key.Value });
        return await command.ExecuteScalarAsync(cancellationToken) is not null;
    }

    public override async Task<Stream?> OpenReadAsync(BlobKey key, CancellationToken cancellationToken = default)
    {
        var value = key.Value;
        await EnsureTableAsync(cancellationToken);
        await using var command = _database.CreateCommand($"SELECT bytes FROM {Table} WHERE key = $1");
        command.Parameters.Add(new NpgsqlParameter { Value = value });
        // A screenshot is at most a few megabytes (max-screenshot-bytes): read whole, the connection goes back at once.
        return await command.ExecuteScalarAsync(cancellationToken) is byte[] bytes ? new MemoryStream(bytes, writable: false) : null;
    }

    public ValueTask DisposeAsync() => _database.DisposeAsync();

    private async Task EnsureTableAsync(CancellationToken cancellationToken)
    {
        if (_created)
        {
            return;
        }

        await _creating.WaitAsync(cancellationToken);
        try
        {
            if (!_created)
            {
                await CreateTableAsync(cancellationToken);
                _created = true;
            }
        }
        finally
        {
            _creating.Release();
        }
    }

    private async Task CreateTableAsync(CancellationToken cancellationToken)
    {
        try
        {
            await using var command = _database.CreateCommand(Schema);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
        catch (PostgresException ex) when (ex.SqlState is PostgresErrorCodes.UniqueViolation or PostgresErrorCodes.DuplicateTable)
        {
            // Two nodes starting together: IF NOT EXISTS is not atomic in PostgreSQL, and the other one created it.
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Stored blob {Key} ({Length} bytes) in PostgreSQL")]
    private static partial void LogStored(ILogger logger, string key, long length);
}
