using Akka.Configuration;
using LiveTracker.Actors.Configuration;
using LiveTracker.Actors.Hosting;
using Xunit;

namespace LiveTracker.Actors.Tests.Configuration;

/// <summary><c>livetracker.cluster.discovery</c> and <c>management</c>: Cluster Bootstrap's settings (ADR 0015).</summary>
public sealed class DiscoverySettingsTests
{
    private const string Postgres = "livetracker.persistence { provider = postgresql, connection-string = \"Host=db\" }\n";

    private static LiveTrackerSettings Load(string hocon, Func<string, string?>? environment = null) =>
        LiveTrackerSettings.Load(SettingsFile.Parse(hocon, "akka.hocon", "/srv/livetracker", environment ?? (_ => null)));

    private static ConfigurationError Fail(string hocon, Func<string, string?>? environment = null) =>
        Assert.Single(Assert.Throws<ConfigurationErrorException>(() => Load(hocon, environment)).Errors);

    [Fact]
    public void WithoutDiscoveryANodeJoinsItsSeedsOrItselfAsBefore()
    {
        var alone = Load(string.Empty).Cluster;
        var seeded = Load(Postgres + "livetracker.cluster.seed-nodes = \"10.0.0.5:4053\"").Cluster;

        Assert.Equal(DiscoveryMethod.None, alone.Discovery.Method);
        Assert.True(alone.JoinsItself);
        Assert.False(seeded.JoinsItself);
        Assert.Equal("akka {}", LiveTrackerAkka.Discovery(alone));
        Assert.Equal("akka {}", LiveTrackerAkka.Discovery(seeded));
        Assert.Equal(new ManagementSettings { Hostname = "127.0.0.1", Port = 8558, Bind = "127.0.0.1" }, alone.Management);
    }

    [Fact]
    public void ConfigDiscoveryListsTheEndpointsForClusterBootstrap()
    {
        var cluster = Load(Postgres + """
            livetracker.cluster {
              discovery.method = ${?METHOD}
              discovery.config-endpoints = ${?ENDPOINTS}
              management.port = ${?PORT}
            }
            """, name => name switch { "METHOD" => "config", "ENDPOINTS" => "127.0.0.1:8601, 127.0.0.1:8602", "PORT" => "8601", _ => null }).Cluster;

        Assert.False(cluster.JoinsItself);
        Assert.Equal([new SeedNode("127.0.0.1", 8601), new SeedNode("127.0.0.1", 8602)], cluster.Discovery.ConfigEndpoints);
        var akka = ConfigurationFactory.ParseString(LiveTrackerAkka.Discovery(cluster));
        Assert.Equal("config", akka.GetString("akka.discovery.method"));
        Assert.Equal(["127.0.0.1:8601", "127.0.0.1:8602"], akka.GetStringList("akka.discovery.config.services.livetracker.endpoints"));
        Assert.Equal("livetracker", akka.GetString("akka.management.cluster.bootstrap.contact-point-discovery.service-name"));
        Assert.Equal(2, akka.GetInt("akka.management.cluster.bootstrap.contact-point-discovery.required-contact-point-nr"));
        Assert.Equal(8601, akka.GetInt("akka.management.http.port"));
        Assert.Equal("127.0.0.1", akka.GetString("akka.management.http.hostname"));
        Assert.False(akka.GetBoolean("akka.management.cluster.bootstrap.contact-point.filter-on-fallback-port"));
    }

    [Fact]
    public void KubernetesDiscoveryQueriesPodsByLabelAndProbesTheirManagementPort()
    {
        var cluster = Load(Postgres + """
            livetracker.cluster {
              discovery { method = kubernetes, pod-label-selector = "app.kubernetes.io/name=tracker, tier=web", required-contact-points = 3 }
              management { hostname = "10.1.2.3", bind = "0.0.0.0" }
            }
            """).Cluster;

        var akka = ConfigurationFactory.ParseString(LiveTrackerAkka.Discovery(cluster));
        Assert.Equal("kubernetes-api", akka.GetString("akka.discovery.method"));
        Assert.Equal("app.kubernetes.io/name=tracker,tier=web", akka.GetString("akka.discovery.kubernetes-api.pod-label-selector"));
        Assert.Equal("management", akka.GetString("akka.management.cluster.bootstrap.contact-point-discovery.port-name"));
        Assert.Equal(3, akka.GetInt("akka.management.cluster.bootstrap.contact-point-discovery.required-contact-point-nr"));
        Assert.Equal("10.1.2.3", akka.GetString("akka.management.http.hostname"));
        Assert.Equal("0.0.0.0", cluster.Management.Bind);
    }

    [Theory]
    [InlineData("config")]
    [InlineData("kubernetes")]
    public void ANodeOnSqliteRefusesDiscoveryNamingTheKey(string method)
    {
        var error = Fail($"livetracker.cluster.discovery {{ method = {method}, config-endpoints = \"127.0.0.1:8558\" }}");

        Assert.Equal("livetracker.cluster.discovery.method", error.Key);
        Assert.StartsWith($"akka.hocon: livetracker.cluster.discovery.method = {method} cannot be used with livetracker.persistence.provider = sqlite", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AnUnknownMethodIsRefusedWithTheChoices()
    {
        var error = Fail(Postgres + "livetracker.cluster.discovery.method = ${?LIVETRACKER_DISCOVERY}", name => name == "LIVETRACKER_DISCOVERY" ? "dns" : null);

        Assert.Equal(
            "akka.hocon (from environment variable LIVETRACKER_DISCOVERY): livetracker.cluster.discovery.method = \"dns\" is not one of: none, config, kubernetes",
            error.Message);
    }

    [Fact]
    public void ConfigDiscoveryWithoutEndpointsNamesTheMissingKey()
    {
        var error = Fail(Postgres + "livetracker.cluster.discovery.method = config");

        Assert.Equal("livetracker.cluster.discovery.config-endpoints", error.Key);
        Assert.StartsWith("akka.hocon: livetracker.cluster.discovery.config-endpoints must list every node's management endpoint", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void WithDiscoveryTheManagementPortMustNotBeTheHttpPort()
    {
        var error = Fail(Postgres + """
            livetracker.http.port = 8080
            livetracker.cluster { discovery.method = kubernetes, management.port = 8080 }
            """);

        Assert.Equal("livetracker.cluster.management.port", error.Key);
        Assert.Contains("is also livetracker.http.port", error.Message, StringComparison.Ordinal);
        // Without discovery the management port is not listened on, so the same number is harmless.
        Assert.Equal(8080, Load(Postgres + "livetracker.http.port = 8080\nlivetracker.cluster.management.port = 8080").Cluster.Management.Port);
    }

    [Fact]
    public void SeedNodesAndDiscoveryTogetherAreRefused()
    {
        var error = Fail(Postgres + """
            livetracker.cluster { seed-nodes = "10.0.0.5:4053", discovery.method = kubernetes }
            """);

        Assert.Equal("livetracker.cluster.discovery.method", error.Key);
        Assert.Contains("cannot be used together with livetracker.cluster.seed-nodes", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("discovery.config-endpoints = \"127.0.0.1\"", "livetracker.cluster.discovery.config-endpoints")]
    [InlineData("discovery.pod-label-selector = \"app in (a,b)\"", "livetracker.cluster.discovery.pod-label-selector")]
    [InlineData("discovery.pod-label-selector = \"app={0}\"", "livetracker.cluster.discovery.pod-label-selector")]
    [InlineData("discovery.service-name = \"Live Tracker\"", "livetracker.cluster.discovery.service-name")]
    [InlineData("discovery.required-contact-points = 0", "livetracker.cluster.discovery.required-contact-points")]
    [InlineData("management.port = 0", "livetracker.cluster.management.port")]
    [InlineData("management.hostname = \"bad host\"", "livetracker.cluster.management.hostname")]
    [InlineData("management.bind = \"node-1\"", "livetracker.cluster.management.bind")]
    [InlineData("discovery.metod = config", "livetracker.cluster.discovery.metod")]
    public void BadValuesNameTheirKey(string setting, string key)
    {
        var error = Fail(Postgres + $"livetracker.cluster.{setting}");

        Assert.Equal(key, error.Key);
        Assert.StartsWith("akka.hocon: ", error.Message, StringComparison.Ordinal);
    }
}
