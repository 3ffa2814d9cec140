using LiveTracker.Actors.Configuration;
using LiveTracker.Actors.Kernel;
using LiveTracker.Actors.Persistence;

namespace LiveTracker.Web.Hosting;

public static partial class ActorRuntimeServiceCollectionExtensions
{
    /// <summary>Registers the settings, clock, persistence store and actor system of this node.</summary>
    public static IServiceCollection AddLiveTrackerRuntime(this IServiceCollection services, LiveTrackerSettings settings, TimeProvider time)
    {
        services.AddSingleton(settings);
        services.AddSingleton(time);
        services.AddSingleton(sp => settings.CreatePersistenceStore(time, sp.GetRequiredService<ILoggerFactory>()));
        services.AddSingleton(sp => ActorSystem.Create(
            "livetracker-" + settings.NodeId, settings.ToActorSystemSettings(), time, sp.GetRequiredService<ILoggerFactory>()));
        services.AddHostedService<ActorRuntimeLifetime>();
        return services;
    }
}

/// <summary>
/// Opens the store (creating or migrating its schema) before the node serves requests, and on shutdown stops
/// every actor before the store closes, so no persist is cut off half-way.
/// </summary>
internal sealed partial class ActorRuntimeLifetime(
    LiveTrackerSettings settings,
    IPersistenceStore store,
    ActorSystem actors,
    ILogger<ActorRuntimeLifetime> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(settings.DataDirectory);
        await store.InitializeAsync(cancellationToken);
        LogStarted(logger, settings.NodeId, settings.Persistence.Provider.ToString(), settings.DataDirectory);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        try
        {
            await actors.TerminateAsync().WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            LogSlowShutdown(logger);
        }
        finally
        {
            // Pending journal writes are flushed here even if some actor did not stop in time.
            await store.DisposeAsync();
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Actors did not all stop within the host's shutdown timeout; closing the journal anyway")]
    private static partial void LogSlowShutdown(ILogger logger);

    [LoggerMessage(Level = LogLevel.Information, Message = "LiveTracker node {NodeId} started: persistence {Provider}, data in {DataDirectory}")]
    private static partial void LogStarted(ILogger logger, string nodeId, string provider, string dataDirectory);
}
