using Microsoft.AspNetCore.Diagnostics;

namespace LiveTracker.Web.Api;

/// <summary>
/// An entity that did not answer within the ask timeout (the node is overloaded, or the entity keeps failing)
/// is a 503 the client may retry — with a code, like every other problem — not an unexplained 500.
/// </summary>
public sealed class OverloadExceptionHandler : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        if (exception is not Akka.Actor.AskTimeoutException)
        {
            return false;
        }

        httpContext.Response.Headers.RetryAfter = "5";
        await ApiProblems.Problem(StatusCodes.Status503ServiceUnavailable, "busy", "The server is busy and did not finish in time; try again shortly.")
            .ExecuteAsync(httpContext);
        return true;
    }
}
