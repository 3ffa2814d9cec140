using LiveTracker.Actors.Billing;
using LiveTracker.Actors.Configuration;
using Xunit;

namespace LiveTracker.Actors.Tests.Configuration;

/// <summary>
/// Errors about a value name the key and the file but no line: Akka's HOCON parser, which reads the file, keeps no
/// positions (ADR 0012). Syntax errors the scan before it finds do have their line.
/// </summary>
public sealed class LiveTrackerSettingsTests
{
    private const string BaseDirectory = "/srv/livetracker";

    private static LiveTrackerSettings Load(string hocon, Func<string, string?>? environment = null) =>
        LiveTrackerSettings.Load(SettingsFile.Parse(hocon, "akka.hocon", BaseDirectory, environment ?? (_ => null)));

    private static ConfigurationErrorException Fail(string hocon, Func<string, string?>? environment = null) =>
        Assert.Throws<ConfigurationErrorException>(() => Load(hocon, environment));

    private static Func<string, string?> Environment(params (string Name, string Value)[] variables) =>
        name => variables.FirstOrDefault(v => v.Name == name).Value;

    [Fact]
    public void EmptyConfigurationGivesTheDocumentedDefaults()
    {
        var settings = Load(string.Empty);

        Assert.Equal("node-1", settings.NodeId);
        Assert.Equal(Path.Combine(BaseDirectory, "data"), settings.DataDirectory);
        Assert.Equal("127.0.0.1", settings.Http.Bind);
        Assert.Equal(5080, settings.Http.Port);
        Assert.Equal(PersistenceProvider.Sqlite, settings.Persistence.Provider);
        Assert.Equal(string.Empty, settings.Persistence.ConnectionString);
        Assert.Equal(Path.Combine(BaseDirectory, "data", "journal.db"), settings.Persistence.SqliteFile);
        Assert.Equal(200, settings.Persistence.SnapshotEvery);
        Assert.Equal(100, settings.Sharding.ShardCount);
        Assert.Equal(TimeSpan.FromMinutes(2), settings.Sharding.PassivateIdleEntityAfter);
        Assert.Equal(TimeSpan.FromSeconds(5), settings.Actors.AskTimeout);
        Assert.Equal(10, settings.Domain.SegmentMinutes);
        Assert.Equal(24, settings.Domain.IdleTimeoutMinutes);
        Assert.Equal("UTC", settings.Domain.WeekZone.Id);
        Assert.Equal("America/New_York", settings.Domain.ReviewZone.Id);
        Assert.Equal(new WeeklyTime(DayOfWeek.Monday, new TimeOnly(7, 0)), settings.Domain.TimesheetSubmitLocalTime);
        Assert.Equal(new WeeklyTime(DayOfWeek.Friday, new TimeOnly(23, 59)), settings.Domain.ReviewEndsLocalTime);
        Assert.Equal(TimeSpan.FromDays(10), settings.Domain.PayoutDelay);
        Assert.Equal(TimeSpan.FromMinutes(2), settings.Domain.ClockSkewTolerance);
        Assert.Equal(8_388_608, settings.Domain.MaxScreenshotBytes);
        Assert.Equal(settings, LiveTrackerSettings.CreateDefault(BaseDirectory));
    }

    [Fact]
    public void ValuesAreReadAndTyped()
    {
        var settings = Load("""
            livetracker {
              node-id = node-7
              data-directory = /var/lib/livetracker
              http { bind = "0.0.0.0", port = 8080 }
              persistence {
                provider = PostgreSQL
                connection-string = "Host=db;Username=lt;Password=secret"
                sqlite-file = other.db
              }
              sharding.passivate-idle-entity-after = 90 seconds
              domain {
                segment-minutes = 15
                review-zone = Europe/Berlin
                timesheet-submit-local-time = "tue 9:30"
                max-screenshot-bytes = 4 MiB
              }
            }
            """);

        Assert.Equal("node-7", settings.NodeId);
        Assert.Equal("/var/lib/livetracker", settings.DataDirectory);
        Assert.Equal("0.0.0.0", settings.Http.Bind);
        Assert.Equal(8080, settings.Http.Port);
        Assert.Equal(PersistenceProvider.PostgreSql, settings.Persistence.Provider);
        Assert.Equal("/var/lib/livetracker/other.db", settings.Persistence.SqliteFile);
        Assert.Equal(TimeSpan.FromSeconds(90), settings.Sharding.PassivateIdleEntityAfter);
        Assert.Equal(15, settings.Domain.SegmentMinutes);
        Assert.Equal("Europe/Berlin", settings.Domain.ReviewZone.Id);
        Assert.Equal(new WeeklyTime(DayOfWeek.Tuesday, new TimeOnly(9, 30)), settings.Domain.TimesheetSubmitLocalTime);
        Assert.Equal(4 * 1024 * 1024, settings.Domain.MaxScreenshotBytes);
    }

    [Fact]
    public void NonNumericIntegerNamesKeyValueFileAndRange()
    {
        var error = Fail("""
            livetracker {
              sharding {
                shard-count = "abc"
              }
            }
            """);

        Assert.Equal("akka.hocon: livetracker.sharding.shard-count = \"abc\" is not a whole number between 1 and 10000", error.Message);
        var problem = Assert.Single(error.Errors);
        Assert.Equal("livetracker.sharding.shard-count", problem.Key);
        Assert.Equal("akka.hocon", problem.Location);
    }

    [Theory]
    [InlineData("livetracker.http.port = 70000", "livetracker.http.port = \"70000\" is not a whole number between 0 and 65535")]
    [InlineData("livetracker.persistence.snapshot-every = 0", "livetracker.persistence.snapshot-every = \"0\" is not a whole number between 1 and 1000000")]
    [InlineData("livetracker.persistence.provider = mysql", "livetracker.persistence.provider = \"mysql\" is not one of: sqlite, postgresql")]
    [InlineData("livetracker.actors.ask-timeout = 5", "livetracker.actors.ask-timeout = \"5\" is not a duration between 1ms and 1h (write a number and a unit")]
    [InlineData("livetracker.actors.ask-timeout = 2h", "livetracker.actors.ask-timeout = \"2h\" is not a duration between 1ms and 1h")]
    [InlineData("livetracker.sharding.passivate-idle-entity-after = soon", "livetracker.sharding.passivate-idle-entity-after = \"soon\" is not a duration")]
    [InlineData("livetracker.domain.review-zone = America/New_Yrok", "livetracker.domain.review-zone = \"America/New_Yrok\" is not a time zone known to this machine")]
    [InlineData("livetracker.domain.week-zone = \"\"", "livetracker.domain.week-zone = \"\" is not a time zone")]
    [InlineData("livetracker.domain.review-ends-local-time = \"Friday 25:00\"", "livetracker.domain.review-ends-local-time = \"Friday 25:00\" is not a day of the week and a 24-hour time")]
    [InlineData("livetracker.domain.timesheet-submit-local-time = \"Someday 07:00\"", "is not a day of the week")]
    [InlineData("livetracker.domain.segment-minutes = 7", "livetracker.domain.segment-minutes = \"7\" is not a whole number of minutes from 1 to 60 that divides a day evenly")]
    [InlineData("livetracker.domain.segment-minutes = 120", "livetracker.domain.segment-minutes = \"120\" is not a whole number of minutes")]
    [InlineData("livetracker.domain.max-screenshot-bytes = 1 GiB", "livetracker.domain.max-screenshot-bytes = \"1 GiB\" is not a size between 1 KiB and 256 MiB")]
    [InlineData("livetracker.domain.payout-delay = 400d", "livetracker.domain.payout-delay = \"400d\" is not a duration between 0s and 365d")]
    [InlineData("livetracker.node-id = \"node 1\"", "livetracker.node-id = \"node 1\" is not a valid node id")]
    [InlineData("livetracker.node-id = \"\"", "livetracker.node-id = \"\" is not a valid node id")]
    [InlineData("livetracker.data-directory = \"\"", "livetracker.data-directory = \"\" is not a valid directory path")]
    // Akka's parser trims a quoted value, so " " is read as "".
    [InlineData("livetracker.persistence.sqlite-file = \" \"", "livetracker.persistence.sqlite-file = \"\" is not a valid file path")]
    [InlineData("livetracker.http.bind = example.com", "livetracker.http.bind = \"example.com\" is not an IP address")]
    public void BadValueIsReportedWithKeyAndFile(string line, string expected)
    {
        var error = Fail($"# settings\n{line}\n");

        Assert.StartsWith("akka.hocon: ", error.Message, StringComparison.Ordinal);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void PostgreSqlWithoutConnectionStringNamesTheMissingKey()
    {
        var error = Fail("""
            livetracker.persistence {
              provider = postgresql
            }
            """);

        Assert.Equal(
            "akka.hocon: livetracker.persistence.connection-string must be set when livetracker.persistence.provider = postgresql (here, or through the LIVETRACKER_PG environment variable)",
            error.Message);
    }

    [Fact]
    public void SeedNodesBecomeTheClusterToJoinOnPostgreSql()
    {
        var settings = Load("""
            livetracker.persistence { provider = postgresql, connection-string = "Host=db" }
            livetracker.cluster.seed-nodes = ${?SEEDS}
            """, Environment(("SEEDS", "10.0.0.5:4053, node-b.internal:4053")));

        Assert.Equal([new SeedNode("10.0.0.5", 4053), new SeedNode("node-b.internal", 4053)], settings.Cluster.SeedNodes);
        Assert.Empty(Load(string.Empty).Cluster.SeedNodes);
    }

    [Fact]
    public void ANodeOnSqliteRefusesSeedNodesNamingTheKey()
    {
        var error = Fail("livetracker.cluster.seed-nodes = \"10.0.0.5:4053\"");

        Assert.StartsWith("akka.hocon: livetracker.cluster.seed-nodes cannot be used with livetracker.persistence.provider = sqlite", error.Message, StringComparison.Ordinal);
        Assert.Contains("provider = postgresql", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("10.0.0.5")]
    [InlineData("10.0.0.5:0")]
    [InlineData("10.0.0.5:70000")]
    [InlineData(":4053")]
    [InlineData("10.0.0.5:4053,bad host:1")]
    public void MalformedSeedNodesAreRefused(string seeds)
    {
        var error = Fail($$"""
            livetracker.persistence { provider = postgresql, connection-string = "Host=db" }
            livetracker.cluster.seed-nodes = "{{seeds}}"
            """);

        Assert.Contains("livetracker.cluster.seed-nodes", error.Message, StringComparison.Ordinal);
        Assert.Contains("host:port", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void EmptyConnectionStringFromTheEnvironmentSaysSo()
    {
        var error = Fail(
            """
            livetracker.persistence {
              provider = postgresql
              connection-string = ""
              connection-string = ${?LIVETRACKER_PG}
            }
            """,
            Environment(("LIVETRACKER_PG", " ")));

        Assert.StartsWith("akka.hocon (from environment variable LIVETRACKER_PG): livetracker.persistence.connection-string must be set", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MalformedConnectionStringIsRejectedWithoutEchoingIt()
    {
        var error = Fail("""
            livetracker.persistence.provider = postgresql
            livetracker.persistence.connection-string = "Host=db;Password='unterminated"
            """);

        Assert.Equal("akka.hocon: livetracker.persistence.connection-string is not a well-formed connection string (expected key=value pairs separated by ';')", error.Message);
        Assert.DoesNotContain("unterminated", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ConnectionStringIsOnlyRequiredForPostgreSql()
    {
        Assert.Equal(PersistenceProvider.Sqlite, Load("livetracker.persistence.connection-string = \"\"").Persistence.Provider);
    }

    [Fact]
    public void MisspeltKeyIsAnErrorWithASuggestion()
    {
        var error = Fail("""
            livetracker {
              sharding {
                shard-cont = 10
              }
            }
            """);

        Assert.Equal("akka.hocon: unknown key livetracker.sharding.shard-cont; did you mean livetracker.sharding.shard-count?", error.Message);
    }

    [Fact]
    public void MisspeltSectionIsAnErrorWithASuggestion()
    {
        var error = Fail("""
            livetracker {
              shardng {
                shard-count = 10
              }
            }
            """);

        Assert.Equal("akka.hocon: unknown section livetracker.shardng; did you mean livetracker.sharding?", error.Message);
    }

    [Fact]
    public void KeyInTheWrongSectionSuggestsWhereItBelongs()
    {
        var error = Fail("livetracker.shard-count = 10");

        Assert.Equal("akka.hocon: unknown key livetracker.shard-count; did you mean livetracker.sharding.shard-count?", error.Message);
    }

    [Fact]
    public void UnrelatedUnknownKeyListsTheKnownKeysOfItsSection()
    {
        var error = Fail("livetracker.http.colour = blue");

        Assert.Equal("akka.hocon: unknown key livetracker.http.colour; known keys in livetracker.http: bind, port, auth-requests-per-minute, uploads-per-minute, access-log", error.Message);
    }

    [Fact]
    public void ValueWithoutEqualsSignSaysWhatToWrite()
    {
        var error = Fail("livetracker.http {\n  port 8080\n}");

        Assert.Equal("akka.hocon: unknown key livetracker.http.port 8080; a key and its value need '=' between them: livetracker.http.port = 8080", error.Message);
    }

    [Fact]
    public void KeysAreCaseSensitiveLikeAkkasAndAMiscapitalisedOneIsSuggested()
    {
        var error = Fail("livetracker.http.Port = 8080");

        Assert.Equal("akka.hocon: unknown key livetracker.http.Port; did you mean livetracker.http.port?", error.Message);
    }

    [Fact]
    public void KeysOutsideTheLiveTrackerSectionAreNotChecked()
    {
        Assert.Equal(5080, Load("akka.loglevel = DEBUG\nother.anything = 1").Http.Port);
    }

    [Fact]
    public void SectionWrittenAsAValueIsRejected()
    {
        var error = Fail("livetracker.http = 8080");

        Assert.Equal("akka.hocon: livetracker.http is a section (bind, port, auth-requests-per-minute, uploads-per-minute, access-log), not a single value; write livetracker.http { ... }", error.Message);
    }

    [Fact]
    public void ObjectWhereAValueBelongsIsRejected()
    {
        var error = Fail("livetracker.http.port { number = 8080 }");

        Assert.Equal("akka.hocon: livetracker.http.port is an object, but a single value is expected here", error.Message);
    }

    [Fact]
    public void EveryProblemIsReportedAtOnceInFileOrder()
    {
        var error = Fail("""
            livetracker {
              node-id = "bad id"
              http.port = x
              sharding.shard-cont = 1
            }
            """);

        Assert.Equal(3, error.Errors.Count);
        Assert.Equal(
            ["livetracker.node-id", "livetracker.http.port", "livetracker.sharding.shard-cont"],
            error.Errors.Select(e => e.Key));
        Assert.StartsWith("3 configuration errors:", error.Message, StringComparison.Ordinal);
        Assert.Contains("akka.hocon: livetracker.http.port = \"x\"", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void EnvironmentOverridesApplyAndBadOnesNameTheVariable()
    {
        const string Hocon = """
            livetracker.http {
              port = 5080
              port = ${?LIVETRACKER_HTTP_PORT}
            }
            """;

        Assert.Equal(6000, Load(Hocon, Environment(("LIVETRACKER_HTTP_PORT", "6000"))).Http.Port);
        Assert.Equal(5080, Load(Hocon).Http.Port);

        var error = Fail(Hocon, Environment(("LIVETRACKER_HTTP_PORT", "http")));
        Assert.Equal(
            "akka.hocon (from environment variable LIVETRACKER_HTTP_PORT): livetracker.http.port = \"http\" is not a whole number between 0 and 65535",
            error.Message);
    }

    [Fact]
    public void RelativeDataDirectoryIsTakenFromTheFilesDirectory()
    {
        var directory = Directory.CreateTempSubdirectory("settings-test-");
        try
        {
            var path = Path.Combine(directory.FullName, "akka.hocon");
            File.WriteAllText(path, "livetracker { data-directory = state, persistence.sqlite-file = db/journal.db }");

            var settings = LiveTrackerSettings.Load(path, _ => null);

            Assert.Equal(Path.Combine(directory.FullName, "state"), settings.DataDirectory);
            Assert.Equal(Path.Combine(directory.FullName, "state", "db", "journal.db"), settings.Persistence.SqliteFile);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public void SqliteFileMayBeAbsolute()
    {
        Assert.Equal("/tmp/x.db", Load("livetracker.persistence.sqlite-file = /tmp/x.db").Persistence.SqliteFile);
    }

    [Fact]
    public void PrintingSettingsHidesThePassword()
    {
        var settings = Load("""
            livetracker.persistence {
              provider = postgresql
              connection-string = "Host=db;Username=lt;Password=hunter2"
            }
            """);

        var printed = settings.ToString();

        Assert.DoesNotContain("hunter2", printed, StringComparison.Ordinal);
        Assert.Contains("password=***", printed, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("host=db", printed, StringComparison.OrdinalIgnoreCase);
        Assert.Equal("Host=db;Username=lt;Password=hunter2", settings.Persistence.ConnectionString);
    }

    [Fact]
    public void KeyWithoutAValueNamesTheKeyAndTheFile()
    {
        var directory = Directory.CreateTempSubdirectory("settings-test-");
        try
        {
            var path = Path.Combine(directory.FullName, "akka.hocon");
            File.WriteAllText(path, "livetracker {\n  persistence\n}\n");

            var error = Assert.Throws<ConfigurationErrorException>(() => LiveTrackerSettings.Load(path, _ => null));

            // Akka's parser reads `persistence` with nothing after it as a key without a value; no line to give.
            Assert.StartsWith("akka.hocon: livetracker.persistence is a section (", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }
}
