using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Mvc.Testing;
using Xunit;

namespace LiveTracker.Web.Tests.Api;

/// <summary>
/// The node as its entry point builds it (configuration from akka.hocon, every service), hosted in memory by
/// WebApplicationFactory: the same routes answer there as on the real Kestrel server the other API tests use.
/// </summary>
public sealed class InMemoryHostTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("livetracker-waf-").FullName;
    private readonly WebApplicationFactory<Program> _factory;

    public InMemoryHostTests()
    {
        var config = Path.Combine(_directory, "node.conf");
        File.WriteAllText(config, $$"""livetracker { data-directory = "{{Path.Combine(_directory, "data")}}", http { port = 0, auth-requests-per-minute = 1000 } }""");
        // The entry point reads its configuration path from here (tests of other classes pass --config instead).
        Environment.SetEnvironmentVariable("LIVETRACKER_CONFIG", config);
        _factory = new WebApplicationFactory<Program>();
    }

    public void Dispose()
    {
        _factory.Dispose();
        Environment.SetEnvironmentVariable("LIVETRACKER_CONFIG", null);
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task Registration_sign_in_and_a_contract_work_on_the_in_memory_host()
    {
        using var http = _factory.CreateClient();
        foreach (var (email, role) in new[] { ("c@example.test", "client"), ("f@example.test", "freelancer") })
        {
            Assert.Equal(HttpStatusCode.Created, (await http.PostAsJsonAsync("/api/auth/register", new { email, password = "long enough pass", displayName = role, role })).StatusCode);
        }

        var login = await http.PostAsJsonAsync("/api/auth/login", new { email = "c@example.test", password = "long enough pass" });
        var token = (await login.Content.ReadFromJsonAsync<JsonElement>(ApiNode.Json)).GetProperty("token").GetString();
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        var created = await http.PostAsJsonAsync("/api/contracts", new { freelancerEmail = "f@example.test", title = "In memory", kind = "hourly", hourlyRateCents = 100 });

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Single((await http.GetFromJsonAsync<JsonElement>("/api/contracts", ApiNode.Json)).EnumerateArray());
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/readyz")).StatusCode);
    }
}
