using LiveTracker.Actors.Configuration;
using LiveTracker.Actors.Hocon;
using LiveTracker.Web.Endpoints;

namespace LiveTracker.Web.Hosting;

/// <summary>Builds and runs one LiveTracker node from <c>akka.hocon</c>.</summary>
public static class LiveTrackerHost
{
    /// <summary>Exit code for a configuration the node refuses to start with.</summary>
    public const int ConfigurationErrorExitCode = 2;

    public static async Task<int> RunAsync(string[] args)
    {
        var configPath = ConfigPath(args);
        LiveTrackerSettings settings;
        try
        {
            settings = LiveTrackerSettings.Load(configPath);
        }
        catch (Exception ex) when (ex is HoconException or ConfigurationErrorException or FileNotFoundException)
        {
            await Console.Error.WriteLineAsync($"livetracker: cannot start, configuration error in {configPath}:{Environment.NewLine}{ex.Message}");
            return ConfigurationErrorExitCode;
        }

        await using var app = Build(settings, args);
        await app.StartAsync();
        foreach (var url in app.Urls)
        {
            Console.WriteLine($"LiveTracker node {settings.NodeId} is serving at {url}  (health: {url}/healthz)");
        }

        await app.WaitForShutdownAsync();
        return 0;
    }

    /// <summary>The web host of one node; <paramref name="time"/> replaces the system clock in tests.</summary>
    public static WebApplication Build(LiveTrackerSettings settings, string[]? args = null, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var builder = WebApplication.CreateBuilder(args ?? []);
        var bind = settings.Http.Bind == "*" ? "0.0.0.0" : settings.Http.Bind;
        builder.WebHost.UseUrls($"http://{bind}:{settings.Http.Port}");
        builder.Services.AddProblemDetails();
        builder.Services.AddLiveTrackerRuntime(settings, time ?? TimeProvider.System);

        var app = builder.Build();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.MapHealthEndpoints();
        return app;
    }

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
