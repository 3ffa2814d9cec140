using LiveTracker.Actors.Hocon;
using Microsoft.Extensions.Configuration;
using Xunit;

namespace LiveTracker.Actors.Tests.Hocon;

public sealed class HoconConfigurationProviderTests
{
    private static IConfigurationRoot Build(string text, Func<string, string?>? environment = null) =>
        new ConfigurationBuilder().AddHoconString(text, "akka.hocon", environment ?? (_ => null)).Build();

    [Fact]
    public void NestedKeysMapToColonSeparatedPathsWithOriginalSpelling()
    {
        var configuration = Build("""
            livetracker {
              http.port = 5080
              sharding { shard-count = 100 }
            }
            """);

        Assert.Equal("5080", configuration["livetracker:http:port"]);
        Assert.Equal("100", configuration["livetracker:sharding:shard-count"]);
        var section = Assert.Single(configuration.GetSection("livetracker:sharding").GetChildren());
        Assert.Equal("shard-count", section.Key);
    }

    [Fact]
    public void ArrayElementsMapToIndexedKeys()
    {
        var configuration = Build("""seeds = ["a", "b", { host = c }]""");

        Assert.Equal("a", configuration["seeds:0"]);
        Assert.Equal("b", configuration["seeds:1"]);
        Assert.Equal("c", configuration["seeds:2:host"]);
        Assert.Equal(["a", "b"], configuration.GetSection("seeds").GetChildren().Take(2).Select(c => c.Value));
    }

    [Fact]
    public void ScalarsBecomeTheirTextAndNullBecomesNull()
    {
        var configuration = Build("""
            b = true
            n = 1.5
            s = "quoted"
            z = null
            """);

        Assert.Equal("true", configuration["b"]);
        Assert.Equal("1.5", configuration["n"]);
        Assert.Equal("quoted", configuration["s"]);
        Assert.Null(configuration["z"]);
    }

    [Fact]
    public void ProviderTellsWhereEachKeyWasWritten()
    {
        var configuration = Build("""
            livetracker {
              http {
                port = 5080
              }
            }
            """);

        Assert.True(configuration.TryGetHoconSource("livetracker:http:port", out var port));
        Assert.Equal(new HoconSource("akka.hocon", 3, 12), port);
        Assert.True(configuration.TryGetHoconSource("livetracker:http", out var http));
        Assert.Equal(2, http.Line);
        Assert.False(configuration.TryGetHoconSource("livetracker:http:bind", out _));
    }

    [Fact]
    public void LookupsIgnoreCaseLikeTheRestOfConfiguration()
    {
        var configuration = Build("Live.Port = 1");

        Assert.Equal("1", configuration["live:port"]);
        Assert.True(configuration.TryGetHoconSource("LIVE:PORT", out _));
    }

    [Fact]
    public void EnvironmentOverrideIsVisibleThroughConfigurationWithItsOrigin()
    {
        var configuration = Build("""
            port = 5080
            port = ${?PORT}
            """, name => name == "PORT" ? "7000" : null);

        Assert.Equal("7000", configuration["port"]);
        Assert.True(configuration.TryGetHoconSource("port", out var source));
        Assert.Equal("akka.hocon line 2 (from environment variable PORT)", source.Describe());
    }

    [Fact]
    public void LaterProviderOverridesAndIsReportedAsTheSource()
    {
        var configuration = new ConfigurationBuilder()
            .AddHoconString("port = 1", "akka.hocon", _ => null)
            .AddInMemoryCollection([new KeyValuePair<string, string?>("port", "2")])
            .Build();

        Assert.Equal("2", configuration["port"]);
        Assert.False(configuration.TryGetHoconSource("port", out _));
        Assert.IsNotType<HoconConfigurationProvider>(configuration.FindProvider("port"));
    }

    [Fact]
    public void FileSourceReadsTheFileAndNamesItInErrors()
    {
        var directory = Directory.CreateTempSubdirectory("hocon-test-");
        try
        {
            var path = Path.Combine(directory.FullName, "settings.hocon");
            File.WriteAllText(path, "a {\n  b = 1\n}\n");
            var configuration = new ConfigurationBuilder().AddHoconFile(path, environmentVariables: _ => null).Build();

            Assert.Equal("1", configuration["a:b"]);
            var provider = Assert.IsType<HoconConfigurationProvider>(Assert.Single(configuration.Providers));
            Assert.Equal(directory.FullName, provider.Directory);
            Assert.True(provider.TryGetSource("a:b", out var source));
            Assert.Equal("settings.hocon:2:7", source.ToString());

            File.WriteAllText(path, "a {\n  b = 1\n");
            var error = Assert.Throws<HoconException>(() => new ConfigurationBuilder().AddHoconFile(path).Build());
            Assert.StartsWith("settings.hocon:3:1:", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public void MissingFileIsAnErrorUnlessOptional()
    {
        var path = Path.Combine(Path.GetTempPath(), $"missing-{Guid.NewGuid():N}.hocon");

        Assert.Throws<FileNotFoundException>(() => new ConfigurationBuilder().AddHoconFile(path).Build());
        var configuration = new ConfigurationBuilder().AddHoconFile(path, optional: true).Build();
        Assert.Empty(configuration.AsEnumerable());
    }
}
