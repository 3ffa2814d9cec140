using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Hosting;
using LiveTracker.Actors.Configuration;
using LiveTracker.Actors.Hosting;
using LiveTracker.Actors.Payments;
using LiveTracker.Testing;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace LiveTracker.Actors.Tests.Hosting;

/// <summary>
/// The node's actor system as production wires it (<see cref="LiveTrackerAkka.AddLiveTracker"/> through Akka.Hosting),
/// with <c>serialize-messages = on</c> (<see cref="LocalOnlySerializer"/>), for Akka.TestKit tests. By default on SQLite
/// in a temporary directory of its own; given <c>persistence</c>, on that database, which outlives the node, so a
/// second node started on it is a restart. (Akka.Hosting.TestKit 1.5.75 is built on xUnit v3; these tests are on
/// xUnit 2 with Akka.TestKit.Xunit2.)
/// </summary>
public sealed class AkkaTestNode : IDisposable, IAsyncDisposable
{
    public static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(15);

    private readonly IHost _host;
    private readonly string _directory;
    private bool _disposed;

    private AkkaTestNode(IHost host, string directory, LiveTrackerSettings settings, TimeProvider time)
    {
        _host = host;
        _directory = directory;
        Settings = settings;
        Time = time;
    }

    public LiveTrackerSettings Settings { get; }

    public TimeProvider Time { get; }

    public ActorSystem System => _host.Services.GetRequiredService<ActorSystem>();

    public ActorRegistry Registry => _host.Services.GetRequiredService<ActorRegistry>();

    /// <summary>
    /// Starts a node and waits until it is an Up member of its one-member cluster, as the web host does. Payments go
    /// through <paramref name="gateway"/> (the sandbox when null); <paramref name="persistence"/> adjusts the node's
    /// persistence settings (the database, snapshot frequency); <paramref name="askTimeout"/> is the node's
    /// <c>livetracker.actors.ask-timeout</c>; <paramref name="configure"/> changes any other setting.
    /// </summary>
    public static AkkaTestNode Start(
        TimeProvider time,
        IPaymentGateway? gateway = null,
        Func<PersistenceSettings, PersistenceSettings>? persistence = null,
        ILoggerFactory? loggers = null,
        TimeSpan? askTimeout = null,
        Func<LiveTrackerSettings, LiveTrackerSettings>? configure = null)
    {
        var directory = Directory.CreateTempSubdirectory("livetracker-akka-").FullName;
        var defaults = LiveTrackerSettings.CreateDefault(directory);
        var settings = defaults with
        {
            AkkaConfig = Akka.Configuration.ConfigurationFactory.ParseString(LocalOnlySerializer.Hocon + "\nakka.test.single-expect-default = 15s"),
            Persistence = persistence is null ? defaults.Persistence : persistence(defaults.Persistence),
            Actors = defaults.Actors with { AskTimeout = askTimeout ?? defaults.Actors.AskTimeout },
        };
        settings = configure?.Invoke(settings) ?? settings;
        var payments = gateway ?? new SandboxPaymentGateway();
        var logging = loggers ?? NullLoggerFactory.Instance;
        var host = new HostBuilder()
            .ConfigureServices(services => services
                .AddSingleton(logging)
                .AddAkka(LiveTrackerAkka.SystemName, (akka, _) => akka.AddLiveTracker(settings, time, payments, logging)))
            .Build();
        host.StartAsync().GetAwaiter().GetResult();
        var up = new TaskCompletionSource();
        Akka.Cluster.Cluster.Get(host.Services.GetRequiredService<ActorSystem>()).RegisterOnMemberUp(() => up.TrySetResult());
        up.Task.WaitAsync(TimeSpan.FromSeconds(60)).GetAwaiter().GetResult();
        return new AkkaTestNode(host, directory, settings, time);
    }

    /// <summary>Persistence on the SQLite file <paramref name="file"/> (kept when the node stops).</summary>
    public static Func<PersistenceSettings, PersistenceSettings> OnSqlite(string file, int? snapshotEvery = null) =>
        p => p with { Provider = PersistenceProvider.Sqlite, SqliteFile = file, SnapshotEvery = snapshotEvery ?? p.SnapshotEvery };

    /// <summary>Persistence on the PostgreSQL database of <paramref name="connectionString"/>.</summary>
    public static Func<PersistenceSettings, PersistenceSettings> OnPostgres(string connectionString, int? snapshotEvery = null) =>
        p => p with { Provider = PersistenceProvider.PostgreSql, ConnectionString = connectionString, SnapshotEvery = snapshotEvery ?? p.SnapshotEvery };

    /// <summary>Asks entity <paramref name="entityId"/> of region <typeparamref name="TRegion"/> and expects a <typeparamref name="T"/>.</summary>
    public async Task<T> AskAsync<TRegion, T>(string entityId, object message)
    {
        var region = await Registry.GetAsync<TRegion>();
        var reply = await region.Ask<object>(new ShardingEnvelope(entityId, message), AskTimeout);
        return reply is T expected
            ? expected
            : throw new Xunit.Sdk.XunitException($"Expected {typeof(T).Name} from {entityId}, got {reply}.");
    }

    /// <summary>The deadlines the cluster's keeper holds.</summary>
    public async Task<IReadOnlyList<LiveTracker.Actors.Deadlines.PendingDeadline>> DeadlinesAsync()
    {
        var keeper = await Registry.GetAsync<DeadlineKeeperSingleton>();
        return (await keeper.Ask<LiveTracker.Actors.Deadlines.PendingDeadlines>(new LiveTracker.Actors.Deadlines.GetDeadlines(), AskTimeout)).Deadlines;
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _host.StopAsync().GetAwaiter().GetResult();
        _host.Dispose();
        SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }
}
