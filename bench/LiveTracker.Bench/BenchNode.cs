using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Hosting;
using LiveTracker.Actors.Configuration;
using LiveTracker.Actors.Hosting;
using LiveTracker.Actors.Payments;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace LiveTracker.Bench;

/// <summary>
/// The node's actor system as production wires it (<see cref="LiveTrackerAkka.AddLiveTracker"/>: a one-member cluster,
/// every shard region, the deadline keeper, Akka.Persistence.Sql) without the web host, on the given database and clock.
/// </summary>
internal sealed class BenchNode : IAsyncDisposable
{
    private readonly IHost _host;

    private BenchNode(IHost host, LiveTrackerSettings settings)
    {
        _host = host;
        Settings = settings;
    }

    public LiveTrackerSettings Settings { get; }

    public ActorSystem System => _host.Services.GetRequiredService<ActorSystem>();

    public ActorRegistry Registry => _host.Services.GetRequiredService<ActorRegistry>();

    /// <summary>PostgreSQL at <paramref name="connectionString"/>, or (null) SQLite in <paramref name="directory"/>.</summary>
    public static PersistenceSettings Database(string directory, string? connectionString)
    {
        var defaults = LiveTrackerSettings.CreateDefault(directory).Persistence;
        return connectionString is null
            ? defaults with { Provider = PersistenceProvider.Sqlite, SqliteFile = Path.Combine(directory, "journal.db") }
            : defaults with { Provider = PersistenceProvider.PostgreSql, ConnectionString = connectionString };
    }

    public static async Task<BenchNode> StartAsync(string directory, PersistenceSettings persistence, TimeProvider time, TimeSpan passivateAfter, TimeSpan askTimeout)
    {
        var defaults = LiveTrackerSettings.CreateDefault(directory);
        var settings = defaults with
        {
            Persistence = persistence,
            Sharding = defaults.Sharding with { PassivateIdleEntityAfter = passivateAfter },
            Actors = defaults.Actors with { AskTimeout = askTimeout },
        };
        ILoggerFactory loggers = NullLoggerFactory.Instance;
        var host = new HostBuilder()
            .ConfigureServices(services => services
                .AddSingleton(loggers)
                .AddAkka(LiveTrackerAkka.SystemName, (akka, _) => akka.AddLiveTracker(settings, time, new SandboxPaymentGateway(), loggers)))
            .Build();
        await host.StartAsync();
        var up = new TaskCompletionSource();
        Akka.Cluster.Cluster.Get(host.Services.GetRequiredService<ActorSystem>()).RegisterOnMemberUp(() => up.TrySetResult());
        await up.Task.WaitAsync(TimeSpan.FromSeconds(60));
        await LiveTrackerAkka.WarmUpAsync(host.Services.GetRequiredService<ActorRegistry>(), TimeSpan.FromSeconds(60), CancellationToken.None);
        return new BenchNode(host, settings);
    }

    /// <summary>Asks entity <paramref name="entityId"/> of region <typeparamref name="TRegion"/>.</summary>
    public Task<object> AskAsync<TRegion>(string entityId, object message) =>
        Registry.Get<TRegion>().Ask<object>(new ShardingEnvelope(entityId, message), Settings.Actors.AskTimeout);

    /// <summary>How many entities region <typeparamref name="TRegion"/> runs on this node.</summary>
    public async Task<int> CountAsync<TRegion>()
    {
        var state = await Registry.Get<TRegion>().Ask<CurrentShardRegionState>(GetShardRegionState.Instance, Settings.Actors.AskTimeout);
        return state.Shards.Sum(s => s.EntityIds.Count);
    }

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
        SqliteConnection.ClearAllPools();
    }
}
