using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using LiveTracker.Web.Hosting;
using Xunit;

namespace LiveTracker.Web.Tests.Api;

public sealed class AccountApiTests(ApiNode node) : IClassFixture<ApiNode>
{
    [Fact]
    public async Task A_signed_up_user_sees_themselves_and_the_token_stops_working_after_logout()
    {
        var user = await node.SignUpAsync("client", "Temporary Tess");

        var me = await user.Http.GetFromJsonAsync<AccountMe>("/api/me", ApiNode.Json);
        Assert.Equal(new AccountMe(user.UserId, user.Email, "Temporary Tess", "client"), me);

        Assert.Equal(HttpStatusCode.NoContent, (await user.Http.PostAsync("/api/auth/logout", null)).StatusCode);
        await ProblemAssert.IsProblemAsync(await user.Http.GetAsync("/api/me"), HttpStatusCode.Unauthorized, "unauthenticated");
    }

    [Fact]
    public async Task The_login_cookie_signs_a_browser_in_and_logout_ends_it()
    {
        var user = await node.SignUpAsync("freelancer", "Cookie Carl");
        using var handler = new HttpClientHandler { CookieContainer = new CookieContainer() };
        using var browser = new HttpClient(handler) { BaseAddress = node.BaseAddress };

        (await browser.PostAsJsonAsync("/api/auth/login", new { email = user.Email, password = user.Password })).EnsureSuccessStatusCode();
        var me = await browser.GetFromJsonAsync<AccountMe>("/api/me", ApiNode.Json);
        (await browser.PostAsync("/api/auth/logout", null)).EnsureSuccessStatusCode();

        Assert.Equal("freelancer", me!.Role);
        await ProblemAssert.IsProblemAsync(await browser.GetAsync("/api/me"), HttpStatusCode.Unauthorized, "unauthenticated");
    }

    [Fact]
    public async Task Bad_sign_ups_and_logins_get_problems_with_stable_codes()
    {
        using var http = node.Anonymous();
        var email = $"dup-{Guid.NewGuid():N}@example.test";
        Assert.Equal(HttpStatusCode.Created, (await http.PostAsJsonAsync("/api/auth/register", new { email, password = "long enough pass", displayName = "Dup", role = "client" })).StatusCode);

        await ProblemAssert.IsProblemAsync(
            await http.PostAsJsonAsync("/api/auth/register", new { email = email.ToUpperInvariant(), password = "another long pass", displayName = "Dup", role = "freelancer" }),
            HttpStatusCode.Conflict, "email-taken");
        await ProblemAssert.IsProblemAsync(
            await http.PostAsJsonAsync("/api/auth/register", new { email = "not an address", password = "long enough pass", displayName = "X", role = "client" }),
            HttpStatusCode.BadRequest, "invalid-email");
        await ProblemAssert.IsProblemAsync(
            await http.PostAsJsonAsync("/api/auth/register", new { email = "short@example.test", password = "short", displayName = "X", role = "client" }),
            HttpStatusCode.BadRequest, "invalid-password");
        await ProblemAssert.IsProblemAsync(
            await http.PostAsJsonAsync("/api/auth/register", new { email = "op@example.test", password = "long enough pass", displayName = "X", role = "operator" }),
            HttpStatusCode.BadRequest, "invalid-role");
        await ProblemAssert.IsProblemAsync(
            await http.PostAsJsonAsync("/api/auth/login", new { email, password = "wrong password!" }), HttpStatusCode.Unauthorized, "invalid-credentials");
        await ProblemAssert.IsProblemAsync(
            await http.PostAsJsonAsync("/api/auth/login", new { email = "nobody@example.test", password = "whatever it is" }), HttpStatusCode.Unauthorized, "invalid-credentials");
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "lt_forged");
        await ProblemAssert.IsProblemAsync(await http.GetAsync("/api/me"), HttpStatusCode.Unauthorized, "unauthenticated");
    }

    [Fact]
    public async Task The_openapi_document_lists_the_routes()
    {
        using var http = node.Anonymous();

        var document = await http.GetStringAsync("/openapi/v1.json");

        Assert.Contains("/api/auth/login", document, StringComparison.Ordinal);
        Assert.Contains("/api/contracts/{id}/weekly-limit", document, StringComparison.Ordinal);
    }

    public sealed record AccountMe(string UserId, string Email, string DisplayName, string Role);
}

/// <summary>Operators come from the command line only, and can then sign in.</summary>
public sealed class OperatorCommandLineTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("livetracker-ops-").FullName;

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task Users_add_operator_creates_an_operator_who_can_sign_in()
    {
        var config = Path.Combine(_directory, "node.conf");
        await File.WriteAllTextAsync(config, """livetracker { data-directory = "data", http { bind = "127.0.0.1", port = 0 } }""");

        var exit = await LiveTrackerHost.RunAsync(["users", "add-operator", "--email", "ops@example.test", "--password", "operator password", "--name", "Ops", "--config", config]);
        var again = await LiveTrackerHost.RunAsync(["users", "add-operator", "--email", "ops@example.test", "--password", "operator password", "--config", config]);

        Assert.Equal((0, 1), (exit, again));
        await using var app = LiveTrackerHost.Build(Actors.Configuration.LiveTrackerSettings.Load(config));
        await app.StartAsync();
        using var http = new HttpClient { BaseAddress = new Uri(app.Urls.Single()) };
        var login = await http.PostAsJsonAsync("/api/auth/login", new { email = "ops@example.test", password = "operator password" });
        Assert.Contains("\"role\":\"operator\"", await login.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        await app.StopAsync();
    }
}

/// <summary>Password guessing is slowed: past the configured sign-ins per minute an address gets 429.</summary>
public sealed class LoginRateLimitTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("livetracker-rate-").FullName;

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task Sign_ins_beyond_the_limit_are_refused_with_rate_limited()
    {
        var config = Path.Combine(_directory, "node.conf");
        await File.WriteAllTextAsync(config, """livetracker { data-directory = "data", http { bind = "127.0.0.1", port = 0, auth-requests-per-minute = 3 } }""");
        await using var app = LiveTrackerHost.Build(Actors.Configuration.LiveTrackerSettings.Load(config));
        await app.StartAsync();
        using var http = new HttpClient { BaseAddress = new Uri(app.Urls.Single()) };

        var answers = new List<HttpStatusCode>();
        for (var i = 0; i < 4; i++)
        {
            answers.Add((await http.PostAsJsonAsync("/api/auth/login", new { email = "guess@example.test", password = "guess number " + i })).StatusCode);
        }

        Assert.Equal([HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized], answers.Take(3));
        await ProblemAssert.IsProblemAsync(
            await http.PostAsJsonAsync("/api/auth/login", new { email = "guess@example.test", password = "once more" }), HttpStatusCode.TooManyRequests, "rate-limited");
        await app.StopAsync();
    }
}

/// <summary>Requests the framework itself refuses still get problem+json with a stable code.</summary>
public sealed class MalformedRequestTests(ApiNode node) : IClassFixture<ApiNode>
{
    [Fact]
    public async Task Unreadable_bodies_wrong_types_unknown_routes_and_methods_get_coded_problems()
    {
        using var http = node.Anonymous();

        await ProblemAssert.IsProblemAsync(
            await http.PostAsync("/api/auth/login", new StringContent("not json", System.Text.Encoding.UTF8, "application/json")), HttpStatusCode.BadRequest, "invalid-request");
        await ProblemAssert.IsProblemAsync(
            await http.PostAsync("/api/auth/login", new StringContent("{}", System.Text.Encoding.UTF8, "text/plain")), HttpStatusCode.UnsupportedMediaType, "unsupported-media-type");
        await ProblemAssert.IsProblemAsync(await http.GetAsync("/api/no-such-thing"), HttpStatusCode.NotFound, "not-found");
        await ProblemAssert.IsProblemAsync(await http.DeleteAsync("/api/auth/login"), HttpStatusCode.MethodNotAllowed, "method-not-allowed");
        await ProblemAssert.IsProblemAsync(
            await node.Client.Http.PutAsync("/api/contracts/x/weekly-limit", new StringContent("""{"hours":"many"}""", System.Text.Encoding.UTF8, "application/json")),
            HttpStatusCode.BadRequest, "invalid-request");
    }
}
