using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using LiveTracker.Actors.Configuration;
using LiveTracker.Agent.Control;
using LiveTracker.Agent.Local;
using LiveTracker.Agent.Tracking;
using LiveTracker.Web.Hosting;
using Microsoft.AspNetCore.Builder;
using Xunit;

namespace LiveTracker.Agent.Tests.EndToEnd;

/// <summary>
/// Everything the agent meets in real life, in one test: an X server with a window manager and an xterm, a real
/// LiveTracker node (Kestrel, SQLite journal in a temp folder) behind a <see cref="ServerProxy"/>, a client and a
/// freelancer with an hourly contract, and the agent itself as a separate process (<c>livetracker-agent run</c>),
/// signed in through its command line. The node and the agent share one fast clock (<see cref="AgentClock"/>):
/// 60x, so a ten-minute segment passes in ten seconds (faster, and a busy machine's pauses grow into minutes).
/// </summary>
public sealed class TrackingWorld : IAsyncDisposable
{
    public static readonly DateTimeOffset Start = new(2026, 11, 18, 10, 0, 0, TimeSpan.Zero);
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly string directory = Directory.CreateTempSubdirectory("livetracker-e2e-").FullName;
    private readonly List<string> agentOutput = [];
    private WebApplication? node;
    private int port;
    private Process? agent;

    private TrackingWorld(AgentClock clock, XServer x)
    {
        Clock = clock;
        X = x;
    }

    public AgentClock Clock { get; }

    public XServer X { get; }

    public ServerProxy Proxy { get; private set; } = null!;

    public Uri Server { get; private set; } = null!;

    public HttpClient ClientHttp { get; private set; } = null!;

    public HttpClient FreelancerHttp { get; private set; } = null!;

    public string FreelancerEmail { get; private set; } = null!;

    public const string Password = "correct horse battery";

    public string ContractId { get; private set; } = null!;

    public string Xterm { get; private set; } = null!;

    /// <summary>The session bus the agent gets (none by default: no desktop notifications).</summary>
    public string? SessionBusAddress { get; set; }

    public AgentPaths Paths => AgentPaths.FromEnvironment(name => name == "LIVETRACKER_AGENT_HOME" ? Path.Combine(directory, "agent") : null);

    public static async Task<TrackingWorld> CreateAsync(
        int idleTimeoutMinutes = 240, double speed = 60, string nodeSettings = "", string? windowTitle = null)
    {
        var x = XServer.Start(windowManager: true);
        var world = new TrackingWorld(new AgentClock(speed, Start, DateTimeOffset.UtcNow), x);
        try
        {
            world.Xterm = windowTitle is null ? x.Xterm("TrackedTerm") : x.Xterm("TrackedTerm", "-T", windowTitle);
            await world.StartNodeAsync(nodeSettings);
            world.Proxy = await ServerProxy.StartAsync(world.Server);
            await world.SignUpAsync(idleTimeoutMinutes);
            return world;
        }
        catch
        {
            await world.DisposeAsync();
            throw;
        }
    }

    // ---------------------------------------------------------------- the node

    private string nodeSettings = "";

    public async Task StartNodeAsync(string settings = "")
    {
        nodeSettings = settings.Length > 0 ? settings : nodeSettings;
        var config = Path.Combine(directory, "node.conf");
        await File.WriteAllTextAsync(config, $$"""
            livetracker {
              data-directory = "{{Path.Combine(directory, "node")}}"
              http { bind = "127.0.0.1", port = {{port}}, auth-requests-per-minute = 1000, uploads-per-minute = 100000 }
              # Timeouts are on the shared fast clock: 30 minutes of it is 30 s of real time.
              actors { ask-timeout = 30m }
              sharding { passivate-idle-entity-after = 1h }
              {{nodeSettings}}
            }
            """);
        node = LiveTrackerHost.Build(LiveTrackerSettings.Load(config), time: Clock);
        await node.StartAsync();
        Server = new Uri(node.Urls.Single());
        port = Server.Port;
    }

    public async Task StopNodeAsync()
    {
        if (node is not null)
        {
            await node.StopAsync();
            await node.DisposeAsync();
            node = null;
        }
    }

    private async Task SignUpAsync(int idleTimeoutMinutes)
    {
        ClientHttp = await SignedInAsync("client", $"client-{Guid.NewGuid():N}@example.test");
        FreelancerEmail = $"freelancer-{Guid.NewGuid():N}@example.test";
        FreelancerHttp = await SignedInAsync("freelancer", FreelancerEmail);
        var created = await ClientHttp.PostAsJsonAsync("/api/contracts", new
        {
            freelancerEmail = FreelancerEmail, title = "Checkout redesign", kind = "hourly", hourlyRateCents = 6000, currency = "USD",
            segmentMinutes = 10, idleTimeoutMinutes,
        });
        Assert.Equal(System.Net.HttpStatusCode.Created, created.StatusCode);
        ContractId = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("contractId").GetString()!;
    }

    private async Task<HttpClient> SignedInAsync(string role, string email)
    {
        var http = new HttpClient { BaseAddress = Server };
        var registered = await http.PostAsJsonAsync("/api/auth/register", new { email, password = Password, displayName = role, role });
        Assert.Equal(System.Net.HttpStatusCode.Created, registered.StatusCode);
        var login = await http.PostAsJsonAsync("/api/auth/login", new { email, password = Password });
        var token = (await login.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return http;
    }

    /// <summary>The contract's Work Diary for the day of <paramref name="at"/>, as the client sees it.</summary>
    public async Task<List<DiarySegment>> DiaryAsync(DateTimeOffset? at = null)
    {
        var day = (at ?? Clock.GetUtcNow()).UtcDateTime.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        var diary = await ClientHttp.GetFromJsonAsync<JsonElement>($"/api/contracts/{ContractId}/diary?date={day}");
        return [.. diary.GetProperty("segments").EnumerateArray().Select(s => JsonSerializer.Deserialize<DiarySegment>(s.GetRawText(), Json)!)];
    }

    // ---------------------------------------------------------------- the agent

    /// <summary>Runs one command of the agent's command line to its end; returns exit code and output.</summary>
    public async Task<(int Code, string Output)> CliWithInputAsync(string stdin, params string[] args)
    {
        using var process = Process.Start(AgentInfo(args)) ?? throw new InvalidOperationException("cannot start the agent");
        await process.StandardInput.WriteAsync(stdin);
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, (await output) + (await error));
    }

    public Task<(int Code, string Output)> CliAsync(params string[] args) => CliWithInputAsync("", args);

    public async Task LoginAsync()
    {
        var (code, output) = await CliWithInputAsync(Password + "\n", "login", "--server", Proxy.Address.ToString(), "--email", FreelancerEmail, "--password-stdin");
        Assert.True(code == 0, output);
    }

    /// <summary>Settings written before the agent starts (it reads them at start).</summary>
    public void Settings(params (string Key, string Value)[] values)
    {
        var settings = AgentSettings.Load(Paths);
        foreach (var (key, value) in values)
        {
            settings = settings.With(key, value);
        }

        settings.Save(Paths);
    }

    public async Task StartAgentAsync()
    {
        agent = Process.Start(AgentInfo("run")) ?? throw new InvalidOperationException("cannot start the agent");
        var process = agent;
        process.OutputDataReceived += (_, e) => Keep(e.Data);
        process.ErrorDataReceived += (_, e) => Keep(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        await EventuallyAsync(() => Task.FromResult(ControlServer.Find(Paths)?.Pid == process.Id), "the agent's control page", 30);
    }

    /// <summary>kill -9: no clean-up of any kind.</summary>
    public void KillAgent()
    {
        agent!.Kill(entireProcessTree: true);
        agent.WaitForExit();
    }

    public async Task StopAgentAsync()
    {
        if (agent is { HasExited: false })
        {
            _ = Process.Start("kill", ["-TERM", agent.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!;
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await agent.WaitForExitAsync(timeout.Token);
        }
    }

    public bool AgentRunning => agent is { HasExited: false };

    public int AgentPid => agent!.Id;

    public string AgentOutput
    {
        get
        {
            lock (agentOutput)
            {
                return string.Join('\n', agentOutput);
            }
        }
    }

    public ControlClient Control() => new(ControlServer.Find(Paths) ?? throw new InvalidOperationException("the agent is not running:\n" + AgentOutput));

    public async Task<TrackerView> StateAsync()
    {
        using var control = Control();
        return await control.StateAsync();
    }

    private void Keep(string? line)
    {
        if (line is not null)
        {
            lock (agentOutput)
            {
                agentOutput.Add(line);
            }
        }
    }

    /// <summary>
    /// The agent as it ships (self-contained, trimmed), which ./test publishes and names in LIVETRACKER_AGENT_EXE, so
    /// these tests catch what trimming breaks; else the build output beside the tests, run by dotnet.
    /// </summary>
    private static readonly string? PublishedAgent = Environment.GetEnvironmentVariable("LIVETRACKER_AGENT_EXE") is { Length: > 0 } exe
        ? File.Exists(exe) ? exe : throw new FileNotFoundException($"LIVETRACKER_AGENT_EXE: no agent at {exe}")
        : null;

    private ProcessStartInfo AgentInfo(params string[] args)
    {
        var info = new ProcessStartInfo(PublishedAgent ?? "dotnet")
        {
            RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false,
        };
        if (PublishedAgent is null)
        {
            info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "livetracker-agent.dll"));
        }

        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment["LIVETRACKER_AGENT_HOME"] = Path.Combine(directory, "agent");
        info.Environment["LIVETRACKER_AGENT_CLOCK"] = Clock.Describe();
        info.Environment["DISPLAY"] = X.Display;
        info.Environment.Remove("WAYLAND_DISPLAY");
        info.Environment.Remove("DBUS_SESSION_BUS_ADDRESS");
        info.Environment.Remove("XDG_RUNTIME_DIR");
        if (SessionBusAddress is not null)
        {
            info.Environment["DBUS_SESSION_BUS_ADDRESS"] = SessionBusAddress;
        }
        return info;
    }

    // ---------------------------------------------------------------- waiting

    /// <summary>Time on the shared clock: <paramref name="minutes"/> of it, in real time.</summary>
    public Task PassAsync(double minutes) => Task.Delay(TimeSpan.FromMinutes(minutes) / Clock.Speed);

    public static async Task EventuallyAsync(Func<Task<bool>> condition, string what, double seconds = 30)
    {
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            if (clock.Elapsed.TotalSeconds > seconds)
            {
                throw new TimeoutException($"timed out after {seconds} s waiting for {what}");
            }

            await Task.Delay(50);
        }
    }

    /// <summary>Waits until the agent's outbox has nothing left to send.</summary>
    public Task DrainOutboxAsync(double seconds = 30) =>
        EventuallyAsync(async () => await StateAsync() is { CapturesWaiting: 0, MinutesWaiting: 0 }, "the outbox to empty", seconds);

    /// <summary>Types <paramref name="count"/> characters into the xterm (each is one keystroke).</summary>
    public void Type(int count) => X.Run("xdotool", "type", "--delay", "1", new string('x', count));

    public async ValueTask DisposeAsync()
    {
        if (agent is { HasExited: false })
        {
            agent.Kill(entireProcessTree: true);
            await agent.WaitForExitAsync();
        }

        agent?.Dispose();
        if (Proxy is not null)
        {
            await Proxy.DisposeAsync();
        }

        await StopNodeAsync();
        ClientHttp?.Dispose();
        FreelancerHttp?.Dispose();
        X.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

public sealed record DiaryShot(string Id, DateTimeOffset CapturedAt, string Url, string ThumbUrl, bool Black);

public sealed record DiaryMinute(DateTimeOffset MinuteUtc, int Keystrokes, int MouseClicks, int Scrolls);

public sealed record DiarySegment(
    DateTimeOffset SegmentStart, string Status, bool Billable, int ActiveMinutes, List<DiaryMinute> Activity, string? Memo, string? ActivityLabel,
    string? AppName, string? WindowTitle, DiaryShot? Screenshot);
