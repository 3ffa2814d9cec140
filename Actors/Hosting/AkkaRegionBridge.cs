using Akka.Actor;
using Akka.Cluster.Sharding;
using LiveTracker.Actors.Cluster;

namespace LiveTracker.Actors.Hosting;

/// <summary>
/// Only while the move to Akka.NET is under way (ADR 0009): lets the entities still on the old runtime (contracts, their
/// weeks, trackers) tell an entity already on Akka.NET. A <see cref="ShardEnvelope"/> becomes a
/// <see cref="ShardingEnvelope"/> to the Akka region, and the entity's reply is told to the old runtime's sender. A reply
/// that does not come within the timeout is dropped, as a lost message is: the old entities repeat what they need.
/// Deleted with the old runtime.
/// </summary>
public sealed class AkkaRegionBridge(IActorRef region, TimeSpan timeout) : Kernel.IActorRef
{
    public string Path => region.Path.ToString();

    public void Tell(object message, Kernel.IActorRef? sender = null)
    {
        if (message is not ShardEnvelope envelope)
        {
            throw new ArgumentException($"An entity region takes a ShardEnvelope, not {message?.GetType().Name}.", nameof(message));
        }

        var sharded = new ShardingEnvelope(envelope.EntityId, envelope.Message);
        if (sender is null)
        {
            region.Tell(sharded, ActorRefs.NoSender);
            return;
        }

        region.Ask<object>(sharded, timeout).ContinueWith(
            reply =>
            {
                if (reply.IsCompletedSuccessfully)
                {
                    sender.Tell(reply.Result);
                }
            },
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }
}
