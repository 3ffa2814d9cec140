using System.Data.Common;
using LiveTracker.Actors.Configuration;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace LiveTracker.Actors.Live;

/// <summary>
/// The highest ordering in the journal (Akka.Persistence.Sql's <c>event_journal</c>): what a page that starts watching
/// is current to, and the readiness probe's proof that the database answers. Akka.Persistence.Query has no query for
/// it, so it is one indexed SQL read on the node's database.
/// </summary>
public sealed class JournalPosition(PersistenceSettings persistence)
{
    public const string JournalTable = "event_journal";

    public async Task<long> HighestOrderingAsync(CancellationToken cancellationToken)
    {
        await using var connection = Open();
        await connection.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT COALESCE(MAX(ordering), 0) FROM {JournalTable}";
        if (!await TableExistsAsync(connection, cancellationToken))
        {
            return 0; // the journal creates its table on first use
        }

        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
    }

    private DbConnection Open() => persistence.Provider == PersistenceProvider.PostgreSql
        ? new NpgsqlConnection(Hosting.LiveTrackerAkka.ConnectionString(persistence))
        : new SqliteConnection(Hosting.LiveTrackerAkka.ConnectionString(persistence));

    private async Task<bool> TableExistsAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = persistence.Provider == PersistenceProvider.PostgreSql
            ? $"SELECT COUNT(*) FROM information_schema.tables WHERE table_name = '{JournalTable}'"
            : $"SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = '{JournalTable}'";
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture) > 0;
    }
}
