using LiveTracker.Actors.Kernel;

namespace LiveTracker.Actors.Cluster;

/// <summary>Settings of one entity region; defaults match <c>akka.hocon</c>.</summary>
public sealed record RegionSettings
{
    public int ShardCount { get; init; } = 100;

    /// <summary>Entities that received nothing for this long are stopped; <see cref="TimeSpan.Zero"/> keeps them forever.</summary>
    public TimeSpan PassivateIdleEntityAfter { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>Supervision of the entities; null uses the system default (restart with backoff).</summary>
    public SupervisorStrategy? EntitySupervisorStrategy { get; init; }
}

/// <summary>
/// Akka's sharding region for one entity type: <c>region.Tell(entityId, message)</c> reaches the entity,
/// creating it on its first message. Entities are grouped into shards by a stable hash; each shard is an actor
/// that starts its entities, passivates idle ones and buffers messages for an entity while it is stopping.
/// Thread-safe; hand it to anything that needs to reach entities of this type.
/// </summary>
public sealed class EntityRegion : IActorRef
{
    private readonly ActorCell _regionCell;
    private readonly ActorCell?[] _shards;
    private readonly Func<string, Props> _entityProps;
    private readonly RegionSettings _settings;
    private readonly Lock _shardLock = new();

    private EntityRegion(ActorSystem system, string typeName, Func<string, Props> entityProps, RegionSettings settings, IShardExtractor extractor)
    {
        System = system;
        TypeName = typeName;
        Extractor = extractor;
        _entityProps = entityProps;
        _settings = settings;
        _shards = new ActorCell?[extractor.ShardCount];
        _regionCell = (ActorCell)system.ActorOf(Props.Create(() => new RegionActor()), typeName);
    }

    public ActorSystem System { get; }

    public string TypeName { get; }

    public IShardExtractor Extractor { get; }

    public string Path => _regionCell.Path;

    /// <summary>Starts a region named <paramref name="typeName"/> (unique per system).</summary>
    public static EntityRegion Start(
        ActorSystem system,
        string typeName,
        Func<string, Props> entityProps,
        RegionSettings? settings = null,
        IShardExtractor? extractor = null)
    {
        ArgumentNullException.ThrowIfNull(system);
        ArgumentException.ThrowIfNullOrEmpty(typeName);
        ArgumentNullException.ThrowIfNull(entityProps);
        settings ??= new RegionSettings();
        return new EntityRegion(system, typeName, entityProps, settings, extractor ?? new HashShardExtractor(settings.ShardCount));
    }

    public void Tell(string entityId, object message, IActorRef? sender = null) =>
        ShardFor(entityId).Tell(new ShardEnvelope(entityId, message), sender);

    public Task<T> Ask<T>(string entityId, object message, TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        ShardFor(entityId).Ask<T>(new ShardEnvelope(entityId, message), timeout, cancellationToken);

    /// <summary>Accepts <see cref="ShardEnvelope"/>s, so the region can be used wherever a ref is expected.</summary>
    public void Tell(object message, IActorRef? sender = null)
    {
        if (message is not ShardEnvelope envelope)
        {
            throw new ArgumentException($"A region only accepts {nameof(ShardEnvelope)}, not {message.GetType().Name}.", nameof(message));
        }

        ShardFor(envelope.EntityId).Tell(envelope, sender);
    }

    /// <summary>How many entities are running now, across all shards (for operators and tests).</summary>
    public async Task<int> CountEntitiesAsync(CancellationToken cancellationToken = default)
    {
        var counts = await Task.WhenAll(
            _shards.Where(s => s is { IsTerminated: false })
                .Select(s => s!.Ask<int>(CountEntities.Instance, cancellationToken: cancellationToken)));
        return counts.Sum();
    }

    public override string ToString() => Path;

    /// <summary>The live shard for the entity; while the region is shutting down, dead letters.</summary>
    private IActorRef ShardFor(string entityId)
    {
        var index = Extractor.ShardOf(entityId);
        var shard = Volatile.Read(ref _shards[index]);
        if (shard is { IsTerminated: false })
        {
            return shard;
        }

        lock (_shardLock)
        {
            shard = _shards[index];
            if (shard is null || shard.IsTerminated)
            {
                var name = "shard-" + index.ToString(global::System.Globalization.CultureInfo.InvariantCulture);
                try
                {
                    shard = _regionCell.CreateChild(ShardProps, name);
                }
                catch (InvalidOperationException) when (_regionCell.IsStopping)
                {
                    return System.DeadLetters;
                }

                Volatile.Write(ref _shards[index], shard);
            }

            return shard;
        }
    }

    // A shard's own failure would stop every entity it hosts; it resumes instead (its handlers validate input).
    private Props ShardProps => Props.Create(() => new ShardActor(_entityProps, _settings))
        .WithSupervisorStrategy(SupervisorStrategy.Default with { Decider = _ => Directive.Resume });

    internal sealed class CountEntities
    {
        public static readonly CountEntities Instance = new();
    }

    private sealed class RegionActor : ActorBase
    {
        protected override void OnReceive(object message)
        {
        }
    }
}
