using LiveTracker.Actors.Configuration;
using Akka.Configuration.Hocon;
using Xunit;

namespace LiveTracker.Actors.Tests.Configuration;

/// <summary>The akka.hocon shipped at the repository root is the one operators edit; it must load and match the code's defaults.</summary>
public sealed class RepositorySettingsFileTests
{
    private static readonly string[] DocumentedKeys =
    [
        "node-id", "data-directory",
        "http.access-log", "http.auth-requests-per-minute", "http.bind", "http.port", "http.uploads-per-minute",
        "persistence.provider", "persistence.connection-string", "persistence.sqlite-file", "persistence.snapshot-every",
        "cluster.seed-nodes", "cluster.discovery.method", "cluster.discovery.service-name", "cluster.discovery.config-endpoints",
        "cluster.discovery.pod-label-selector", "cluster.discovery.required-contact-points",
        "cluster.management.hostname", "cluster.management.port", "cluster.management.bind",
        "sharding.shard-count", "sharding.passivate-idle-entity-after",
        "actors.ask-timeout",
        "domain.segment-minutes", "domain.idle-timeout-minutes", "domain.week-zone", "domain.review-zone",
        "domain.timesheet-submit-local-time", "domain.review-ends-local-time", "domain.payout-delay",
        "domain.clock-skew-tolerance", "domain.max-screenshot-bytes",
    ];

    private static string SettingsFile()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "LiveTracker.sln")))
            {
                return Path.Combine(directory.FullName, "akka.hocon");
            }
        }

        throw new InvalidOperationException($"No LiveTracker.sln above {AppContext.BaseDirectory}.");
    }

    [Fact]
    public void LoadsWithTheDefaultsWhenNoVariableIsSet()
    {
        var path = SettingsFile();

        var settings = LiveTrackerSettings.Load(path, _ => null);

        var defaults = LiveTrackerSettings.CreateDefault(Path.GetDirectoryName(path)!);
        Assert.Equal(defaults, settings with { AkkaConfig = defaults.AkkaConfig });
    }

    [Fact]
    public void ItsAkkaSectionReachesAkkaWithItsOverrides()
    {
        var quiet = LiveTrackerSettings.Load(SettingsFile(), _ => null).AkkaConfig;
        var environment = new Dictionary<string, string> { ["LIVETRACKER_AKKA_LOGLEVEL"] = "INFO", ["LIVETRACKER_REMOTE_HOST"] = "10.1.2.3", ["LIVETRACKER_REMOTE_PORT"] = "4053" };
        var overridden = LiveTrackerSettings.Load(SettingsFile(), environment.GetValueOrDefault).AkkaConfig;

        Assert.Equal("WARNING", quiet.GetString("akka.loglevel"));
        Assert.Equal("127.0.0.1", quiet.GetString("akka.remote.dot-netty.tcp.hostname"));
        Assert.Equal(0, quiet.GetInt("akka.remote.dot-netty.tcp.port"));
        Assert.Equal("INFO", overridden.GetString("akka.loglevel"));
        Assert.Equal("10.1.2.3", overridden.GetString("akka.remote.dot-netty.tcp.hostname"));
        Assert.Equal(4053, overridden.GetInt("akka.remote.dot-netty.tcp.port"));
    }

    [Fact]
    public void DocumentsExactlyTheSettingsTheCodeReads()
    {
        var section = LiveTracker.Actors.Configuration.SettingsFile.Read(SettingsFile(), _ => null).Config.GetValue(LiveTrackerSettings.SectionName);

        var keys = Leaves(section, prefix: null).Order(StringComparer.Ordinal);

        Assert.Equal(DocumentedKeys.Order(StringComparer.Ordinal), keys);
    }

    private static IEnumerable<string> Leaves(HoconValue value, string? prefix) =>
        value.IsObject()
            ? value.GetObject().Items.SelectMany(item => Leaves(item.Value, prefix is null ? item.Key : $"{prefix}.{item.Key}"))
            : [prefix!];

    [Fact]
    public void EnvironmentVariablesOverrideTheFile()
    {
        var environment = new Dictionary<string, string>
        {
            ["LIVETRACKER_NODE_ID"] = "node-2",
            ["LIVETRACKER_DATA_DIR"] = "/var/lib/lt",
            ["LIVETRACKER_HTTP_PORT"] = "6001",
            ["LIVETRACKER_PERSISTENCE"] = "postgresql",
            ["LIVETRACKER_PG"] = "Host=localhost;Database=livetracker",
        };

        var settings = LiveTrackerSettings.Load(SettingsFile(), environment.GetValueOrDefault);

        Assert.Equal("node-2", settings.NodeId);
        Assert.Equal("/var/lib/lt", settings.DataDirectory);
        Assert.Equal(6001, settings.Http.Port);
        Assert.Equal(PersistenceProvider.PostgreSql, settings.Persistence.Provider);
        Assert.Equal("Host=localhost;Database=livetracker", settings.Persistence.ConnectionString);
    }

    [Fact]
    public void PostgreSqlWithoutConnectionStringPointsAtTheProviderOverride()
    {
        var error = Assert.Throws<ConfigurationErrorException>(() =>
            LiveTrackerSettings.Load(SettingsFile(), name => name == "LIVETRACKER_PERSISTENCE" ? "postgresql" : null));

        var problem = Assert.Single(error.Errors);
        Assert.Equal("livetracker.persistence.connection-string", problem.Key);
        // Akka's parser keeps no lines: the message names the key and the file.
        Assert.StartsWith("akka.hocon: livetracker.persistence.connection-string must be set", problem.Message, StringComparison.Ordinal);
    }
}
