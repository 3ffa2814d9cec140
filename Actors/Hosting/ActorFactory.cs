using Akka.Actor;

namespace LiveTracker.Actors.Hosting;

/// <summary>
/// Props that make their actor with a plain delegate. <c>Props.Create(() =&gt; new T(...))</c> takes an expression tree
/// and compiles each constructor argument into a dynamic method every time it is called: as a shard's entity factory
/// that was a compile per entity start, a fifth of the node's CPU when 30,000 entities started (and the finalizer
/// thread busy collecting the dynamic methods). These Props cannot be sent to another node, which entities never are:
/// each node's shard makes its own.
/// </summary>
public static class ActorFactory
{
    public static Props Props<TActor>(Func<TActor> create)
        where TActor : ActorBase
    {
        ArgumentNullException.ThrowIfNull(create);
        return Akka.Actor.Props.CreateBy(new Producer<TActor>(create));
    }

    private sealed class Producer<TActor>(Func<TActor> create) : IIndirectActorProducer
        where TActor : ActorBase
    {
        public Type ActorType => typeof(TActor);

        public ActorBase Produce() => create();

        public void Release(ActorBase actor)
        {
        }
    }
}
