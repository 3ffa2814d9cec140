using Akka.Actor;
using Akka.Hosting;
using LiveTracker.Actors.Configuration;
using LiveTracker.Actors.Hosting;
using LiveTracker.Web.Api;
using LiveTracker.Web.Security;

using AkkaCluster = Akka.Cluster.Cluster;

namespace LiveTracker.Web.Endpoints;

/// <summary>
/// The operators' view of the cluster (<c>GET /api/cluster</c>): its members, and the shards and entities each runs
/// per entity type; and a member's graceful leave (<c>POST /api/cluster/members/{address}/leave</c>).
/// </summary>
public static class ClusterEndpoints
{
    public static IEndpointRouteBuilder MapClusterEndpoints(this IEndpointRouteBuilder endpoints)
    {
        var cluster = endpoints.MapGroup("/api/cluster").RequireAuthorization(Policies.Operator).WithTags("Operators");
        cluster.MapGet("", OverviewAsync);
        cluster.MapPost("/members/{address}/leave", LeaveAsync);
        return endpoints;
    }

    /// <summary>What one node runs of one entity type.</summary>
    public sealed record NodeShards(string Address, int Shards, int Entities);

    public sealed record RegionStatus(string Type, int Shards, int Entities, IReadOnlyList<NodeShards> Nodes);

    public sealed record MemberStatus(
        string Address, string Status, IReadOnlyList<string> Roles, DateTimeOffset? UpSince, bool Reachable, bool Oldest, bool Self, int Shards, int Entities);

    /// <summary>
    /// <paramref name="Singletons"/>: where the cluster's one-of-a-kind actors run (the deadline keeper and the shard
    /// coordinators live on the oldest member).
    /// </summary>
    public sealed record ClusterStatus(
        string NodeId, string Self, string? Leader, int ShardCount, IReadOnlyList<MemberStatus> Members, IReadOnlyList<RegionStatus> Regions,
        IReadOnlyDictionary<string, string?> Singletons);

    private static async Task<IResult> OverviewAsync(
        DomainClient domain, IRequiredActor<ClusterMembersKey> membersActor, LiveTrackerSettings settings, CancellationToken cancellationToken)
    {
        var members = await (await membersActor.GetAsync(cancellationToken)).Ask<ClusterMembersView>(
            GetClusterMembers.Instance, settings.Actors.AskTimeout, cancellationToken);
        var stats = await domain.ShardingStatsAsync(cancellationToken);
        var regions = stats.Select(type => new RegionStatus(
                type.Type,
                type.Nodes.Values.Sum(n => n.Stats.Count),
                type.Nodes.Values.Sum(n => n.Stats.Values.Sum()),
                [.. type.Nodes.OrderBy(n => n.Key.ToString(), StringComparer.Ordinal)
                    .Select(n => new NodeShards(n.Key.ToString(), n.Value.Stats.Count, n.Value.Stats.Values.Sum()))]))
            .ToList();
        var perNode = regions.SelectMany(r => r.Nodes).GroupBy(n => n.Address)
            .ToDictionary(g => g.Key, g => (Shards: g.Sum(n => n.Shards), Entities: g.Sum(n => n.Entities)), StringComparer.Ordinal);
        var oldest = members.Members.FirstOrDefault(m => m.Oldest)?.Address;
        return Results.Ok(new ClusterStatus(
            settings.NodeId,
            members.Self,
            members.Leader,
            settings.Sharding.ShardCount,
            [.. members.Members.Select(m =>
            {
                var load = perNode.GetValueOrDefault(m.Address);
                return new MemberStatus(m.Address, m.Status, m.Roles, m.UpSince, m.Reachable, m.Oldest, m.Address == members.Self, load.Shards, load.Entities);
            })],
            regions,
            new Dictionary<string, string?> { ["deadline-keeper"] = oldest, ["shard-coordinators"] = oldest }));
    }

    /// <summary>
    /// Asks a member to leave gracefully: its shards are handed to the others, then it stops (its process exits). The
    /// answer comes at once (202); <c>GET /api/cluster</c> shows it leaving, then gone.
    /// </summary>
    private static IResult LeaveAsync(string address, ActorSystem actors)
    {
        var cluster = AkkaCluster.Get(actors);
        if (ParseMember(address) is not { } parsed)
        {
            return ApiProblems.Invalid("invalid-address",
                "The address is a member's remoting address as /api/cluster lists it (akka.tcp://livetracker@10.0.0.5:4053, URL-encoded) or its host:port.");
        }

        var member = cluster.State.Members.FirstOrDefault(m => m.Address == parsed);
        if (member is null || member.Status is Akka.Cluster.MemberStatus.Down or Akka.Cluster.MemberStatus.Removed)
        {
            return ApiProblems.NotFound("member");
        }

        cluster.Leave(parsed);
        return Results.Accepted("/api/cluster", new { address = parsed.ToString(), status = "leaving" });
    }

    /// <summary>A full address (routing leaves its encoded slashes encoded), or host:port of this cluster's system.</summary>
    private static Address? ParseMember(string text)
    {
        text = Uri.UnescapeDataString(text);
        if (!text.Contains("://", StringComparison.Ordinal))
        {
            text = $"akka.tcp://{LiveTrackerAkka.SystemName}@{text}";
        }

        try
        {
            var address = Address.Parse(text);
            return address.Host is null || address.Port is null ? null : address;
        }
        catch (Exception ex) when (ex is UriFormatException or ArgumentException or FormatException)
        {
            return null;
        }
    }
}
