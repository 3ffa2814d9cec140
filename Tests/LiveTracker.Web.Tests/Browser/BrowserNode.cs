using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using LiveTracker.Web.Tests.Api;
using Microsoft.Playwright;
using Xunit;

namespace LiveTracker.Web.Tests.Browser;

/// <summary>
/// A real node (<see cref="ApiNode"/>, on its manual clock: Monday 2026-11-16 09:30 UTC) and Debian's Chromium driven
/// headless by Playwright. The package's own browser download is never used: <c>./test</c> installs <c>chromium</c>
/// with apt, and Playwright launches <c>/usr/bin/chromium</c>.
/// </summary>
public sealed class BrowserNode : IAsyncLifetime
{
    public const string ChromiumPath = "/usr/bin/chromium";

    private IPlaywright? _playwright;

    public ApiNode Node { get; } = new();

    public IBrowser Browser { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        // The browser first: a missing Chromium is said before a node starts.
        _playwright = await Playwright.CreateAsync();
        Browser = await LaunchAsync(_playwright);
        await Node.InitializeAsync();
    }

    /// <summary>Debian's Chromium, headless.</summary>
    public static Task<IBrowser> LaunchAsync(IPlaywright playwright)
    {
        ArgumentNullException.ThrowIfNull(playwright);
        if (!File.Exists(ChromiumPath))
        {
            throw new InvalidOperationException($"{ChromiumPath} is missing: ./test installs Debian's chromium with apt (run it as root once).");
        }

        return playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            // /dev/shm is small in containers; the GPU is absent.
            Args = ["--disable-dev-shm-usage", "--disable-gpu"],
        });
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.CloseAsync();
        }

        _playwright?.Dispose();
        await Node.DisposeAsync();
    }

    /// <summary>
    /// A browser page of its own (own cookies) in <paramref name="timeZone"/>, signed in as <paramref name="who"/>
    /// through the sign-in form; script errors and CSP violations are collected in <see cref="BrowserPage.Problems"/>.
    /// </summary>
    public Task<BrowserPage> SignInAsync(Persona who, int width = 1280, int height = 800, string timeZone = "Europe/Berlin")
    {
        ArgumentNullException.ThrowIfNull(who);
        return SignInAsync(Browser, Node.BaseAddress, who.Email, who.Password, width, height, timeZone);
    }

    /// <summary>A browser page of its own on the node at <paramref name="baseAddress"/>, signed in through the sign-in form.</summary>
    public static async Task<BrowserPage> SignInAsync(
        IBrowser browser, Uri baseAddress, string email, string password, int width = 1280, int height = 800, string timeZone = "Europe/Berlin")
    {
        ArgumentNullException.ThrowIfNull(browser);
        ArgumentNullException.ThrowIfNull(baseAddress);
        var context = await browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = baseAddress.ToString(),
            ViewportSize = new ViewportSize { Width = width, Height = height },
            TimezoneId = timeZone,
            Locale = "en-US",
        });
        context.SetDefaultTimeout(10_000);
        var page = await context.NewPageAsync();
        var result = new BrowserPage(context, page);
        await page.GotoAsync("/");
        await page.GetByLabel("E-mail").First.FillAsync(email);
        await page.GetByLabel("Password", new PageGetByLabelOptions { Exact = true }).First.FillAsync(password);
        await page.GetByRole(AriaRole.Button, new PageGetByRoleOptions { Name = "Sign in", Exact = true }).ClickAsync();
        try
        {
            // Generous: on a loaded 2-core CI machine the first sign-in of a page pays for hashing and start-up.
            await page.WaitForURLAsync(
                url => !url.EndsWith('/') && !url.Contains("/?", StringComparison.Ordinal),
                new PageWaitForURLOptions { Timeout = 30_000 });
        }
        catch (TimeoutException)
        {
            var said = string.Join(" | ", await page.GetByRole(AriaRole.Status).AllInnerTextsAsync());
            throw new TimeoutException($"{email} was not signed in within 30 s; the sign-in page says: '{said}'");
        }
        // The sign-in page asks /api/me first, and a visitor not yet signed in gets the 401 it expects.
        result.ForgetProblems();
        return result;
    }

    /// <summary>An hourly contract between the node's client and freelancer, with a card: Work View ready.</summary>
    public async Task<string> ReadyContractAsync(string title)
    {
        var created = await Node.Client.Http.PostAsJsonAsync("/api/contracts", new
        {
            freelancerEmail = Node.Freelancer.Email, title, kind = "hourly", hourlyRateCents = 4500, weeklyLimitHours = 30,
        });
        created.EnsureSuccessStatusCode();
        var contractId = (await created.Content.ReadFromJsonAsync<JsonElement>(ApiNode.Json)).GetProperty("contractId").GetString()!;
        var card = await Node.Client.Http.PostAsJsonAsync($"/api/contracts/{contractId}/payment-methods", new { kind = "card", token = "sandbox-card-ok", makeDefault = true });
        Assert.Equal(HttpStatusCode.Created, card.StatusCode);
        return contractId;
    }

    /// <summary>What the agent does every segment: one screenshot, uploaded as the freelancer.</summary>
    public async Task<string> UploadAsync(string contractId, DateTimeOffset capturedAt, byte[] jpeg, string appName, string windowTitle, string? memo = null)
    {
        using var form = new MultipartFormDataContent();
        var image = new ByteArrayContent(jpeg);
        image.Headers.ContentType = new MediaTypeHeaderValue("image/jpeg");
        form.Add(image, "image", "screen.jpg");
        var meta = new { capturedAt, idempotencyKey = $"{contractId}-{capturedAt:O}", appName, windowTitle, kind = "screen", memo };
        form.Add(new StringContent(JsonSerializer.Serialize(meta, ApiNode.Json), Encoding.UTF8, "application/json"), "meta");
        var response = await Node.Freelancer.Http.PostAsync($"/api/contracts/{contractId}/screenshots", form);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>(ApiNode.Json)).GetProperty("screenshotId").GetString()!;
    }

    /// <summary>Per-minute activity counts for a segment (what the agent reports each minute).</summary>
    public async Task ActivityAsync(string contractId, DateTimeOffset segmentStart, int activeMinutes, int seed)
    {
        var random = new Random(seed);
        var minutes = Enumerable.Range(0, 10).Select(m => m < activeMinutes
            ? new { minuteUtc = segmentStart.AddMinutes(m), keystrokes = random.Next(5, 120), mouseClicks = random.Next(0, 30), scrolls = random.Next(0, 12) }
            : new { minuteUtc = segmentStart.AddMinutes(m), keystrokes = 0, mouseClicks = 0, scrolls = 0 }).ToArray();
        random.Shuffle(minutes);
        var response = await Node.Freelancer.Http.PostAsJsonAsync($"/api/contracts/{contractId}/activity", minutes.OrderBy(m => m.minuteUtc));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }

    /// <summary>The repository's root (where LiveTracker.sln is), for saving page screenshots to docs/screenshots.</summary>
    public static string RepositoryRoot()
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

/// <summary>One signed-in browser page and what went wrong in it (uncaught errors, console errors such as CSP violations).</summary>
public sealed class BrowserPage : IAsyncDisposable
{
    private readonly List<string> _problems = [];

    public BrowserPage(IBrowserContext context, IPage page)
    {
        Context = context;
        Page = page;
        page.PageError += (_, error) => { lock (_problems) { _problems.Add("page error: " + error); } };
        page.Response += (_, response) =>
        {
            if (response.Status >= 400)
            {
                lock (_problems)
                {
                    _problems.Add($"HTTP {response.Status} {response.Url}");
                }
            }
        };
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                lock (_problems)
                {
                    _problems.Add("console: " + message.Text);
                }
            }
        };
    }

    public IBrowserContext Context { get; }

    public IPage Page { get; }

    public IReadOnlyList<string> Problems
    {
        get
        {
            lock (_problems)
            {
                return [.. _problems];
            }
        }
    }

    public void ForgetProblems()
    {
        lock (_problems)
        {
            _problems.Clear();
        }
    }

    public ValueTask DisposeAsync() => new(Context.CloseAsync());
}
