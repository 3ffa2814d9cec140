using LiveTracker.Actors.Configuration;
using Akka.Hosting;
using LiveTracker.Actors.Contracts;
using LiveTracker.Actors.Hosting;
using LiveTracker.Actors.Kernel;
using LiveTracker.Actors.Payments;
using LiveTracker.Actors.Persistence;
using LiveTracker.Actors.Reminders;

namespace LiveTracker.Web.Hosting;

public static partial class ActorRuntimeServiceCollectionExtensions
{
    /// <summary>
    /// Registers the settings, clock, persistence store, actor system and domain regions of this node. Payments go
    /// through the sandbox gateway, the one provider that ships (deterministic test tokens; no real money moves).
    /// </summary>
    public static IServiceCollection AddLiveTrackerRuntime(this IServiceCollection services, LiveTrackerSettings settings, TimeProvider time)
    {
        services.AddSingleton(settings);
        services.AddSingleton(time);
        services.AddSingleton(sp => settings.CreatePersistenceStore(time, sp.GetRequiredService<ILoggerFactory>()));
        services.AddSingleton(sp => ActorSystem.Create(
            "livetracker-" + settings.NodeId, settings.ToActorSystemSettings(), time, sp.GetRequiredService<ILoggerFactory>()));
        services.AddSingleton<IPaymentGateway, SandboxPaymentGateway>();
        services.AddAkka(
            LiveTrackerAkka.SystemName,
            (akka, sp) => akka.AddLiveTracker(settings, time, sp.GetRequiredService<IPaymentGateway>(), sp.GetRequiredService<ILoggerFactory>()));
        services.AddSingleton(sp =>
        {
            var registry = sp.GetRequiredService<ActorRegistry>();
            var timeout = settings.Actors.AskTimeout;
            return settings.StartDomainRegions(
                sp.GetRequiredService<ActorSystem>(),
                sp.GetRequiredService<IPersistenceStore>(),
                new AkkaRegionBridge(registry.Get<UserRegion>(), timeout),
                new AkkaRegionBridge(registry.Get<BillingRegion>(), timeout),
                new AkkaRegionBridge(registry.Get<DisputeDeskRegion>(), timeout));
        });
        services.AddHostedService<ActorRuntimeLifetime>();
        return services;
    }
}

/// <summary>
/// Opens the store (creating or migrating its schema) and starts the domain and its reminders (catching up on
/// those that fell due while the node was down) before the node serves requests; on shutdown it stops reminders,
/// then every actor, before the store closes, so no persist is cut off half-way.
/// </summary>
internal sealed partial class ActorRuntimeLifetime(
    LiveTrackerSettings settings,
    IPersistenceStore store,
    ActorSystem actors,
    IServiceProvider services,
    ILoggerFactory loggers,
    ILogger<ActorRuntimeLifetime> logger) : IHostedService
{
    private ReminderDelivery? _reminders;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(settings.DataDirectory);
        await store.InitializeAsync(cancellationToken);
        var akka = services.GetRequiredService<Akka.Actor.ActorSystem>();
        if (await JoinedAloneAsync(akka, cancellationToken))
        {
            await LiveTrackerAkka.WarmUpAsync(services.GetRequiredService<ActorRegistry>(), TimeSpan.FromSeconds(60), cancellationToken);
        }
        var regions = services.GetRequiredService<DomainRegions>();
        _reminders = regions.StartReminderDelivery(store.Reminders, loggers.CreateLogger<ReminderDelivery>());
        LogStarted(logger, settings.NodeId, settings.Persistence.Provider.ToString(), settings.DataDirectory, Akka.Cluster.Cluster.Get(akka).SelfAddress.ToString());
    }

    /// <summary>
    /// A node alone joins itself at start; requests wait for that (about a second), so the first one never finds the
    /// shard regions without a cluster. A node with seed nodes serves at once and reports not ready until it is Up.
    /// </summary>
    private static async Task<bool> JoinedAloneAsync(Akka.Actor.ActorSystem system, CancellationToken cancellationToken)
    {
        var cluster = Akka.Cluster.Cluster.Get(system);
        if (cluster.Settings.SeedNodes.Count > 0)
        {
            return false;
        }

        var up = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        cluster.RegisterOnMemberUp(() => up.TrySetResult());
        await up.Task.WaitAsync(TimeSpan.FromSeconds(60), cancellationToken);
        return true;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        try
        {
            if (_reminders is not null)
            {
                await _reminders.DisposeAsync();
            }

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

    [LoggerMessage(Level = LogLevel.Information, Message = "LiveTracker node {NodeId} started: persistence {Provider}, data in {DataDirectory}, cluster member {Address}")]
    private static partial void LogStarted(ILogger logger, string nodeId, string provider, string dataDirectory, string address);
}
