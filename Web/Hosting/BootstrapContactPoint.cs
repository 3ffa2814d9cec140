using System.Collections.Immutable;
using Akka.Cluster;
using Akka.Management.Cluster.Bootstrap.ContactPoint;
using LiveTracker.Actors.Configuration;
using Newtonsoft.Json;

namespace LiveTracker.Web.Hosting;

/// <summary>
/// Cluster Bootstrap's contact point, <c>GET /bootstrap/seed-nodes</c>, served by the node's own web host on the
/// management port (<c>livetracker.cluster.management</c>). Akka.Management would serve it from its own HTTP server, but
/// that server (Akka.Http.Shim 1.5.73) fails to start with the only Ceen.Httpd the registry serves (0.9.10: a method it
/// calls is gone), so the node answers the route itself, in the package's own reply type and serializer, which the
/// probing nodes read (ADR 0015). Nothing else is served on that port.
/// </summary>
internal static class BootstrapContactPoint
{
    public const string Path = "/bootstrap/seed-nodes";

    /// <summary>The most members a reply names; the prober needs one that is in the cluster.</summary>
    private const int MaxMembers = 5;

    /// <summary>Sends every request that reached the management port here, and nothing else.</summary>
    public static void UseBootstrapContactPoint(this WebApplication app, ManagementSettings management) =>
        app.UseWhen(context => context.Connection.LocalPort == management.Port, branch => branch.Run(HandleAsync));

    private static async Task HandleAsync(HttpContext context)
    {
        if (!HttpMethods.IsGet(context.Request.Method) || context.Request.Path != Path)
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }

        var cluster = Akka.Cluster.Cluster.Get(context.RequestServices.GetRequiredService<Akka.Actor.ActorSystem>());
        var self = cluster.SelfMember;
        var state = cluster.State;

        // A node on its way out names no one: a newcomer must not join through it. Otherwise the reachable members that
        // are (or are becoming) Up: the prober joins one of them instead of forming a cluster of its own.
        var leaving = self.Status is MemberStatus.Down or MemberStatus.Exiting or MemberStatus.Leaving or MemberStatus.Removed;
        var members = leaving
            ? ImmutableList<HttpBootstrapJsonProtocol.ClusterMember>.Empty
            : state.Members
                .Where(m => !state.Unreachable.Contains(m) && m.Status is MemberStatus.Up or MemberStatus.WeaklyUp or MemberStatus.Joining)
                .Take(MaxMembers)
                .Select(m => new HttpBootstrapJsonProtocol.ClusterMember(m.UniqueAddress.Address, m.UniqueAddress.Uid, m.Status, m.Roles))
                .ToImmutableList();
        var reply = new HttpBootstrapJsonProtocol.SeedNodes(self.UniqueAddress.Address, members);
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(JsonConvert.SerializeObject(reply), context.RequestAborted);
    }
}
