using Microsoft.Extensions.Time.Testing;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using LiveTracker.Actors.Configuration;
using LiveTracker.Testing;
using LiveTracker.Web.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace LiveTracker.Web.Tests.Api;

/// <summary>
/// A real node (Kestrel on a free port, embedded SQLite in a temp directory) on a manual clock that starts on
/// Monday 2026-11-16 09:30 UTC, with four signed-up users: two clients and two freelancers.
/// </summary>
public sealed class ApiNode : IAsyncLifetime
{
    public static readonly DateTimeOffset Start = new(2026, 11, 16, 9, 30, 0, TimeSpan.Zero);

    private readonly string _directory = Directory.CreateTempSubdirectory("livetracker-api-").FullName;
    private WebApplication? _app;

    public FakeTimeProvider Clock { get; } = new(Start);

    public Uri BaseAddress { get; private set; } = null!;

    public Persona Client { get; private set; } = null!;

    public Persona Freelancer { get; private set; } = null!;

    public Persona OtherClient { get; private set; } = null!;

    public Persona OtherFreelancer { get; private set; } = null!;

    /// <summary>Made the way the command line makes operators (never by registration).</summary>
    public Persona Operator { get; private set; } = null!;

    public IServiceProvider Services => _app!.Services;

    public static JsonSerializerOptions Json { get; } = new(JsonSerializerDefaults.Web);

    public async Task InitializeAsync()
    {
        var config = Path.Combine(_directory, "node.conf");
        // Every message goes through the serializer, as between nodes: one that could not cross the network fails here.
        await File.WriteAllTextAsync(config, """
            livetracker { data-directory = "data", http { bind = "127.0.0.1", port = 0, auth-requests-per-minute = 1000 } }
            """ + Environment.NewLine + LiveTracker.Testing.LocalOnlySerializer.Hocon);
        _app = LiveTrackerHost.Build(LiveTrackerSettings.Load(config), time: Clock);
        await _app.StartAsync();
        BaseAddress = new Uri(_app.Urls.Single());
        Client = await SignUpAsync("client", "Cleo Client");
        Freelancer = await SignUpAsync("freelancer", "Fred Freelancer");
        OtherClient = await SignUpAsync("client", "Olga Otherclient");
        OtherFreelancer = await SignUpAsync("freelancer", "Oscar Otherfreelancer");
        Operator = await AddOperatorAsync();
    }

    private async Task<Persona> AddOperatorAsync()
    {
        var email = $"operator-{Guid.NewGuid():N}@example.test";
        const string password = "operator password";
        var created = await LiveTracker.Web.Endpoints.AccountEndpoints.CreateAccountAsync(
            Services.GetRequiredService<LiveTracker.Web.Api.DomainClient>(),
            Services.GetRequiredService<Microsoft.AspNetCore.Identity.IPasswordHasher<string>>(),
            email, password, "Olivia Operator", LiveTracker.Actors.Accounts.UserRole.Operator, CancellationToken.None);
        Assert.IsType<LiveTracker.Actors.Contracts.Accepted>(created);
        using var anonymous = Anonymous();
        var login = await anonymous.PostAsJsonAsync("/api/auth/login", new { email, password });
        var session = (await login.Content.ReadFromJsonAsync<LoginBody>(Json))!;
        var http = Anonymous();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", session.Token);
        return new Persona("Olivia Operator", email, password, session.UserId, session.Token, http);
    }

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }

        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    public HttpClient Anonymous() => new() { BaseAddress = BaseAddress };

    /// <summary>Registers and signs in a new user of <paramref name="role"/>; the persona's client sends its bearer token.</summary>
    public async Task<Persona> SignUpAsync(string role, string name)
    {
        var email = $"{role}-{Guid.NewGuid():N}@example.test";
        const string password = "correct horse battery";
        using var anonymous = Anonymous();
        var registered = await anonymous.PostAsJsonAsync("/api/auth/register", new { email, password, displayName = name, role });
        Assert.Equal(System.Net.HttpStatusCode.Created, registered.StatusCode);
        var login = await anonymous.PostAsJsonAsync("/api/auth/login", new { email, password });
        login.EnsureSuccessStatusCode();
        var session = (await login.Content.ReadFromJsonAsync<LoginBody>(Json))!;
        var http = Anonymous();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", session.Token);
        return new Persona(name, email, password, session.UserId, session.Token, http);
    }

    public sealed record LoginBody(string Token, string UserId, string Role);
}

/// <summary>A signed-in user and an HTTP client that sends their bearer token.</summary>
public sealed record Persona(string Name, string Email, string Password, string UserId, string Token, HttpClient Http);
