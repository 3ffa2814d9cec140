using LiveTracker.Actors.Configuration;
using LiveTracker.Actors.Persistence;

namespace LiveTracker.Web.Endpoints;

public static class HealthEndpoints
{
    /// <summary>
    /// <c>/healthz</c>: the process is up (for restarts). <c>/readyz</c>: it can serve, i.e. the journal answers
    /// (for load balancers); otherwise 503 problem+json with code <c>not-ready</c>.
    /// </summary>
    public static IEndpointRouteBuilder MapHealthEndpoints(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/healthz", (LiveTrackerSettings settings) =>
            Results.Json(new HealthStatus("ok", settings.NodeId, null)));

        endpoints.MapGet("/readyz", async (LiveTrackerSettings settings, IPersistenceStore store, CancellationToken cancellationToken) =>
        {
            try
            {
                var ordering = await store.EventLog.ReadHighestOrderingAsync(cancellationToken);
                return Results.Json(new HealthStatus("ready", settings.NodeId, ordering));
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                return Results.Problem(
                    detail: $"The journal does not answer: {ex.Message}",
                    statusCode: StatusCodes.Status503ServiceUnavailable,
                    type: "https://livetracker.dev/problems/not-ready",
                    title: "Not ready",
                    extensions: new Dictionary<string, object?> { ["code"] = "not-ready" });
            }
        });

        return endpoints;
    }

    private sealed record HealthStatus(
        string Status,
        string NodeId,
        [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
        long? JournalOrdering);
}
