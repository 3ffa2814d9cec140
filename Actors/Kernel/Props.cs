namespace LiveTracker.Actors.Kernel;

/// <summary>How to create (and re-create after a failure) an actor, and how its failures are handled.</summary>
public sealed class Props
{
    private Props(Func<ActorBase> factory, Type actorType, SupervisorStrategy? supervisorStrategy)
    {
        Factory = factory;
        ActorType = actorType;
        SupervisorStrategy = supervisorStrategy;
    }

    internal Func<ActorBase> Factory { get; }

    public Type ActorType { get; }

    /// <summary>Overrides the parent's strategy for this actor's failures; null uses the parent's.</summary>
    public SupervisorStrategy? SupervisorStrategy { get; }

    public static Props Create<TActor>(Func<TActor> factory)
        where TActor : ActorBase
    {
        ArgumentNullException.ThrowIfNull(factory);
        return new Props(factory, typeof(TActor), null);
    }

    public static Props Create<TActor>()
        where TActor : ActorBase, new() => new(() => new TActor(), typeof(TActor), null);

    public Props WithSupervisorStrategy(SupervisorStrategy strategy) => new(Factory, ActorType, strategy);
}
