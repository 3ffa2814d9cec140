using LiveTracker.Actors.Kernel;

namespace LiveTracker.Actors.Cluster;

/// <summary>
/// Hosts the entities of one shard: starts them on first message, stops idle ones, and holds messages for an
/// entity that is stopping until it can be started again, so nothing sent to an entity is dropped.
/// </summary>
internal sealed class ShardActor(Func<string, Props> entityProps, RegionSettings settings) : ActorBase
{
    private readonly Dictionary<string, Entity> _entities = new(StringComparer.Ordinal);
    private readonly Dictionary<IActorRef, string> _idsByRef = [];

    protected override void PreStart()
    {
        if (settings.PassivateIdleEntityAfter > TimeSpan.Zero)
        {
            // Checking a few times per timeout keeps the overshoot small without a timer per entity.
            var interval = TimeSpan.FromTicks(Math.Max(settings.PassivateIdleEntityAfter.Ticks / 4, TimeSpan.TicksPerMillisecond));
            Timers.StartPeriodicTimer("passivate-idle", PassivateIdle.Instance, interval);
        }
    }

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case ShardEnvelope envelope:
                Deliver(envelope.EntityId, envelope.Message, Sender);
                break;
            case Passivate passivate when _idsByRef.TryGetValue(Sender, out var id):
                BeginPassivation(_entities[id], passivate.StopMessage);
                break;
            case KeepAlive keepAlive when _idsByRef.TryGetValue(Sender, out var id):
                _entities[id].KeepAlive = keepAlive.Enabled;
                break;
            case PassivateIdle:
                PassivateIdleEntities();
                break;
            case Terminated terminated when _idsByRef.Remove(terminated.ActorRef, out var id):
                OnEntityStopped(id);
                break;
            case EntityRegion.CountEntities:
                Sender.Tell(_entities.Count);
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    private void Deliver(string entityId, object message, IActorRef sender)
    {
        if (!_entities.TryGetValue(entityId, out var entity))
        {
            try
            {
                entity = StartEntity(entityId);
            }
            catch (Exception ex) when (ex is ArgumentException or InvalidOperationException)
            {
                // The entity factory refused this id: only its sender hears of it, the shard carries on.
                sender.Tell(new Status.Failure(ex));
                return;
            }
        }

        if (entity.Buffer is { } buffer)
        {
            buffer.Enqueue((message, sender));
            return;
        }

        entity.LastActivity = Context.System.Time.GetUtcNow();
        entity.Ref.Tell(message, sender);
    }

    private Entity StartEntity(string entityId)
    {
        var actor = Context.ActorOf(WithSupervision(entityProps(entityId)), Uri.EscapeDataString(entityId));
        Context.Watch(actor);
        var entity = new Entity(actor, Context.System.Time.GetUtcNow());
        _entities[entityId] = entity;
        _idsByRef[actor] = entityId;
        return entity;
    }

    private Props WithSupervision(Props props) =>
        props.SupervisorStrategy is null && settings.EntitySupervisorStrategy is { } strategy
            ? props.WithSupervisorStrategy(strategy)
            : props;

    private void BeginPassivation(Entity entity, object stopMessage)
    {
        if (entity.Buffer is not null)
        {
            return;
        }

        entity.Buffer = new Queue<(object, IActorRef)>();
        entity.Ref.Tell(stopMessage, Self);
    }

    private void PassivateIdleEntities()
    {
        var cutoff = Context.System.Time.GetUtcNow() - settings.PassivateIdleEntityAfter;
        foreach (var entity in _entities.Values)
        {
            if (entity.Buffer is null && !entity.KeepAlive && entity.LastActivity <= cutoff)
            {
                BeginPassivation(entity, PoisonPill.Instance);
            }
        }
    }

    private void OnEntityStopped(string entityId)
    {
        var stopped = _entities[entityId];
        _entities.Remove(entityId);
        if (stopped.Buffer is { Count: > 0 } buffered)
        {
            // Messages arrived while it was stopping: bring it back and hand them over in order.
            var restarted = StartEntity(entityId);
            foreach (var (message, sender) in buffered)
            {
                restarted.Ref.Tell(message, sender);
            }
        }
    }

    private sealed class PassivateIdle
    {
        public static readonly PassivateIdle Instance = new();
    }

    private sealed class Entity(IActorRef actorRef, DateTimeOffset lastActivity)
    {
        public IActorRef Ref { get; } = actorRef;

        public DateTimeOffset LastActivity { get; set; } = lastActivity;

        public bool KeepAlive { get; set; }

        /// <summary>Non-null while the entity is stopping: messages wait here instead of reaching a dying actor.</summary>
        public Queue<(object Message, IActorRef Sender)>? Buffer { get; set; }
    }
}
