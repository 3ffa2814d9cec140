using System.Threading.RateLimiting;
using LiveTracker.Actors.Accounts;
using LiveTracker.Actors.Configuration;
using LiveTracker.Actors.Contracts;
using LiveTracker.Web.Api;
using LiveTracker.Web.Demo;
using LiveTracker.Web.Endpoints;
using LiveTracker.Web.Live;
using LiveTracker.Web.Media;
using LiveTracker.Web.Security;
using Microsoft.AspNetCore.HttpLogging;
using Microsoft.AspNetCore.Identity;

namespace LiveTracker.Web.Hosting;

/// <summary>Builds and runs one LiveTracker node from <c>akka.hocon</c>.</summary>
public static class LiveTrackerHost
{
    /// <summary>Exit code for a configuration the node refuses to start with.</summary>
    public const int ConfigurationErrorExitCode = 2;

    public static async Task<int> RunAsync(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var configPath = ConfigPath(args);
        LiveTrackerSettings settings;
        try
        {
            settings = LiveTrackerSettings.Load(configPath);
        }
        catch (Exception ex) when (ex is ConfigurationErrorException or FileNotFoundException)
        {
            await Console.Error.WriteLineAsync($"livetracker: cannot start, configuration error in {configPath}:{Environment.NewLine}{ex.Message}");
            return ConfigurationErrorExitCode;
        }

        if (args is ["users", "add-operator", ..])
        {
            return await AddOperatorAsync(settings, args);
        }

        await using var app = Build(settings, args);
        await app.StartAsync();
        foreach (var url in app.Urls.Where(url => !IsManagementUrl(url, settings)))
        {
            Console.WriteLine($"LiveTracker node {settings.NodeId} is serving at {url}  (health: {url}/healthz)");
        }

        if (args.Contains("--demo"))
        {
            foreach (var line in await app.Services.GetRequiredService<DemoSeeder>().SeedAsync(CancellationToken.None))
            {
                Console.WriteLine(line);
            }
        }

        await app.WaitForShutdownAsync();
        return 0;
    }

    /// <summary>The web host of one node; <paramref name="time"/> replaces the system clock in tests.</summary>
    public static WebApplication Build(LiveTrackerSettings settings, string[]? args = null, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        // The pages live beside the assembly, so tests and ./run find them whatever the working directory.
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args ?? [], WebRootPath = Pages.WebRoot });
        var bind = settings.Http.Bind == "*" ? "0.0.0.0" : settings.Http.Bind;
        var management = settings.Cluster.Management;
        var discovery = settings.Cluster.Discovery.Enabled;
        builder.WebHost.UseUrls(discovery
            ? [$"http://{bind}:{settings.Http.Port}", $"http://{management.Bind}:{management.Port}"]
            : [$"http://{bind}:{settings.Http.Port}"]);
        ConfigureLogging(builder.Logging, settings.Http);
        if (settings.Http.AccessLog)
        {
            builder.Services.AddHttpLogging(options =>
            {
                // The path without its query: the hub's access_token travels in the query string.
                options.LoggingFields = HttpLoggingFields.RequestMethod | HttpLoggingFields.RequestPath
                    | HttpLoggingFields.ResponseStatusCode | HttpLoggingFields.Duration;
                options.CombineLogs = true;
            });
        }

        // Problems the framework writes itself (unreadable JSON, unknown route, wrong method) get a stable code too.
        builder.Services.AddProblemDetails(options => options.CustomizeProblemDetails = context =>
        {
            var problem = context.ProblemDetails;
            if (problem.Extensions.ContainsKey("code"))
            {
                return;
            }

            var code = problem.Status switch
            {
                StatusCodes.Status400BadRequest => "invalid-request",
                StatusCodes.Status401Unauthorized => "unauthenticated",
                StatusCodes.Status403Forbidden => "forbidden",
                StatusCodes.Status404NotFound => "not-found",
                StatusCodes.Status405MethodNotAllowed => "method-not-allowed",
                StatusCodes.Status413PayloadTooLarge => "too-large",
                StatusCodes.Status415UnsupportedMediaType => "unsupported-media-type",
                _ => "internal-error",
            };
            problem.Extensions["code"] = code;
            problem.Type = ApiProblems.TypeBase + code;
            problem.Detail ??= code switch
            {
                "invalid-request" => "The request could not be read: check the JSON body and the parameters.",
                "not-found" => "There is nothing at this address.",
                "unsupported-media-type" => "Send application/json (or multipart/form-data for uploads).",
                "method-not-allowed" => "This address does not take that method.",
                _ => "The server could not complete the request.",
            };
        });
        builder.Services.AddLiveTrackerRuntime(settings, time ?? TimeProvider.System);
        builder.Services.AddSingleton<DomainClient>();
        builder.Services.AddExceptionHandler<OverloadExceptionHandler>();
        builder.Services.AddLiveTrackerAuthentication(settings);
        builder.Services.AddRateLimiter(options =>
        {
            options.OnRejected = async (context, _) => await LiveTrackerAuthentication.WriteProblem(
                context.HttpContext, StatusCodes.Status429TooManyRequests, "rate-limited", "Too many requests; try again in a minute.");
            // Password guessing is slowed per address of the caller.
            options.AddPolicy(AccountEndpoints.LoginRateLimit, context => RateLimitPartition.GetFixedWindowLimiter(
                context.Connection.RemoteIpAddress?.ToString() ?? "unknown",
                _ => new FixedWindowRateLimiterOptions { PermitLimit = settings.Http.AuthRequestsPerMinute, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 }));
            // An agent uploads one screenshot per segment; a burst after a long offline spell is fine, a flood is not.
            options.AddPolicy(ScreenshotEndpoints.UploadRateLimit, context => RateLimitPartition.GetTokenBucketLimiter(
                context.User.FindFirst(LiveTrackerAuthentication.UserIdClaim)?.Value ?? "anonymous",
                _ => new TokenBucketRateLimiterOptions
                {
                    TokenLimit = settings.Http.UploadsPerMinute * 10, TokensPerPeriod = settings.Http.UploadsPerMinute,
                    ReplenishmentPeriod = TimeSpan.FromMinutes(1), QueueLimit = 0,
                }));
        });
        builder.Services.AddScreenshotMedia(settings);
        builder.Services.AddSingleton<DemoSeeder>();
        builder.Services.AddOpenApi();
        builder.Services.AddSignalR();
        builder.Services.AddSingleton<WatchedContracts>();
        builder.Services.AddSingleton(new Actors.Live.JournalPosition(settings.Persistence));
        builder.Services.AddSingleton<LiveReplay>();
        builder.Services.AddSingleton<LiveFeed>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<LiveFeed>());

        var app = builder.Build();
        if (discovery)
        {
            // First: nothing of the product is served on the management port, only Cluster Bootstrap's contact point.
            app.UseBootstrapContactPoint(management);
        }

        if (settings.Http.AccessLog)
        {
            app.UseHttpLogging();
        }

        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UsePages();
        app.UsePagesFallback();
        app.UseAuthentication();
        app.UseMiddleware<CrossSiteRequestGuard>();
        app.UseRateLimiter();
        app.UseAuthorization();
        app.MapOpenApi("/openapi/{documentName}.json");
        app.MapHealthEndpoints();
        app.MapAccountEndpoints();
        app.MapContractEndpoints();
        app.MapTrackingEndpoints();
        app.MapTimesheetEndpoints();
        app.MapMilestoneEndpoints();
        app.MapDiaryEndpoints();
        app.MapScreenshotEndpoints();
        app.MapOperatorEndpoints();
        app.MapClusterEndpoints();
        app.MapHub<WorkViewHub>(WorkViewHub.Path);
        return app;
    }

    /// <summary>
    /// What a node writes at its default level: its start and stop, notable domain events, warnings, and errors with
    /// their cause; never a line per request or hub call (thousands a second at scale). The framework's request
    /// logs stay at warning and above whatever <c>Logging</c> configuration says; the access log
    /// (<c>livetracker.http.access-log</c>) is the one switch that brings a line per request back.
    /// </summary>
    internal static void ConfigureLogging(ILoggingBuilder logging, Actors.Configuration.HttpSettings http)
    {
        // One line per entry, stamped in UTC: what log shippers and grep expect.
        logging.AddSimpleConsole(options =>
        {
            options.SingleLine = true;
            options.UseUtcTimestamp = true;
            options.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
        });
        logging.AddFilter("Microsoft", LogLevel.Warning);
        logging.AddFilter("System.Net.Http", LogLevel.Warning);
        logging.AddFilter("Microsoft.Hosting.Lifetime", LogLevel.Information);
        if (http.AccessLog)
        {
            logging.AddFilter("Microsoft.AspNetCore.HttpLogging.HttpLoggingMiddleware", LogLevel.Information);
        }
    }

    /// <summary><c>livetracker users add-operator --email E --password P --name N</c>: operators are never self-registered.</summary>
    private static async Task<int> AddOperatorAsync(LiveTrackerSettings settings, string[] args)
    {
        string? Option(string name) => Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? args[i + 1] : null;
        await using var app = Build(settings with { Http = settings.Http with { Port = 0, Bind = "127.0.0.1" } }, []);
        await app.StartAsync();
        var reply = await AccountEndpoints.CreateAccountAsync(
            app.Services.GetRequiredService<DomainClient>(), app.Services.GetRequiredService<IPasswordHasher<string>>(),
            Option("--email"), Option("--password"), Option("--name") ?? "Operator", UserRole.Operator, CancellationToken.None);
        await app.StopAsync();
        if (reply is Rejected rejected)
        {
            await Console.Error.WriteLineAsync($"livetracker: operator not added: {rejected.Code}: {rejected.Detail}");
            return 1;
        }

        Console.WriteLine($"Operator {Option("--email")} added (user id {UserIds.ForEmail(Option("--email")!)}).");
        return 0;
    }

    /// <summary>The management endpoint's address, which is not the node's to announce (ADR 0015).</summary>
    private static bool IsManagementUrl(string url, LiveTrackerSettings settings) =>
        settings.Cluster.Discovery.Enabled && new Uri(url).Port == settings.Cluster.Management.Port;

    /// <summary><c>--config PATH</c>, else <c>LIVETRACKER_CONFIG</c>, else <c>akka.hocon</c> in the working directory.</summary>
    internal static string ConfigPath(string[] args)
    {
        var index = Array.IndexOf(args, "--config");
        if (index >= 0 && index + 1 < args.Length)
        {
            return Path.GetFullPath(args[index + 1]);
        }

        return Path.GetFullPath(Environment.GetEnvironmentVariable("LIVETRACKER_CONFIG") is { Length: > 0 } fromEnv ? fromEnv : "akka.hocon");
    }
}
