using System.Data.Common;
using LinqToDB.Interceptors;

namespace LiveTracker.Actors.Hosting;

/// <summary>
/// Lets Akka.Persistence.Sql batch writes on SQLite. The journal batches the rows that wait while a write is in
/// flight, but Microsoft.Data.Sqlite's "async" methods complete synchronously, so on SQLite a write finished before
/// the journal's stream could take the next row and every event became a transaction of its own (about 1,000
/// events/s with fsync on). Yielding when a connection opens lets a write run off the stream, and the rows that arrive
/// meanwhile go into the next transaction together (ADR 0013).
/// </summary>
internal sealed class SqliteWriteBatching : IConnectionInterceptor
{
    public static readonly SqliteWriteBatching Instance = new();

    private SqliteWriteBatching()
    {
    }

    public void ConnectionOpening(ConnectionEventData eventData, DbConnection connection)
    {
    }

    public async Task ConnectionOpeningAsync(ConnectionEventData eventData, DbConnection connection, CancellationToken cancellationToken) =>
        await Task.Yield();

    public void ConnectionOpened(ConnectionEventData eventData, DbConnection connection)
    {
    }

    public Task ConnectionOpenedAsync(ConnectionEventData eventData, DbConnection connection, CancellationToken cancellationToken) => Task.CompletedTask;
}
