using Akka.Cluster.Sharding;

namespace LiveTracker.Actors.Hosting;

/// <summary>
/// Every message to an entity travels in a <see cref="ShardingEnvelope"/> naming the entity (Akka unwraps it before
/// this extractor is asked, so nothing else has an entity id). The shard follows from a stable hash of the entity
/// id, so an entity lives in the same shard on every node and after every restart.
/// </summary>
public sealed class EntityMessageExtractor(int shardCount) : HashCodeMessageExtractor(shardCount)
{
    public override string? EntityId(object message) => null;
}
