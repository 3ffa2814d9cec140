using System.Diagnostics;
using System.Net;
using System.Text.Json;
using LiveTracker.Testing;
using Xunit;

namespace LiveTracker.Web.Tests.Cluster;

/// <summary>
/// Two real node processes that find each other by Cluster Bootstrap over config discovery (no seed nodes): each serves
/// Akka.Management on its own loopback port, and both list both endpoints (ADR 0015).
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class DiscoveryTests
{
    [Fact]
    public async Task Two_nodes_form_a_cluster_by_config_discovery_and_are_ready_only_once_Up()
    {
        await using var cluster = await TestCluster.CreateAsync(2, configDiscovery: true);

        // Alone, the first node cannot reach the other contact point, so bootstrap neither joins nor forms a cluster:
        // the node serves HTTP but is not a member, and says so to the load balancer.
        await cluster.StartNodeAsync(0);
        using (var first = cluster.Http(0))
        {
            // Past bootstrap's stable margin (5 s) and several probe rounds: a node that wrongly formed a cluster of
            // its own would be ready by the end of this.
            var alone = Stopwatch.StartNew();
            while (alone.Elapsed < TimeSpan.FromSeconds(12))
            {
                using var answer = await first.GetAsync("/readyz");
                Assert.Equal(HttpStatusCode.ServiceUnavailable, answer.StatusCode);
                var problem = JsonDocument.Parse(await answer.Content.ReadAsStringAsync()).RootElement;
                Assert.Equal("not-ready", problem.GetProperty("code").GetString());
                await Task.Delay(TimeSpan.FromSeconds(1));
            }

            Assert.Equal(HttpStatusCode.OK, (await first.GetAsync("/healthz")).StatusCode);
        }

        await cluster.StartNodeAsync(1);
        foreach (var node in new[] { 0, 1 })
        {
            using var http = cluster.Http(node);
            await AwaitAssertions.AwaitAssertAsync(
                async () => Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/readyz")).StatusCode),
                TimeSpan.FromSeconds(45));
        }

        await cluster.AwaitMembersAsync(1, 0, 1);

        // The management port answers Cluster Bootstrap's one route, naming this node and the members, and nothing else.
        using (var management = new HttpClient { BaseAddress = cluster.ManagementAddress(0) })
        {
            var seeds = JsonDocument.Parse(await management.GetStringAsync("/bootstrap/seed-nodes")).RootElement;
            Assert.Equal(2, seeds.GetProperty("Nodes").GetArrayLength());
            Assert.Equal(HttpStatusCode.NotFound, (await management.GetAsync("/readyz")).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await management.GetAsync("/api/cluster")).StatusCode);
        }

        var (_, token) = await cluster.SignUpAsync(1, "client");
        using var client = cluster.Http(0, token);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/me")).StatusCode);
    }
}
