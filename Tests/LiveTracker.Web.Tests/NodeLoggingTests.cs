using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using LiveTracker.Web.Tests.Api;
using Xunit;

namespace LiveTracker.Web.Tests;

/// <summary>
/// What an operator reads in a node's log: the node program as <c>./run</c> starts it, used by a client and a
/// freelancer over HTTP and the live hub, then stopped with SIGTERM.
/// </summary>
public sealed partial class NodeLoggingTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("livetracker-logs-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task At_the_default_level_a_busy_node_logs_its_start_stop_and_domain_events_but_no_line_per_request()
    {
        var (log, token) = await RunBusyNodeAsync(accessLog: false);

        Assert.Contains("LiveTracker node node-1 started", log, StringComparison.Ordinal);
        Assert.Matches(ContractCreatedLine(), log);
        Assert.Contains("Application is shutting down", log, StringComparison.Ordinal);
        var perRequest = log.Split('\n').Where(l => l.Contains("info: Microsoft.AspNetCore", StringComparison.Ordinal)).ToList();
        Assert.True(perRequest.Count == 0, "framework info lines: " + string.Join(" | ", perRequest.Distinct()));
        Assert.DoesNotContain("Executing endpoint", log, StringComparison.Ordinal);
        Assert.DoesNotContain("/api/contracts", log, StringComparison.Ordinal);
        Assert.DoesNotContain(token, log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_the_access_log_on_each_request_gets_one_line_without_its_query_string()
    {
        var (log, token) = await RunBusyNodeAsync(accessLog: true);

        var requestLines = log.Split('\n').Where(l => l.Contains("HttpLoggingMiddleware", StringComparison.Ordinal)).ToList();
        Assert.Contains(requestLines, l => l.Contains("Method: POST", StringComparison.Ordinal) && l.Contains("Path: /api/contracts ", StringComparison.Ordinal)
            && l.Contains("StatusCode: 201", StringComparison.Ordinal) && l.Contains("Duration: ", StringComparison.Ordinal));
        Assert.Contains(requestLines, l => l.Contains("Path: /hubs/workview", StringComparison.Ordinal));
        Assert.Equal(20, requestLines.Count(l => l.Contains("Path: /healthz ", StringComparison.Ordinal)));
        Assert.DoesNotContain(token, log, StringComparison.Ordinal);
        Assert.DoesNotContain("access_token", log, StringComparison.Ordinal);
    }

    [GeneratedRegex(@"Contract ct_[0-9a-f]+ created: Hourly, 2500 cents an hour in USD")]
    private static partial Regex ContractCreatedLine();

    /// <summary>Starts the node, registers two people, makes a contract, watches it live, tracks, then stops the node.</summary>
    private async Task<(string Log, string ClientToken)> RunBusyNodeAsync(bool accessLog)
    {
        var config = Path.Combine(_directory, "akka.hocon");
        await File.WriteAllTextAsync(config, """
            livetracker {
              data-directory = "node-data"
              http.port = 0
              http.access-log = off
              http.access-log = ${?LIVETRACKER_ACCESS_LOG}
            }
            """);
        await using var node = await NodeProcess.StartAsync(config, new Dictionary<string, string> { ["LIVETRACKER_ACCESS_LOG"] = accessLog ? "on" : "off" });
        var token = await ExerciseAsync(node.BaseAddress);
        await node.StopAsync();
        return (node.Output, token);
    }

    private static async Task<string> ExerciseAsync(Uri baseAddress)
    {
        using var http = new HttpClient { BaseAddress = baseAddress };
        async Task<string> SignUpAsync(string role)
        {
            var email = $"{role}-{Guid.NewGuid():N}@example.com";
            (await http.PostAsJsonAsync("/api/auth/register", new { email, password = "correct horse battery", displayName = role, role })).EnsureSuccessStatusCode();
            var login = await http.PostAsJsonAsync("/api/auth/login", new { email, password = "correct horse battery" });
            login.EnsureSuccessStatusCode();
            return (await login.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString()!;
        }

        var client = await SignUpAsync("client");
        var freelancerEmail = $"freelancer-{Guid.NewGuid():N}@example.com";
        (await http.PostAsJsonAsync("/api/auth/register", new { email = freelancerEmail, password = "correct horse battery", displayName = "F", role = "freelancer" })).EnsureSuccessStatusCode();
        using var create = new HttpRequestMessage(HttpMethod.Post, "/api/contracts")
        {
            Content = JsonContent.Create(new { freelancerEmail, title = "Logged", kind = "hourly", hourlyRateCents = 2500 }),
            Headers = { Authorization = new AuthenticationHeaderValue("Bearer", client) },
        };
        var created = await http.SendAsync(create);
        created.EnsureSuccessStatusCode();
        var contractId = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("contractId").GetString()!;
        await using (var hub = await TestHubClient.ConnectAsync(baseAddress, client))
        {
            await hub.InvokeAsync("Watch", contractId);
            for (var i = 0; i < 20; i++)
            {
                using var list = new HttpRequestMessage(HttpMethod.Get, "/api/contracts") { Headers = { Authorization = new AuthenticationHeaderValue("Bearer", client) } };
                (await http.SendAsync(list)).EnsureSuccessStatusCode();
                (await http.GetAsync("/healthz")).EnsureSuccessStatusCode();
            }

            await hub.InvokeAsync("Unwatch", contractId);
        }

        Assert.Equal(System.Net.HttpStatusCode.NotFound, (await http.GetAsync("/api/no-such-thing")).StatusCode);
        (await http.GetAsync("/")).EnsureSuccessStatusCode();
        return client;
    }
}
