using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using LiveTracker.Actors.Configuration;
using LiveTracker.Web.Hosting;
using Xunit;

namespace LiveTracker.Web.Tests;

public sealed class NodeStartupTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("livetracker-web-").FullName;

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task A_node_on_embedded_sqlite_serves_health_and_readiness()
    {
        var config = WriteConfig("""
            livetracker {
              data-directory = "node-data"
              http.port = 0
            }
            """);

        await using var app = LiveTrackerHost.Build(LiveTrackerSettings.Load(config));
        await app.StartAsync();
        using var http = new HttpClient { BaseAddress = new Uri(app.Urls.Single()) };

        var health = await http.GetFromJsonAsync<Health>("/healthz");
        var ready = await http.GetFromJsonAsync<Health>("/readyz");

        Assert.Equal(new Health("ok", "node-1", null), health);
        Assert.Equal("ready", ready!.Status);
        Assert.True(File.Exists(Path.Combine(_directory, "node-data", "journal.db")), "the SQLite journal lives under the data directory");
        await app.StopAsync();
    }

    [Fact]
    public async Task A_node_on_postgresql_serves_readiness_from_the_real_server()
    {
        var connectionString = Environment.GetEnvironmentVariable("LIVETRACKER_TEST_PG")
            ?? throw new InvalidOperationException("LIVETRACKER_TEST_PG is not set; ./test starts PostgreSQL and sets it.");
        var config = WriteConfig("""
            livetracker {
              node-id = "pg-node"
              http.port = 0
              persistence.provider = postgresql
              persistence.connection-string = ${?TEST_PG}
            }
            """);
        var settings = LiveTrackerSettings.Load(config, name => name == "TEST_PG" ? connectionString : null);

        await using var app = LiveTrackerHost.Build(settings);
        await app.StartAsync();
        using var http = new HttpClient { BaseAddress = new Uri(app.Urls.Single()) };

        var ready = await http.GetFromJsonAsync<Health>("/readyz");

        Assert.Equal("ready", ready!.Status);
        Assert.Equal("pg-node", ready.NodeId);
        await app.StopAsync();
    }

    [Fact]
    public async Task A_bad_setting_stops_the_node_with_a_message_naming_the_key_and_file()
    {
        var config = WriteConfig("""
            livetracker {
              http {
                port = 5080
              }
              sharding {
                shard-count = lots
              }
            }
            """);

        var (exitCode, stderr) = await RunNodeAsync(config);

        Assert.Equal(LiveTrackerHost.ConfigurationErrorExitCode, exitCode);
        // Akka's HOCON parser, which reads the file, keeps no line numbers (ADR 0012): the key and the file are named.
        Assert.Contains("akka.hocon: livetracker.sharding.shard-count = \"lots\" is not a whole number", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Broken_hocon_syntax_stops_the_node_with_the_file_and_line()
    {
        var config = WriteConfig("""
            livetracker {
              http {
                bind = "127.0.0.1
                port = 5080
              }
            }
            """);

        var (exitCode, stderr) = await RunNodeAsync(config);

        Assert.Equal(LiveTrackerHost.ConfigurationErrorExitCode, exitCode);
        Assert.Contains("akka.hocon line 3: a quoted string is not closed on its line", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_key_without_its_equals_sign_stops_the_node_naming_the_key()
    {
        var config = WriteConfig("""
            livetracker {
              http {
                port 5080
              }
            }
            """);

        var (exitCode, stderr) = await RunNodeAsync(config);

        // Akka's parser reads `port 5080` as one key with a space in it; no line to give, but the key is named.
        Assert.Equal(LiveTrackerHost.ConfigurationErrorExitCode, exitCode);
        Assert.Contains("akka.hocon: unknown key livetracker.http.port 5080; a key and its value need '=' between them: livetracker.http.port = 5080", stderr, StringComparison.Ordinal);
    }

    private string WriteConfig(string text)
    {
        var path = Path.Combine(_directory, "akka.hocon");
        File.WriteAllText(path, text);
        return path;
    }

    /// <summary>Starts the real node program, as an operator would, and waits for it to exit.</summary>
    private static async Task<(int ExitCode, string Stderr)> RunNodeAsync(string configPath)
    {
        var program = Path.Combine(AppContext.BaseDirectory, "LiveTracker.Web.dll");
        var start = new ProcessStartInfo("dotnet", ["exec", program, "--config", configPath])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        _ = process.StandardOutput.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return (process.ExitCode, await stderr);
    }

    private sealed record Health(string Status, string NodeId, long? JournalOrdering);
}
