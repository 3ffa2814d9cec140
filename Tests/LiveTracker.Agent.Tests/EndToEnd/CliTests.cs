using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using LiveTracker.Agent.Local;
using Xunit;

namespace LiveTracker.Agent.Tests.EndToEnd;

/// <summary>One <see cref="TrackingWorld"/> (node, proxy, X server; the agent not signed in, not running) for the command-line tests.</summary>
public sealed class CliWorld : IAsyncLifetime
{
    public TrackingWorld World { get; private set; } = null!;

    public async Task InitializeAsync() => World = await TrackingWorld.CreateAsync();

    public async Task DisposeAsync()
    {
        if (World is not null)
        {
            await World.DisposeAsync();
        }
    }
}

/// <summary>
/// <c>livetracker-agent</c> as a freelancer types it: what it says and its exit code when signing in goes wrong or
/// right, when the agent is not running, and when a setting or a contract is refused.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class CliTests(CliWorld fixture) : IClassFixture<CliWorld>
{
    private TrackingWorld World => fixture.World;

    private string Server => World.Proxy.Address.ToString();

    [Fact]
    public async Task Login_with_a_wrong_password_says_so_and_saves_nothing()
    {
        var before = Credentials.Load(World.Paths);

        var (code, output) = await World.CliWithInputAsync("not the password\n", "login", "--server", Server, "--email", World.FreelancerEmail, "--password-stdin");

        Assert.True(code == 1, output);
        Assert.Contains("Wrong e-mail or password.", output, StringComparison.Ordinal);
        Assert.Equal(before, Credentials.Load(World.Paths));
    }

    [Fact]
    public async Task Login_as_a_client_is_refused_naming_the_client_account()
    {
        var email = $"client-{Guid.NewGuid():N}@example.test";
        using (var http = new HttpClient { BaseAddress = World.Server })
        {
            var registered = await http.PostAsJsonAsync("/api/auth/register", new { email, password = TrackingWorld.Password, displayName = "Cleo Client", role = "client" });
            Assert.Equal(HttpStatusCode.Created, registered.StatusCode);
        }

        var before = Credentials.Load(World.Paths);

        var (code, output) = await World.CliWithInputAsync(TrackingWorld.Password + "\n", "login", "--server", Server, "--email", email, "--password-stdin");

        Assert.True(code == 1, output);
        Assert.Contains($"{email} is a client account", output, StringComparison.Ordinal);
        Assert.Contains("freelancer", output, StringComparison.Ordinal);
        Assert.Equal(before, Credentials.Load(World.Paths));
    }

    [Fact]
    public async Task Login_through_a_captive_portal_asks_whether_the_server_address_is_right()
    {
        var before = Credentials.Load(World.Paths);
        World.Proxy.Mode = ProxyMode.Garbage;
        try
        {
            var (code, output) = await World.CliWithInputAsync(TrackingWorld.Password + "\n", "login", "--server", Server, "--email", World.FreelancerEmail, "--password-stdin");

            Assert.True(code == 1, output);
            Assert.Contains("is the server address right?", output, StringComparison.Ordinal);
            Assert.Contains(World.Proxy.Address.GetLeftPart(UriPartial.Authority), output, StringComparison.Ordinal);
        }
        finally
        {
            World.Proxy.Mode = ProxyMode.Forward;
        }

        Assert.Equal(before, Credentials.Load(World.Paths));
    }

    [Fact]
    public async Task Login_keeps_the_sign_in_owner_only_and_chooses_the_only_hourly_contract()
    {
        // A first sign-in on this computer.
        File.Delete(World.Paths.Credentials);
        File.Delete(World.Paths.Settings);

        var (code, output) = await World.CliWithInputAsync(TrackingWorld.Password + "\n", "login", "--server", Server, "--email", World.FreelancerEmail, "--password-stdin");

        Assert.True(code == 0, output);
        Assert.Contains($"Signed in to {World.Proxy.Address.GetLeftPart(UriPartial.Authority)} as {World.FreelancerEmail}.", output, StringComparison.Ordinal);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(World.Paths.Credentials));
        var credentials = Credentials.Load(World.Paths)!;
        Assert.Equal(World.FreelancerEmail, credentials.Email);
        Assert.NotEmpty(credentials.Token);
        Assert.Equal(World.ContractId, AgentSettings.Load(World.Paths).ContractId);
        var lines = output.Split('\n', StringSplitOptions.TrimEntries);
        Assert.Contains($"* {World.ContractId}  Checkout redesign  (60.00 USD/h)", lines);
        Assert.Single(lines, l => l.StartsWith('*'));

        (code, output) = await World.CliAsync("contracts");
        Assert.True(code == 0, output);
        Assert.Contains($"* {World.ContractId}  Checkout redesign  (60.00 USD/h)", output.Split('\n', StringSplitOptions.TrimEntries));

        // Without a running agent, `use` asks the server whether the contract is one of this freelancer's.
        (code, output) = await World.CliAsync("use", "ct_00000000000000000000000000000000");
        Assert.Equal(1, code);
        Assert.Contains("No contract ct_00000000000000000000000000000000 among yours", output, StringComparison.Ordinal);
        Assert.Equal(World.ContractId, AgentSettings.Load(World.Paths).ContractId);
        (code, output) = await World.CliAsync("use", World.ContractId);
        Assert.True(code == 0, output);
    }

    [Fact]
    public async Task Status_without_a_running_agent_says_how_to_start_it()
    {
        var (code, output) = await World.CliAsync("status");

        Assert.True(code == 1, output);
        Assert.Contains("The agent is not running", output, StringComparison.Ordinal);
        Assert.Contains("livetracker-agent run", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Settings_are_checked_and_kept_without_a_running_agent()
    {
        var quality = AgentSettings.Load(World.Paths).JpegQuality;

        var (code, output) = await World.CliAsync("settings", "jpegQuality", "500");
        Assert.True(code == 1, output);
        Assert.Contains("jpegQuality", output, StringComparison.Ordinal);
        Assert.Contains("10-95", output, StringComparison.Ordinal);
        Assert.Equal(quality, AgentSettings.Load(World.Paths).JpegQuality);

        (code, output) = await World.CliAsync("settings", "jpegQualty", "70");
        Assert.True(code == 1, output);
        Assert.Contains("unknown setting 'jpegQualty'", output, StringComparison.Ordinal);

        (code, output) = await World.CliAsync("settings", "captureArea", "active-monitor");
        Assert.True(code == 0, output);
        Assert.Contains("captureArea = active-monitor", output, StringComparison.Ordinal);
        Assert.Equal("active-monitor", AgentSettings.Load(World.Paths).CaptureArea);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(World.Paths.Settings));

        (code, output) = await World.CliAsync("settings", "captureArea");
        Assert.True(code == 0, output);
        Assert.StartsWith("captureArea = active-monitor", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_running_agent_refuses_to_track_a_fixed_price_contract_or_one_that_is_not_yours()
    {
        var created = await World.ClientHttp.PostAsJsonAsync("/api/contracts", new
        {
            freelancerEmail = World.FreelancerEmail, title = "Landing page copy", kind = "fixed", currency = "USD",
        });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var fixedId = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("contractId").GetString()!;
        await World.LoginAsync();
        await World.StartAgentAsync();
        try
        {
            var (code, output) = await World.CliAsync("start", "--contract", fixedId, "--memo", "Copy for the hero section");
            Assert.True(code == 1, output);
            Assert.Contains("\"Landing page copy\" is fixed-price", output, StringComparison.Ordinal);

            (code, output) = await World.CliAsync("use", "c-not-mine");
            Assert.True(code == 1, output);
            Assert.Contains("No contract c-not-mine", output, StringComparison.Ordinal);
            Assert.Equal(World.ContractId, AgentSettings.Load(World.Paths).ContractId);

            (code, output) = await World.CliAsync("status");
            Assert.True(code == 0, output);
            Assert.StartsWith("Not tracking", output, StringComparison.Ordinal);
        }
        finally
        {
            await World.StopAgentAsync();
        }
    }
}
