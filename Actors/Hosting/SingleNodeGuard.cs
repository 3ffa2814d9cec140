using Akka.Actor;
using Akka.Cluster;
using Microsoft.Extensions.Logging;

using AkkaCluster = Akka.Cluster.Cluster;

namespace LiveTracker.Actors.Hosting;

/// <summary>
/// On a node whose journal is SQLite: a second member would run entities against a journal it cannot see, so any
/// other node that joins (say, one that named this node as its seed) is downed at once, with an error saying why.
/// The settings already refuse seed nodes with SQLite; this covers the other direction.
/// </summary>
public sealed partial class SingleNodeGuard : ReceiveActor
{
    private readonly AkkaCluster _cluster = AkkaCluster.Get(Context.System);
    private readonly ILogger _log;

    public SingleNodeGuard(ILogger log)
    {
        _log = log;
        Receive<ClusterEvent.IMemberEvent>(e => Refuse(e.Member));
        Receive<ClusterEvent.CurrentClusterState>(state =>
        {
            foreach (var member in state.Members)
            {
                Refuse(member);
            }
        });
    }

    protected override void PreStart() =>
        _cluster.Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsSnapshot, typeof(ClusterEvent.IMemberEvent));

    protected override void PostStop() => _cluster.Unsubscribe(Self);

    private void Refuse(Member member)
    {
        if (member.Address == _cluster.SelfAddress || member.Status is MemberStatus.Down or MemberStatus.Removed or MemberStatus.Exiting)
        {
            return;
        }

        LogRefused(_log, member.Address.ToString());
        _cluster.Down(member.Address);
    }

    [LoggerMessage(Level = LogLevel.Error,
        Message = "Node {Address} tried to join this node, whose journal is SQLite (one node's file): it was downed. A cluster of several nodes needs livetracker.persistence.provider = postgresql on every node.")]
    private static partial void LogRefused(ILogger logger, string address);
}
