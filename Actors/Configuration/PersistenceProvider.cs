namespace LiveTracker.Actors.Configuration;

/// <summary>Which database holds the journal, snapshots and (in cluster mode) coordination tables.</summary>
public enum PersistenceProvider
{
    /// <summary>Embedded single-node default: a file under the data directory.</summary>
    Sqlite,

    /// <summary>Required for a cluster of several nodes.</summary>
    PostgreSql,
}
