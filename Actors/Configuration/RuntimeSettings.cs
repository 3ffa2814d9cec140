using LiveTracker.Actors.Cluster;
using LiveTracker.Actors.Contracts;
using LiveTracker.Actors.Kernel;
using LiveTracker.Actors.Persistence;
using LiveTracker.Actors.Persistence.Postgres;
using LiveTracker.Actors.Persistence.Sqlite;
using Microsoft.Extensions.Logging;

namespace LiveTracker.Actors.Configuration;

/// <summary>Turns the validated settings into what the runtime pieces take, so hosts wire them one way.</summary>
public static class RuntimeSettings
{
    public static ActorSystemSettings ToActorSystemSettings(this LiveTrackerSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var supervision = settings.Actors.Supervision;
        return new ActorSystemSettings
        {
            DefaultAskTimeout = settings.Actors.AskTimeout,
            DefaultSupervisorStrategy = new SupervisorStrategy(
                supervision.MaxRestarts, supervision.Within, supervision.MinBackoff, supervision.MaxBackoff),
        };
    }

    public static RegionSettings ToRegionSettings(this LiveTrackerSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return new RegionSettings
        {
            ShardCount = settings.Sharding.ShardCount,
            PassivateIdleEntityAfter = settings.Sharding.PassivateIdleEntityAfter,
        };
    }

    public static ContractRules ToContractRules(this LiveTrackerSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return ContractRules.Default with { Cycle = settings.Domain.Cycle };
    }

    /// <summary>The configured back-end; call <see cref="IPersistenceStore.InitializeAsync"/> before use.</summary>
    public static IPersistenceStore CreatePersistenceStore(this LiveTrackerSettings settings, TimeProvider time, ILoggerFactory loggerFactory)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        var persistence = settings.Persistence;
        var writer = new JournalWriterSettings
        {
            MaxBatchEvents = persistence.WriteBatchMaxEvents,
            QueueCapacity = persistence.WriteQueueCapacity,
        };
        return persistence.Provider switch
        {
            PersistenceProvider.PostgreSql => new PostgresPersistenceStore(
                persistence.ConnectionString, settings.NodeId, time, loggerFactory.CreateLogger<PostgresPersistenceStore>(), writer),
            _ => new SqlitePersistenceStore(
                persistence.SqliteFile, settings.NodeId, time, loggerFactory.CreateLogger<SqlitePersistenceStore>(), writer),
        };
    }
}
