using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using LiveTracker.Agent.Control;
using LiveTracker.Agent.Local;
using Microsoft.Playwright;
using Xunit;
using static Microsoft.Playwright.Assertions;

namespace LiveTracker.Agent.Tests.EndToEnd;

/// <summary>
/// One <see cref="TrackingWorld"/> with a signed-in, running agent and Debian's Chromium driven headless by Playwright,
/// shared by the control page tests (the package's own browser download is never used). The shared clock runs 50x
/// rather than 100x: a capture then waits its ten minutes before upload for twelve real seconds, time enough for a
/// browser on a busy machine to click Discard, and a segment (with its capture) still passes in twelve.
/// </summary>
public sealed class ControlPageWorld : IAsyncLifetime
{
    public const string ChromiumPath = "/usr/bin/chromium";

    private IPlaywright? playwright;
    private IBrowser? browser;

    public TrackingWorld World { get; private set; } = null!;

    /// <summary>The page's address, secret included, as <c>livetracker-agent open</c> prints it.</summary>
    public Uri Url { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        if (!File.Exists(ChromiumPath))
        {
            throw new InvalidOperationException($"{ChromiumPath} is missing: ./test installs Debian's chromium with apt.");
        }

        World = await TrackingWorld.CreateAsync(speed: 50);
        try
        {
            await World.LoginAsync();
            World.Settings(("noticeBeforeUpload", "true"), ("noticeSeconds", "600"));
            await World.StartAgentAsync();
            Url = ControlServer.Find(World.Paths)!.Url;
            playwright = await Playwright.CreateAsync();
            browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
            {
                ExecutablePath = ChromiumPath,
                Headless = true,
                // Containers have a small /dev/shm and no GPU.
                Args = ["--disable-dev-shm-usage", "--disable-gpu"],
            });
        }
        catch
        {
            await DisposeAsync();
            throw;
        }
    }

    /// <summary>The control page in a fresh browser context of the given size; problems in it are collected.</summary>
    public async Task<ControlTab> OpenAsync(int width, int height)
    {
        var context = await browser!.NewContextAsync(new BrowserNewContextOptions
        {
            ViewportSize = new ViewportSize { Width = width, Height = height },
            Locale = "en-US",
            TimezoneId = "UTC",
        });
        context.SetDefaultTimeout(15_000);
        var page = await context.NewPageAsync();
        var tab = new ControlTab(context, page);
        await page.GotoAsync(Url.ToString());
        return tab;
    }

    /// <summary>Stops tracking, whatever a test left behind.</summary>
    public async Task StopTrackingAsync()
    {
        if (World.AgentRunning)
        {
            using var control = World.Control();
            _ = await control.PostAsync("api/stop", new NoBody());
        }
    }

    public async Task DisposeAsync()
    {
        if (browser is not null)
        {
            await browser.CloseAsync();
        }

        playwright?.Dispose();
        if (World is not null)
        {
            await World.DisposeAsync();
        }
    }
}

/// <summary>One browser tab on the control page and what went wrong in it: uncaught errors, console errors (CSP violations among them), failed requests.</summary>
public sealed class ControlTab : IAsyncDisposable
{
    private readonly IBrowserContext context;
    private readonly List<string> problems = [];

    public ControlTab(IBrowserContext context, IPage page)
    {
        this.context = context;
        Page = page;
        page.PageError += (_, error) => Problem("page error: " + error);
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                Problem($"console: {message.Text} ({message.Location})");
            }
        };
        page.RequestFailed += (_, request) => Problem($"request failed: {request.Url} {request.Failure}");
        page.Response += (_, response) =>
        {
            if (response.Status >= 400)
            {
                Problem($"HTTP {response.Status} {response.Url}");
            }
        };
    }

    public IPage Page { get; }

    public IReadOnlyList<string> Problems
    {
        get
        {
            lock (problems)
            {
                return [.. problems];
            }
        }
    }

    private void Problem(string text)
    {
        lock (problems)
        {
            problems.Add(text);
        }
    }

    public ValueTask DisposeAsync() => new(context.CloseAsync());
}

/// <summary>The agent's control page in a real browser, and its JSON API's guards against other local users and web pages.</summary>
[Collection(EndToEndCollection.Name)]
public sealed class ControlPageTests(ControlPageWorld fixture) : IClassFixture<ControlPageWorld>, IAsyncLifetime
{
    private TrackingWorld World => fixture.World;

    private ILocator Status(IPage page) => page.Locator("#status");

    public Task InitializeAsync() => fixture.StopTrackingAsync();

    public Task DisposeAsync() => fixture.StopTrackingAsync();

    [Fact]
    public async Task From_the_page_a_freelancer_tracks_with_a_memo_discards_a_capture_changes_a_setting_and_stops()
    {
        await using var tab = await fixture.OpenAsync(1280, 800);
        var page = tab.Page;
        await Expect(Status(page)).ToHaveTextAsync("Not tracking");
        await Expect(page.Locator("#contract option:checked")).ToHaveTextAsync("Checkout redesign");

        // The Work Diary opens on the server, and the control page's secret address does not go with it.
        var diary = page.GetByRole(AriaRole.Link, new PageGetByRoleOptions { Name = "Work Diary" });
        await Expect(diary).ToHaveAttributeAsync("href",
            new System.Text.RegularExpressions.Regex("^" + System.Text.RegularExpressions.Regex.Escape(
                $"{World.Proxy.Address.GetLeftPart(UriPartial.Authority)}/diary.html?contract={World.ContractId}&date=")));
        Assert.Contains("noreferrer", (await diary.GetAttributeAsync("rel"))!.Split(' '));

        World.Type(1);
        await page.GetByLabel("What are you working on?").FillAsync("Card form validation");
        await page.GetByRole(AriaRole.Button, new PageGetByRoleOptions { Name = "Start tracking" }).ClickAsync();

        await Expect(Status(page)).ToHaveTextAsync("Tracking");
        await Expect(page.Locator("#message")).ToContainTextAsync("Tracking \"Checkout redesign\": Card form validation");
        var toggle = page.GetByRole(AriaRole.Button, new PageGetByRoleOptions { Name = "Stop tracking" });
        await Expect(toggle).ToBeVisibleAsync();
        var stopwatch = page.Locator("#stopwatch");
        var before = (await stopwatch.TextContentAsync())!;
        await Expect(stopwatch).Not.ToHaveTextAsync(before);
        Assert.True(Seconds((await stopwatch.TextContentAsync())!) > Seconds(before), "the stopwatch runs forward");
        // The memo is the server's too (the client sees it in the Work Diary) and is there after a reload.
        await TrackingWorld.EventuallyAsync(async () =>
        {
            var tracking = await World.FreelancerHttp.GetFromJsonAsync<JsonElement>($"/api/me/tracking?contractId={World.ContractId}");
            return tracking.GetProperty("active").GetBoolean() && tracking.GetProperty("memo").GetString() == "Card form validation";
        }, "the server's session to carry the memo", 15);
        await page.ReloadAsync();
        await Expect(page.GetByLabel("What are you working on?")).ToHaveValueAsync("Card form validation");
        await Expect(Status(page)).ToHaveTextAsync("Tracking");

        // The segment's capture shows up while it waits to be uploaded, with a button to discard it.
        var waiting = page.Locator("#captures button[data-discard]", new PageLocatorOptions { HasTextString = "Discard" }).First;
        await Expect(waiting).ToBeVisibleAsync(new LocatorAssertionsToBeVisibleOptions { Timeout = 20_000 });
        var key = (await waiting.GetAttributeAsync("data-discard"))!;
        var tile = page.Locator("#captures li", new PageLocatorOptions { Has = page.Locator($"[data-discard='{key}']") });
        await Expect(tile).ToContainTextAsync("uploads in");
        await page.WaitForFunctionAsync(
            "key => [...document.querySelectorAll('#captures img')].some(i => i.src.includes(key) && i.complete && i.naturalWidth > 0)", key);
        if (Screenshots.Wanted)
        {
            await Screenshots.SaveAsync(page, "agent-control-page.png");
        }

        await page.Locator($"#captures [data-discard='{key}']").ClickAsync();
        await Expect(page.Locator("#message")).ToContainTextAsync("Discarded the capture");
        await Expect(page.Locator($"#captures [data-discard='{key}']")).ToHaveCountAsync(0);
        await Expect(page.Locator("#captures li p", new PageLocatorOptions { HasTextString = "discarded" }).First).ToBeVisibleAsync();
        Assert.Equal("discarded", (await World.StateAsync()).RecentCaptures.Single(c => c.Key == key).State);

        // A setting changed on the page is the agent's setting from then on, kept in settings.json.
        Assert.False(AgentSettings.Load(World.Paths).Blur);
        await page.GetByLabel("Blur captures on this computer").CheckAsync();
        await Expect(page.Locator("#message")).ToHaveTextAsync("blur = true");
        await TrackingWorld.EventuallyAsync(() => Task.FromResult(AgentSettings.Load(World.Paths).Blur), "blur true in settings.json");
        await page.ReloadAsync();
        await Expect(page.GetByLabel("Blur captures on this computer")).ToBeCheckedAsync();

        await page.GetByRole(AriaRole.Button, new PageGetByRoleOptions { Name = "Stop tracking" }).ClickAsync();
        await Expect(Status(page)).ToHaveTextAsync("Not tracking");
        await Expect(page.Locator("#message")).ToContainTextAsync("Stopped.");
        await Expect(page.GetByRole(AriaRole.Button, new PageGetByRoleOptions { Name = "Start tracking" })).ToBeVisibleAsync();
        Assert.Equal("off", (await World.StateAsync()).Status);

        AssertNoProblems(tab);
    }

    [Fact]
    public async Task With_the_keyboard_alone_Tab_reaches_the_tracking_button_and_Enter_starts_and_stops()
    {
        await using var tab = await fixture.OpenAsync(1280, 800);
        var page = tab.Page;
        await Expect(Status(page)).ToHaveTextAsync("Not tracking");
        await Expect(page.Locator("#contract option:checked")).ToHaveTextAsync("Checkout redesign");
        World.Type(1);

        for (var presses = 0; presses < 15 && await page.EvaluateAsync<string>("() => document.activeElement?.id ?? ''") != "toggle"; presses++)
        {
            await page.Keyboard.PressAsync("Tab");
        }

        var toggle = page.Locator("#toggle");
        await Expect(toggle).ToBeFocusedAsync();
        await Expect(toggle).ToHaveTextAsync("Start tracking");
        // The focused button is visibly marked.
        Assert.NotEqual("none", await toggle.EvaluateAsync<string>("b => getComputedStyle(b).outlineStyle"));

        await page.Keyboard.PressAsync("Enter");
        await Expect(Status(page)).ToHaveTextAsync("Tracking");
        await Expect(toggle).ToHaveTextAsync("Stop tracking");
        await Expect(toggle).ToBeFocusedAsync();

        await page.Keyboard.PressAsync("Enter");
        await Expect(Status(page)).ToHaveTextAsync("Not tracking");
        AssertNoProblems(tab);
    }

    [Fact]
    public async Task At_phone_width_nothing_scrolls_sideways()
    {
        await using var tab = await fixture.OpenAsync(390, 844);
        var page = tab.Page;
        await Expect(Status(page)).ToHaveTextAsync("Not tracking");
        await Expect(page.Locator("#account")).ToContainTextAsync(World.FreelancerEmail);
        await AssertNoSidewaysScrollAsync(page, "not tracking");

        World.Type(1);
        await page.GetByLabel("What are you working on?").FillAsync("Checkout page: card form validation and error messages");
        await page.GetByRole(AriaRole.Button, new PageGetByRoleOptions { Name = "Start tracking" }).ClickAsync();
        await Expect(Status(page)).ToHaveTextAsync("Tracking");
        await Expect(page.Locator("#captures li img").First).ToBeVisibleAsync(new LocatorAssertionsToBeVisibleOptions { Timeout = 20_000 });
        await page.WaitForFunctionAsync("() => [...document.querySelectorAll('#captures img')].some(i => i.complete && i.naturalWidth > 0)");
        await AssertNoSidewaysScrollAsync(page, "tracking, with captures");
        if (Screenshots.Wanted)
        {
            await Screenshots.SaveAsync(page, "agent-control-page-phone.png");
        }

        await page.GetByRole(AriaRole.Button, new PageGetByRoleOptions { Name = "Stop tracking" }).ClickAsync();
        await Expect(Status(page)).ToHaveTextAsync("Not tracking");
        AssertNoProblems(tab);
    }

    [Fact]
    public async Task The_control_API_answers_only_its_own_address_and_JSON_commands()
    {
        var url = fixture.Url;
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(World.Paths.Control));
        // A connection of its own for every request: after HttpListener itself turns a foreign Host away (404), the next
        // request on that kept-alive connection can get an empty 200 from it (no body, none of the agent's headers),
        // which would make the checks below depend on connection reuse.
        using var http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.Zero });

        using (var page = await http.GetAsync(url))
        {
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
            Assert.Contains("frame-ancestors 'none'", page.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
            Assert.Equal("no-referrer", page.Headers.GetValues("Referrer-Policy").Single());
        }

        // Without the secret from the owner-only control file: nothing.
        foreach (var guess in (string[])[$"/{new string('0', 32)}/api/state", "/api/state", "/", $"{url.AbsolutePath.TrimEnd('/')}x/api/state"])
        {
            using var wrong = await http.GetAsync(new Uri(url, guess));
            Assert.True(wrong.StatusCode == HttpStatusCode.NotFound, $"{guess}: {wrong.StatusCode}");
            Assert.DoesNotContain("contracts", await wrong.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        // A web page that got the browser to resolve its own name to 127.0.0.1 (DNS rebinding) sends its own Host, even
        // with the right secret. HttpListener turns away hosts not among its prefixes itself (404) before the agent's
        // own check (421, "Open the tracker at the address it printed.") sees them; either way nothing is told or done.
        foreach (var host in (string[])["evil.example", $"evil.example:{url.Port}", $"localhost.evil.example:{url.Port}"])
        {
            using var rebound = new HttpRequestMessage(HttpMethod.Get, new Uri(url, "api/state"));
            rebound.Headers.Host = host;
            using var answer = await http.SendAsync(rebound);
            Assert.True(answer.StatusCode is HttpStatusCode.MisdirectedRequest or HttpStatusCode.NotFound, $"Host {host}: {answer.StatusCode}");
            Assert.DoesNotContain("contracts", await answer.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        // A Host the listener does take but not the address the agent printed (another port) meets the agent's own check.
        using (var otherPort = new HttpRequestMessage(HttpMethod.Get, new Uri(url, "api/state")))
        {
            otherPort.Headers.Host = "127.0.0.1:1";
            using var answer = await http.SendAsync(otherPort);
            Assert.Equal(HttpStatusCode.MisdirectedRequest, answer.StatusCode);
            Assert.Contains("Open the tracker at the address it printed.", await answer.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        // A cross-site form can post text/plain or form data, but not JSON: commands in other types are refused.
        foreach (var (body, type) in new[] { ("""{"memo":"from another site"}""", "text/plain"), ("memo=x", "application/x-www-form-urlencoded") })
        {
            using var content = new StringContent(body, Encoding.UTF8, type);
            using var answer = await http.PostAsync(new Uri(url, "api/start"), content);
            Assert.Equal(HttpStatusCode.UnsupportedMediaType, answer.StatusCode);
        }

        var state = await World.StateAsync();
        Assert.Equal("off", state.Status);
        Assert.NotEqual("from another site", state.Memo);
    }

    private static int Seconds(string stopwatch) =>
        stopwatch.Split(':').Select(int.Parse).Aggregate(0, (total, part) => (total * 60) + part);

    private static async Task AssertNoSidewaysScrollAsync(IPage page, string when)
    {
        var widths = await page.EvaluateAsync<int[]>("() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]");
        if (widths[0] > widths[1])
        {
            // Name the innermost elements that stick out, for the failure message.
            var wide = await page.EvaluateAsync<string[]>("""
                () => [...document.querySelectorAll('body *')]
                  .filter(e => !e.closest('.visually-hidden'))
                  .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 0.5 || e.scrollWidth > e.clientWidth + 1)
                  .filter(e => ![...e.children].some(c => c.getBoundingClientRect().right > document.documentElement.clientWidth + 0.5 || c.scrollWidth > c.clientWidth + 1))
                  .map(e => `${e.tagName.toLowerCase()}${e.id ? '#' + e.id : ''}: ${Math.round(e.getBoundingClientRect().right)} px "${(e.textContent || '').trim().slice(0, 60)}"`)
                """);
            Assert.Fail($"{when}: the page is {widths[0]} px wide in a {widths[1]} px window; sticking out: {string.Join("; ", wide)}");
        }
    }

    private static void AssertNoProblems(ControlTab tab) =>
        Assert.True(tab.Problems.Count == 0, "problems in the page:\n" + string.Join("\n", tab.Problems));
}

/// <summary>
/// Page screenshots for docs/screenshots: taken only with LIVETRACKER_SAVE_SCREENSHOTS=1, so an ordinary run writes
/// nothing into the repository.
/// </summary>
internal static class Screenshots
{
    public static bool Wanted => Environment.GetEnvironmentVariable("LIVETRACKER_SAVE_SCREENSHOTS") == "1";

    public static async Task SaveAsync(IPage page, string name)
    {
        var png = await page.ScreenshotAsync(new PageScreenshotOptions { FullPage = true, Animations = ScreenshotAnimations.Disabled });
        var folder = Path.Combine(RepositoryRoot(), "docs", "screenshots");
        Directory.CreateDirectory(folder);
        await File.WriteAllBytesAsync(Path.Combine(folder, name), png);
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "LiveTracker.sln")))
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException("LiveTracker.sln not found above " + AppContext.BaseDirectory);
    }
}
