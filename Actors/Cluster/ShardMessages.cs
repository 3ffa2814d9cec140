using System.Text;

namespace LiveTracker.Actors.Cluster;

/// <summary>A message addressed to one entity of a region.</summary>
public sealed record ShardEnvelope(string EntityId, object Message);

/// <summary>
/// Sent by an entity to its parent (the shard) to be stopped gracefully: the shard tells the entity
/// <see cref="StopMessage"/> and buffers what arrives for it until it has stopped, then starts it again.
/// </summary>
public sealed record Passivate(object StopMessage);

/// <summary>
/// Sent by an entity to its parent (the shard): while <see cref="Enabled"/>, the shard does not passivate it for
/// being idle (e.g. a tracker whose server-side idle timer must keep running). It may still stop itself.
/// </summary>
public sealed record KeepAlive(bool Enabled);

/// <summary>Maps an entity id to the shard that hosts it.</summary>
public interface IShardExtractor
{
    int ShardCount { get; }

    int ShardOf(string entityId);
}

/// <summary>
/// Shard = FNV-1a hash of the entity id's UTF-8 bytes modulo the shard count. Stable across processes and
/// .NET versions (unlike <see cref="string.GetHashCode()"/>, which is randomised per process), so every node
/// agrees where an entity lives.
/// </summary>
public sealed class HashShardExtractor : IShardExtractor
{
    public HashShardExtractor(int shardCount)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(shardCount, 1);
        ShardCount = shardCount;
    }

    public int ShardCount { get; }

    public int ShardOf(string entityId)
    {
        ArgumentException.ThrowIfNullOrEmpty(entityId);
        return (int)(StableHash(entityId) % (uint)ShardCount);
    }

    public static uint StableHash(string value)
    {
        const uint offsetBasis = 2166136261;
        const uint prime = 16777619;
        Span<byte> buffer = value.Length <= 128 ? stackalloc byte[value.Length * 3] : new byte[Encoding.UTF8.GetMaxByteCount(value.Length)];
        var length = Encoding.UTF8.GetBytes(value, buffer);
        var hash = offsetBasis;
        foreach (var b in buffer[..length])
        {
            hash = (hash ^ b) * prime;
        }

        return hash;
    }
}
