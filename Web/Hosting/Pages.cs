using Microsoft.AspNetCore.StaticFiles;
using Microsoft.Extensions.FileProviders;

namespace LiveTracker.Web.Hosting;

/// <summary>
/// The browser pages: plain files from <c>wwwroot</c> (copied next to the node's assembly by the build), the SignalR
/// browser client from the npm package the build installed, and a fallback that sends page-like paths to the
/// sign-in page. Every page response carries a strict Content-Security-Policy: the pages have no inline script or
/// style, so an injected memo or window title can never run.
/// </summary>
public static class Pages
{
    public const string ContentSecurityPolicy =
        "default-src 'self'; img-src 'self' data:; connect-src 'self'; style-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

    /// <summary>Where the build copies the SignalR browser bundle (see LiveTracker.Web.csproj); served at <see cref="LibPath"/>.</summary>
    public const string SignalRBundleFolder = "node_modules/@microsoft/signalr/dist/browser";

    public const string LibPath = "/lib";

    /// <summary>Paths the fallback never answers: the API, the hub, OpenAPI and health keep their own 404s.</summary>
    private static readonly string[] Reserved = ["/api", "/hubs", "/openapi", "/healthz", "/readyz", LibPath];

    /// <summary>The folder of the pages: <c>wwwroot</c> beside the assembly, whatever the working directory.</summary>
    public static string WebRoot => Path.Combine(AppContext.BaseDirectory, "wwwroot");

    /// <summary>Static pages and the SignalR bundle, before authentication: files need no sign-in, so no token lookup per file.</summary>
    public static WebApplication UsePages(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.UseDefaultFiles();
        app.UseStaticFiles(new StaticFileOptions { OnPrepareResponse = context => Harden(context.Context.Response) });
        var bundle = Path.Combine(AppContext.BaseDirectory, SignalRBundleFolder);
        if (Directory.Exists(bundle))
        {
            var types = new FileExtensionContentTypeProvider();
            types.Mappings[".map"] = "application/json";
            app.UseStaticFiles(new StaticFileOptions
            {
                FileProvider = new PhysicalFileProvider(bundle),
                RequestPath = LibPath,
                ContentTypeProvider = types,
                OnPrepareResponse = context => Harden(context.Context.Response),
            });
        }

        return app;
    }

    /// <summary>
    /// The pages' fallback: a GET for a path that no route and no file answered, without a file extension and outside
    /// the reserved prefixes (a bookmarked <c>/diary</c>, a typo), lands on the sign-in page, which sends a signed-in
    /// user on to their home page. It is middleware that looks at the routing result rather than a fallback route:
    /// as a route it would compete with the API's own routes (and outrank, for a bodiless POST, those whose body is
    /// optional), and it would turn the API's 404 or 405 answers into pages.
    /// </summary>
    public static WebApplication UsePagesFallback(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.Use(async (context, next) =>
        {
            var request = context.Request;
            var index = Path.Combine(WebRoot, "index.html");
            if (context.GetEndpoint() is not null
                || !(HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method))
                || Path.HasExtension(request.Path.Value)
                || Reserved.Any(p => request.Path.StartsWithSegments(p, StringComparison.OrdinalIgnoreCase))
                || !File.Exists(index))
            {
                await next(context);
                return;
            }

            Harden(context.Response);
            context.Response.ContentType = "text/html; charset=utf-8";
            await context.Response.SendFileAsync(index, context.RequestAborted);
        });
        return app;
    }

    private static void Harden(HttpResponse response)
    {
        response.Headers.ContentSecurityPolicy = ContentSecurityPolicy;
        response.Headers.XContentTypeOptions = "nosniff";
        response.Headers["Referrer-Policy"] = "same-origin";
        // Revalidated on each load (ETag), so a new deployment's pages and scripts are never mixed with old ones.
        response.Headers.CacheControl = "no-cache";
    }
}
