using Akka.Actor;

namespace LiveTracker.Actors.Sharding;

/// <summary>
/// What a shard sends its entities instead of a PoisonPill when it moves to another node (a node leaving, a rebalance).
/// A message that was already on its way to the entity when the hand-off began — from a region on another node that
/// had not yet heard of it — arrives after the stop message; with a PoisonPill it would be dropped and its sender would
/// wait for a reply until its ask timed out. So the entity keeps serving for <see cref="Grace"/>, then stops: no other
/// incarnation can start meanwhile, since the shard moves only once all its entities have stopped.
/// </summary>
public sealed record HandOffEntity
{
    public static readonly HandOffEntity Instance = new();

    /// <summary>How long an entity keeps serving after the hand-off began; in-flight messages arrive within milliseconds.</summary>
    public static readonly TimeSpan Grace = TimeSpan.FromMilliseconds(500);

    /// <summary>Handles the hand-off messages; true when <paramref name="message"/> was one of them.</summary>
    public static bool Handle(IActorContext context, object message)
    {
        switch (message)
        {
            case HandOffEntity:
                context.System.Scheduler.ScheduleTellOnce(Grace, context.Self, StopAfterHandOff.Instance, ActorRefs.NoSender);
                return true;
            case StopAfterHandOff:
                context.Stop(context.Self);
                return true;
            default:
                return false;
        }
    }
}

/// <summary>The end of an entity's hand-off grace (see <see cref="HandOffEntity"/>).</summary>
public sealed record StopAfterHandOff
{
    public static readonly StopAfterHandOff Instance = new();
}
