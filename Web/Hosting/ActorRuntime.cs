using LiveTracker.Actors.Configuration;
using Akka.Hosting;
using LiveTracker.Actors.Hosting;
using LiveTracker.Actors.Payments;

namespace LiveTracker.Web.Hosting;

public static partial class ActorRuntimeServiceCollectionExtensions
{
    /// <summary>
    /// Registers the settings, the clock and this node's Akka.NET actor system with its shard regions. Payments go
    /// through the sandbox gateway, the one provider that ships (deterministic test tokens; no real money moves).
    /// </summary>
    public static IServiceCollection AddLiveTrackerRuntime(this IServiceCollection services, LiveTrackerSettings settings, TimeProvider time)
    {
        services.AddSingleton(settings);
        services.AddSingleton(time);
        services.AddSingleton<IPaymentGateway, SandboxPaymentGateway>();
        services.AddAkka(
            LiveTrackerAkka.SystemName,
            (akka, sp) => akka.AddLiveTracker(settings, time, sp.GetRequiredService<IPaymentGateway>(), sp.GetRequiredService<ILoggerFactory>()));
        services.AddHostedService<ActorRuntimeLifetime>();
        return services;
    }
}

/// <summary>
/// Waits, before the node serves requests, until it is a member of its cluster and (alone) its regions and journal
/// answer; logs the node's start. Akka.Hosting stops the actor system with the host (CoordinatedShutdown), so every
/// persist in flight completes first.
/// </summary>
internal sealed partial class ActorRuntimeLifetime(
    LiveTrackerSettings settings,
    IServiceProvider services,
    ILogger<ActorRuntimeLifetime> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(settings.DataDirectory);
        var akka = services.GetRequiredService<Akka.Actor.ActorSystem>();
        if (await JoinedAloneAsync(akka, settings.Cluster, cancellationToken))
        {
            await LiveTrackerAkka.WarmUpAsync(services.GetRequiredService<ActorRegistry>(), TimeSpan.FromSeconds(60), cancellationToken);
        }
        LogStarted(logger, settings.NodeId, settings.Persistence.Provider.ToString(), settings.DataDirectory, Akka.Cluster.Cluster.Get(akka).SelfAddress.ToString());
    }

    /// <summary>
    /// A node alone joins itself at start; requests wait for that (about a second), so the first one never finds the
    /// shard regions without a cluster. A node with seed nodes or discovery serves at once and reports not ready until
    /// it is Up.
    /// </summary>
    private static async Task<bool> JoinedAloneAsync(Akka.Actor.ActorSystem system, ClusterSettings settings, CancellationToken cancellationToken)
    {
        var cluster = Akka.Cluster.Cluster.Get(system);
        if (!settings.JoinsItself || cluster.Settings.SeedNodes.Count > 0)
        {
            return false;
        }

        var up = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        cluster.RegisterOnMemberUp(() => up.TrySetResult());
        await up.Task.WaitAsync(TimeSpan.FromSeconds(60), cancellationToken);
        return true;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "LiveTracker node {NodeId} started: persistence {Provider}, data in {DataDirectory}, cluster member {Address}")]
    private static partial void LogStarted(ILogger logger, string nodeId, string provider, string dataDirectory, string address);
}
