using System.Collections.Frozen;
using System.Data.Common;
using System.Text;

namespace LiveTracker.Actors.Configuration;

/// <summary><c>livetracker.persistence</c>: the journal's database and its batched writer.</summary>
public sealed record PersistenceSettings
{
    private static readonly FrozenDictionary<string, PersistenceProvider> Providers =
        new Dictionary<string, PersistenceProvider>
        {
            ["sqlite"] = PersistenceProvider.Sqlite,
            ["postgresql"] = PersistenceProvider.PostgreSql,
        }.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);

    public required PersistenceProvider Provider { get; init; }

    /// <summary>PostgreSQL connection string; empty with SQLite. Never printed by <see cref="ToString"/>.</summary>
    public required string ConnectionString { get; init; }

    /// <summary>Absolute path of the SQLite database file.</summary>
    public required string SqliteFile { get; init; }

    /// <summary>A snapshot is written after this many events of one entity.</summary>
    public required int SnapshotEvery { get; init; }

    internal static PersistenceSettings Read(SettingsReader persistence, string dataDirectory)
    {
        var provider = persistence.GetChoice("provider", PersistenceProvider.Sqlite, Providers);
        var connectionString = persistence.GetString("connection-string", string.Empty, allowEmpty: true);
        if (provider == PersistenceProvider.PostgreSql)
        {
            if (string.IsNullOrWhiteSpace(connectionString))
            {
                persistence.Report(
                    "connection-string",
                    $"must be set when {persistence.Path}.provider = postgresql (here, or through the LIVETRACKER_PG environment variable)",
                    anchorKey: "provider");
            }
            else if (!IsWellFormed(connectionString))
            {
                // The value is not echoed: it may hold a password.
                persistence.Report("connection-string", "is not a well-formed connection string (expected key=value pairs separated by ';')");
            }
        }

        var sqliteFile = persistence.Get("sqlite-file", "journal.db", LiveTrackerSettings.TryParsePath, "is not a valid file path");
        return new PersistenceSettings
        {
            Provider = provider,
            ConnectionString = connectionString,
            SqliteFile = Path.GetFullPath(Path.Combine(dataDirectory, sqliteFile)),
            SnapshotEvery = persistence.GetInt("snapshot-every", 200, 1, 1_000_000),
        };
    }

    private static bool IsWellFormed(string connectionString)
    {
        try
        {
            _ = new DbConnectionStringBuilder { ConnectionString = connectionString };
            return true;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    // Settings get logged at start-up; a connection string's password must not be.
    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append("Provider = ").Append(Provider)
            .Append(", ConnectionString = ").Append(Redact(ConnectionString))
            .Append(", SqliteFile = ").Append(SqliteFile)
            .Append(", SnapshotEvery = ").Append(SnapshotEvery);
        return true;
    }

    private static string Redact(string connectionString)
    {
        if (connectionString.Length == 0)
        {
            return string.Empty;
        }

        try
        {
            var builder = new DbConnectionStringBuilder { ConnectionString = connectionString };
            foreach (var key in builder.Keys.Cast<string>().ToList())
            {
                if (key.Contains("password", StringComparison.OrdinalIgnoreCase) || key.Equals("pwd", StringComparison.OrdinalIgnoreCase))
                {
                    builder[key] = "***";
                }
            }

            return builder.ConnectionString;
        }
        catch (ArgumentException)
        {
            return "***";
        }
    }
}
