using LiveTracker.Actors.Configuration;
using Xunit;

namespace LiveTracker.Actors.Tests.Configuration;

/// <summary>
/// What an operator sees of the settings file itself: <c>${?VAR}</c> overrides, and broken syntax stopping the node
/// with the file and, where it can be known, the line, instead of Akka's parser quietly dropping settings.
/// </summary>
public sealed class SettingsFileTests
{
    private static SettingsFile Parse(string hocon, Func<string, string?>? environment = null) =>
        SettingsFile.Parse(hocon, "akka.hocon", "/srv/livetracker", environment ?? (_ => null));

    private static LiveTrackerSettings Load(string hocon, Func<string, string?>? environment = null) =>
        LiveTrackerSettings.Load(Parse(hocon, environment));

    private static string Fail(string hocon, Func<string, string?>? environment = null) =>
        Assert.Throws<ConfigurationErrorException>(() => Load(hocon, environment)).Message;

    private static Func<string, string?> Environment(params (string Name, string Value)[] variables) =>
        name => variables.FirstOrDefault(v => v.Name == name).Value;

    private const string PortWithOverride = """
        livetracker {
          http {
            port = 5081
            port = ${?LIVETRACKER_HTTP_PORT}
            bind = "0.0.0.0"
          }
          node-id = node-3
        }
        """;

    [Fact]
    public void SetVariableOverridesTheValueAboveIt()
    {
        var settings = Load(PortWithOverride, Environment(("LIVETRACKER_HTTP_PORT", "6000")));

        Assert.Equal(6000, settings.Http.Port);
        Assert.Equal("0.0.0.0", settings.Http.Bind);
        Assert.Equal("node-3", settings.NodeId);
    }

    [Fact]
    public void UnsetVariableKeepsTheValueAboveItAndEverythingAfterIt()
    {
        var settings = Load(PortWithOverride);

        Assert.Equal(5081, settings.Http.Port);
        Assert.Equal("0.0.0.0", settings.Http.Bind);
        Assert.Equal("node-3", settings.NodeId);
    }

    [Fact]
    public void UnsetVariableWithoutAValueAboveLeavesTheDefault()
    {
        Assert.Equal(5080, Load("livetracker.http.port = ${?LIVETRACKER_HTTP_PORT}").Http.Port);
    }

    [Fact]
    public void EmptyVariableCountsAsSet()
    {
        var error = Fail("livetracker.node-id = node-3\nlivetracker.node-id = ${?NODE}", Environment(("NODE", "")));

        Assert.Equal("akka.hocon (from environment variable NODE): livetracker.node-id = \"\" is not a valid node id (1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit)", error);
    }

    [Fact]
    public void VariableValueIsTakenAsTextExactly()
    {
        var connection = "Host=db;Password='q\"u\\o}te # not a comment'";

        var settings = Load(
            "livetracker.persistence { provider = postgresql, connection-string = ${?PG} }",
            Environment(("PG", connection)));

        Assert.Equal(connection, settings.Persistence.ConnectionString);
    }

    [Fact]
    public void OverridesWorkInTheAkkaSectionToo()
    {
        const string Hocon = """
            akka.remote.dot-netty.tcp {
              hostname = "127.0.0.1"
              hostname = ${?REMOTE_HOST}
            }
            """;

        Assert.Equal("10.0.0.7", Load(Hocon, Environment(("REMOTE_HOST", "10.0.0.7"))).AkkaConfig.GetString("akka.remote.dot-netty.tcp.hostname"));
        Assert.Equal("127.0.0.1", Load(Hocon).AkkaConfig.GetString("akka.remote.dot-netty.tcp.hostname"));
    }

    [Fact]
    public void OnlyTheAkkaSectionIsHandedToAkka()
    {
        var akka = Load("akka.loglevel = INFO\nlivetracker.persistence.connection-string = ${?PG}", Environment(("PG", "Password=secret"))).AkkaConfig;

        Assert.Equal("INFO", akka.GetString("akka.loglevel"));
        Assert.False(akka.HasPath("livetracker"));
        Assert.DoesNotContain("secret", akka.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void OverrideInsideOtherTextIsRefusedWithItsLine()
    {
        var error = Fail("livetracker {\n  node-id = node-${?NODE_NUMBER}\n}");

        Assert.Equal("akka.hocon line 2: ${?NODE_NUMBER} must be the whole value of a setting, on a line of its own: key = ${?NODE_NUMBER}", error);
    }

    [Fact]
    public void OverrideNamingSomethingOtherThanAVariableIsRefused()
    {
        var error = Fail("livetracker.http.port = ${?livetracker.other}");

        Assert.StartsWith("akka.hocon line 1: ${?livetracker.other}: an override reads an environment variable", error, StringComparison.Ordinal);
    }

    [Fact]
    public void ReferenceToAnotherSettingIsAkkasOwn()
    {
        Assert.Equal(7000, Load("ports.web = 7000\nlivetracker.http.port = ${ports.web}").Http.Port);
    }

    [Fact]
    public void ReferenceToNothingNamesItAndTheFile()
    {
        var error = Fail("livetracker.http.port = ${LIVETRACKER_HTTP_PORT}");

        Assert.Equal("akka.hocon: ${LIVETRACKER_HTTP_PORT} refers to a setting the file does not have (an environment variable is read with ${?LIVETRACKER_HTTP_PORT})", error);
    }

    [Theory]
    [InlineData("livetracker {\n  node-id = \"node-1\n  http.port = 1\n}", "akka.hocon line 2: a quoted string is not closed on its line")]
    [InlineData("livetracker {\n  http.port = 1\n}\n}\nakka.loglevel = INFO", "akka.hocon line 4: '}' closes nothing: no object is open here")]
    [InlineData("livetracker {\n  http {\n    port = 1\n}", "akka.hocon line 1: the object opened here with '{' is never closed")]
    [InlineData("akka.cluster.seed-nodes = [\n  \"akka.tcp://livetracker@a:1\"\n", "akka.hocon line 1: the list opened here with '[' is never closed")]
    [InlineData("a = [1, 2}\n", "akka.hocon line 1: '}' where the list opened at line 1 must be closed first")]
    [InlineData("a = \"\"\"never\nclosed", "akka.hocon line 1: a triple-quoted string (\"\"\") is never closed")]
    [InlineData("a = 1\nb = ${oops\n", "akka.hocon line 2: a substitution ${ is not closed with } on its line")]
    public void SyntaxAkkasParserWouldSilentlyMisreadIsRefusedWithItsLine(string hocon, string expected)
    {
        Assert.StartsWith(expected, Fail(hocon), StringComparison.Ordinal);
    }

    [Fact]
    public void EverySyntaxErrorIsReportedAtOnceInFileOrder()
    {
        var error = Assert.Throws<ConfigurationErrorException>(() => Parse("a = \"x\n}\nb = ${?c.d}\n"));

        Assert.Equal(["akka.hocon line 1", "akka.hocon line 2", "akka.hocon line 3"], error.Errors.Select(e => e.Location));
    }

    [Fact]
    public void BracketsAndCommentCharactersInsideStringsAndCommentsAreText()
    {
        var settings = Load("""
            # a comment with { and "
            livetracker {
              node-id = "node-8" // a comment with }
              node-id = node-9  # ]
              data-directory = "state{1}[x]#"
            }
            """);

        Assert.Equal("node-9", settings.NodeId);
        Assert.Equal("/srv/livetracker/state{1}[x]#", settings.DataDirectory);
    }

    [Fact]
    public void WhatAkkasParserRefusesIsReportedWithTheLineWhenItGivesAPosition()
    {
        // Akka.NET 1.5's parser does not take a comma after a nested object, which HOCON allows.
        var error = Fail("livetracker {\n  http { port = 1 }, node-id = x\n}");

        Assert.StartsWith("akka.hocon line 2: Akka's HOCON parser refuses the file: Unknown token", error, StringComparison.Ordinal);
    }

    [Fact]
    public void WhatAkkasParserRefusesWithoutAPositionNamesTheFile()
    {
        var error = Fail("livetracker.persistence.connection-string = Host=db;Port=5432");

        Assert.StartsWith("akka.hocon: Akka's HOCON parser refuses the file: Could not parse an unquoted text value", error, StringComparison.Ordinal);
    }

    [Fact]
    public void IncludeIsRefused()
    {
        var error = Fail("include \"other.hocon\"\nlivetracker.http.port = 1");

        Assert.StartsWith("akka.hocon: include ", error, StringComparison.Ordinal);
        Assert.Contains("is not supported; keep every setting in akka.hocon", error, StringComparison.Ordinal);
    }

    [Fact]
    public void MissingFileIsReportedWithItsPath()
    {
        var path = Path.Combine(Path.GetTempPath(), $"missing-{Guid.NewGuid():N}", "akka.hocon");

        var error = Assert.Throws<FileNotFoundException>(() => SettingsFile.Read(path));

        Assert.Contains(path, error.Message, StringComparison.Ordinal);
    }
}
