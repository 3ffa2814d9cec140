using System.Collections.Immutable;
using Akka.Actor;
using Akka.Cluster;

using AkkaCluster = Akka.Cluster.Cluster;

namespace LiveTracker.Actors.Hosting;

/// <summary>Asks <see cref="ClusterMembers"/> for the membership as this node sees it.</summary>
public sealed record GetClusterMembers
{
    public static readonly GetClusterMembers Instance = new();
}

/// <summary>
/// A member of the cluster: its remoting address, status, roles, since when this node saw it Up, whether this node's
/// failure detector reaches it, and whether it is the oldest (where the shard coordinators and the deadline keeper run).
/// </summary>
public sealed record ClusterMemberView(string Address, string Status, IReadOnlyList<string> Roles, DateTimeOffset? UpSince, bool Reachable, bool Oldest);

public sealed record ClusterMembersView(string Self, string? Leader, IReadOnlyList<ClusterMemberView> Members);

/// <summary>
/// Follows the cluster's membership events on this node and remembers when each member became Up (Akka's member
/// record has no time): a member already Up when this node joined counts from then.
/// </summary>
public sealed class ClusterMembers : ReceiveActor
{
    private readonly AkkaCluster _cluster = AkkaCluster.Get(Context.System);
    private readonly TimeProvider _time;
    private ImmutableDictionary<UniqueAddress, DateTimeOffset> _upSince = ImmutableDictionary<UniqueAddress, DateTimeOffset>.Empty;

    public ClusterMembers(TimeProvider time)
    {
        _time = time;
        Receive<ClusterEvent.CurrentClusterState>(state =>
        {
            foreach (var member in state.Members.Where(m => m.Status == MemberStatus.Up))
            {
                _upSince = _upSince.SetItem(member.UniqueAddress, _time.GetUtcNow());
            }
        });
        Receive<ClusterEvent.MemberUp>(e => _upSince = _upSince.SetItem(e.Member.UniqueAddress, _time.GetUtcNow()));
        Receive<ClusterEvent.MemberRemoved>(e => _upSince = _upSince.Remove(e.Member.UniqueAddress));
        Receive<GetClusterMembers>(_ => Sender.Tell(View()));
    }

    protected override void PreStart() =>
        _cluster.Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsSnapshot, typeof(ClusterEvent.MemberUp), typeof(ClusterEvent.MemberRemoved));

    protected override void PostStop() => _cluster.Unsubscribe(Self);

    private ClusterMembersView View()
    {
        var state = _cluster.State;
        var unreachable = state.Unreachable.Select(m => m.UniqueAddress).ToHashSet();
        var oldest = state.Members.Where(m => m.Status is MemberStatus.Up or MemberStatus.Leaving)
            .Aggregate((Member?)null, (found, m) => found is null || m.IsOlderThan(found) ? m : found);
        var members = state.Members
            .OrderBy(m => m.Address.ToString(), StringComparer.Ordinal)
            .Select(m => new ClusterMemberView(
                m.Address.ToString(),
                StatusName(m.Status),
                [.. m.Roles.Order(StringComparer.Ordinal)],
                _upSince.TryGetValue(m.UniqueAddress, out var since) ? since : null,
                !unreachable.Contains(m.UniqueAddress),
                oldest is not null && m.UniqueAddress == oldest.UniqueAddress))
            .ToList();
        return new ClusterMembersView(_cluster.SelfAddress.ToString(), state.Leader?.ToString(), members);
    }

    private static string StatusName(MemberStatus status) => status switch
    {
        MemberStatus.WeaklyUp => "weakly-up",
        _ => status.ToString().ToLowerInvariant(),
    };
}
