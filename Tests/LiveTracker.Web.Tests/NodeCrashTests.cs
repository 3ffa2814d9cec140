using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Xunit;

namespace LiveTracker.Web.Tests;

/// <summary>
/// What was answered as accepted survives kill -9 of the node: the node program is killed right after its answers
/// and started again on the same database, SQLite and PostgreSQL.
/// </summary>
public sealed class NodeCrashTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("livetracker-crash-").FullName;

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public Task A_sign_in_a_new_contract_and_a_support_report_answered_before_kill_9_are_there_after_a_restart_on_sqlite() =>
        SurvivesKillAsync("""
            livetracker {
              data-directory = "node-data"
              http.port = 0
            }
            """, new Dictionary<string, string>());

    [Fact]
    public Task A_sign_in_a_new_contract_and_a_support_report_answered_before_kill_9_are_there_after_a_restart_on_postgresql() =>
        SurvivesKillAsync("""
            livetracker {
              data-directory = "node-data"
              http.port = 0
              persistence.provider = postgresql
              persistence.connection-string = ${?LIVETRACKER_PG}
            }
            """, new Dictionary<string, string>
        {
            ["LIVETRACKER_PG"] = Environment.GetEnvironmentVariable("LIVETRACKER_TEST_PG")
                ?? throw new InvalidOperationException("LIVETRACKER_TEST_PG is not set; ./test starts PostgreSQL and sets it."),
        });

    private async Task SurvivesKillAsync(string configText, Dictionary<string, string> environment)
    {
        var config = Path.Combine(_directory, "akka.hocon");
        await File.WriteAllTextAsync(config, configText);
        var email = $"crash-{Guid.NewGuid():N}@example.com";
        var freelancerEmail = $"crash-worker-{Guid.NewGuid():N}@example.com";
        string token, contractId;
        await using (var node = await NodeProcess.StartAsync(config, environment))
        {
            using var http = new HttpClient { BaseAddress = node.BaseAddress };
            (await http.PostAsJsonAsync("/api/auth/register", new { email, password = "correct horse battery", displayName = "Crash", role = "client" })).EnsureSuccessStatusCode();
            var login = await http.PostAsJsonAsync("/api/auth/login", new { email, password = "correct horse battery" });
            Assert.Equal(HttpStatusCode.OK, login.StatusCode);
            token = (await login.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString()!;
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
            (await http.PostAsJsonAsync("/api/auth/register", new { email = freelancerEmail, password = "correct horse battery", displayName = "Worker", role = "freelancer" })).EnsureSuccessStatusCode();
            var created = await http.PostAsJsonAsync("/api/contracts", new { freelancerEmail, title = "Made before the crash", kind = "hourly", hourlyRateCents = 4200 });
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            contractId = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("contractId").GetString()!;
            var report = await http.PostAsJsonAsync("/api/support/reports", new { kind = "problem", description = "Filed right before the crash" });
            Assert.Equal(HttpStatusCode.Created, report.StatusCode);

            await node.KillAsync();
        }

        var operatorEmail = $"ops-{Guid.NewGuid():N}@example.com";
        Assert.Equal(0, await NodeProcess.RunCommandAsync(config, environment, "users", "add-operator", "--email", operatorEmail, "--password", "operator password 1"));
        await using var restarted = await NodeProcess.StartAsync(config, environment);
        using var again = new HttpClient { BaseAddress = restarted.BaseAddress };
        again.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);

        var me = await again.GetAsync("/api/me");

        Assert.Equal(HttpStatusCode.OK, me.StatusCode);
        Assert.Equal(email, (await me.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("email").GetString());
        var contract = await again.GetFromJsonAsync<JsonElement>($"/api/contracts/{contractId}");
        Assert.Equal(("Made before the crash", 4200), (contract.GetProperty("title").GetString(), contract.GetProperty("hourlyRateCents").GetInt32()));
        using var operatorHttp = new HttpClient { BaseAddress = restarted.BaseAddress };
        var operatorLogin = await operatorHttp.PostAsJsonAsync("/api/auth/login", new { email = operatorEmail, password = "operator password 1" });
        operatorHttp.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue(
            "Bearer", (await operatorLogin.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString());
        var reports = await operatorHttp.GetFromJsonAsync<JsonElement>("/api/support/reports");
        Assert.Contains(reports.EnumerateArray(), r => r.GetProperty("email").GetString() == email
            && r.GetProperty("description").GetString() == "Filed right before the crash");
        await restarted.StopAsync();
    }
}
