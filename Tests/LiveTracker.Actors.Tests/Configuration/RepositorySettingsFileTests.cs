using LiveTracker.Actors.Configuration;
using LiveTracker.Actors.Hocon;
using Microsoft.Extensions.Configuration;
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

        Assert.Equal(LiveTrackerSettings.CreateDefault(Path.GetDirectoryName(path)!) with { AkkaHocon = File.ReadAllText(path) }, settings);
    }

    [Fact]
    public void DocumentsExactlyTheSettingsTheCodeReads()
    {
        var configuration = new ConfigurationBuilder().AddHoconFile(SettingsFile(), environmentVariables: _ => null).Build();

        // connection-string is "" in the file, which configuration keeps as an empty value, so it is listed too.
        var keys = configuration.GetSection(LiveTrackerSettings.SectionName).AsEnumerable(makePathsRelative: true)
            .Where(pair => pair.Value is not null)
            .Select(pair => pair.Key.Replace(':', '.'))
            .Order(StringComparer.Ordinal);

        Assert.Equal(DocumentedKeys.Order(StringComparer.Ordinal), keys);
    }

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
        Assert.StartsWith("akka.hocon line ", problem.Message, StringComparison.Ordinal);
    }
}
