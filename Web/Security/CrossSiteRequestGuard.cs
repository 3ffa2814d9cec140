namespace LiveTracker.Web.Security;

/// <summary>
/// The sign-in cookie is SameSite=Strict, but "site" includes sibling subdomains and other ports of the same
/// host. A state-changing API request that comes with the cookie (no bearer token) must therefore come from this
/// origin: browsers say where a request comes from (Sec-Fetch-Site, Origin), and anything else is refused.
/// Agents and tools send bearer tokens, which a foreign page cannot attach, so they are not affected.
/// </summary>
public sealed class CrossSiteRequestGuard(RequestDelegate next)
{
    public Task InvokeAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var request = context.Request;
        var unsafeMethod = !(HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method) || HttpMethods.IsOptions(request.Method));
        if (unsafeMethod && request.Path.StartsWithSegments("/api") && request.Headers.Authorization.Count == 0 && IsCrossOrigin(request))
        {
            return LiveTrackerAuthentication.WriteProblem(
                context, StatusCodes.Status403Forbidden, "cross-site-request", "This request came from another site; it is refused.");
        }

        return next(context);
    }

    private static bool IsCrossOrigin(HttpRequest request)
    {
        var site = request.Headers["Sec-Fetch-Site"].ToString();
        if (site.Length > 0 && site is not ("same-origin" or "none"))
        {
            return true;
        }

        var origin = request.Headers.Origin.ToString();
        return origin.Length > 0 && origin != "null"
            ? !string.Equals(origin, $"{request.Scheme}://{request.Host}", StringComparison.OrdinalIgnoreCase)
            : origin == "null";
    }
}
