namespace LiveTracker.Actors.Configuration;

/// <summary><c>livetracker.sharding</c>: how entities are spread over nodes and when idle ones are unloaded.</summary>
public sealed record ShardingSettings
{
    /// <summary>Fixed number of shards; about ten per expected node. Changing it moves every entity.</summary>
    public required int ShardCount { get; init; }

    /// <summary>An entity that received no message for this long is stopped; the next message revives it.</summary>
    public required TimeSpan PassivateIdleEntityAfter { get; init; }

    internal static ShardingSettings Read(SettingsReader sharding) => new()
    {
        ShardCount = sharding.GetInt("shard-count", 100, 1, 10_000),
        PassivateIdleEntityAfter = sharding.GetDuration("passivate-idle-entity-after", TimeSpan.FromMinutes(2), TimeSpan.FromSeconds(1), TimeSpan.FromDays(30)),
    };
}
