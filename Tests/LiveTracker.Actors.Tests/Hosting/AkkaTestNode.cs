using Akka.Actor;
using Akka.Hosting;
using LiveTracker.Actors.Configuration;
using LiveTracker.Actors.Hosting;
using LiveTracker.TestKit;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace LiveTracker.Actors.Tests.Hosting;

/// <summary>
/// The node's actor system as production wires it (<see cref="LiveTrackerAkka.AddLiveTracker"/> through Akka.Hosting),
/// on SQLite in a temporary directory, with <c>serialize-messages = on</c> (<see cref="LocalOnlySerializer"/>), for Akka.TestKit tests.
/// (Akka.Hosting.TestKit 1.5.75 is built on xUnit v3; these tests are on xUnit 2 with Akka.TestKit.Xunit2.)
/// </summary>
public sealed class AkkaTestNode : IDisposable
{
    private readonly IHost _host;
    private readonly string _directory;

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

    public static AkkaTestNode Start(TimeProvider time)
    {
        var directory = Directory.CreateTempSubdirectory("livetracker-akka-").FullName;
        var settings = LiveTrackerSettings.CreateDefault(directory) with
        {
            AkkaHocon = LocalOnlySerializer.Hocon + "\nakka.test.single-expect-default = 15s",
        };
        var host = new HostBuilder()
            .ConfigureServices(services => services.AddAkka(LiveTrackerAkka.SystemName, (akka, _) => akka.AddLiveTracker(settings, time)))
            .Build();
        host.StartAsync().GetAwaiter().GetResult();
        // As the web host does: requests wait until the node is an Up member of its one-member cluster.
        var up = new TaskCompletionSource();
        Akka.Cluster.Cluster.Get(host.Services.GetRequiredService<ActorSystem>()).RegisterOnMemberUp(() => up.TrySetResult());
        up.Task.WaitAsync(TimeSpan.FromSeconds(60)).GetAwaiter().GetResult();
        return new AkkaTestNode(host, directory, settings, time);
    }

    public void Dispose()
    {
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
}
