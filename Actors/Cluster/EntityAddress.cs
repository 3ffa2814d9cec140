using LiveTracker.Actors.Kernel;

namespace LiveTracker.Actors.Cluster;

/// <summary>
/// An entity addressed through its region rather than its current incarnation: a reply sent here reaches the
/// entity even when it was passivated or restarted meanwhile (the region starts it again). Entities give this as
/// the sender of requests to other entities whose answers they must not lose.
/// </summary>
public sealed class EntityAddress(IActorRef region, string entityId) : IActorRef
{
    public string Path => region.Path + "/" + entityId;

    public string EntityId => entityId;

    public void Tell(object message, IActorRef? sender = null) => region.Tell(new ShardEnvelope(entityId, message), sender);

    public override string ToString() => Path;
}
