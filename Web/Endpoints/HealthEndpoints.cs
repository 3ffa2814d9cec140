using LiveTracker.Actors.Configuration;
using LiveTracker.Actors.Live;

namespace LiveTracker.Web.Endpoints;

public static class HealthEndpoints
{
    /// <summary>Liveness: the process is up (deploy/k8s's livenessProbe).</summary>
    public const string LivePath = "/healthz";

    /// <summary>Readiness: an Up member whose journal answers (deploy/k8s's readinessProbe, local-cluster, nginx's retries).</summary>
    public const string ReadyPath = "/readyz";

    /// <summary>
    /// <c>/healthz</c>: the process is up (for restarts). <c>/readyz</c>: it can serve, i.e. the journal answers
    /// and this node is an Up member of the cluster (for load balancers); otherwise 503 problem+json with code <c>not-ready</c>.
    /// </summary>
    public static IEndpointRouteBuilder MapHealthEndpoints(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet(LivePath, (LiveTrackerSettings settings) =>
            Results.Json(new HealthStatus("ok", settings.NodeId, null)));

        endpoints.MapGet(ReadyPath, async (LiveTrackerSettings settings, JournalPosition journal, Akka.Actor.ActorSystem actors, CancellationToken cancellationToken) =>
        {
            var member = Akka.Cluster.Cluster.Get(actors).SelfMember;
            if (member.Status != Akka.Cluster.MemberStatus.Up)
            {
                return NotReady($"This node is not an Up member of the cluster yet (it is {member.Status}).");
            }

            try
            {
                var ordering = await journal.HighestOrderingAsync(cancellationToken);
                return Results.Json(new HealthStatus("ready", settings.NodeId, ordering));
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                return NotReady($"The journal does not answer: {ex.Message}");
            }
        });

        return endpoints;
    }

    private static IResult NotReady(string detail) => Results.Problem(
        detail: detail,
        statusCode: StatusCodes.Status503ServiceUnavailable,
        type: "https://livetracker.dev/problems/not-ready",
        title: "Not ready",
        extensions: new Dictionary<string, object?> { ["code"] = "not-ready" });

    private sealed record HealthStatus(
        string Status,
        string NodeId,
        [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
        long? JournalOrdering);
}
