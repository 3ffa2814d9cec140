using System.Net.Http.Json;
using LiveTracker.Actors.Accounts;
using LiveTracker.Web.Api;
using LiveTracker.Web.Endpoints;
using LiveTracker.Web.Tests.Api;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Xunit;
using static Microsoft.Playwright.Assertions;

namespace LiveTracker.Web.Tests.Browser;

/// <summary>
/// The pages in a real browser against a real node: the live Work Diary as a client and a freelancer see it, the
/// keyboard-only path through it, and how it fits a phone. Times: the node's clock is Monday 2026-11-16 09:30 UTC;
/// the client's browser is in Berlin (UTC+1), the freelancer's in New York.
/// </summary>
public sealed class WorkDiaryPageTests(BrowserNode browser) : IClassFixture<BrowserNode>
{
    private const string Day = "2026-11-16";

    private ApiNode Node => browser.Node;

    [Fact]
    public async Task A_capture_appears_live_in_the_open_diary_the_client_rejects_it_and_the_freelancers_open_page_is_told()
    {
        var contractId = await browser.ReadyContractAsync("Live diary");

        await using var client = await browser.SignInAsync(Node.Client);
        Assert.EndsWith("/client.html", client.Page.Url, StringComparison.Ordinal);
        var card = client.Page.Locator($"[data-contract-id='{contractId}']");
        await Expect(card.GetByText("Work View ready")).ToBeVisibleAsync();
        await card.GetByRole(AriaRole.Link, new LocatorGetByRoleOptions { Name = "Work Diary" }).ClickAsync();
        await client.Page.WaitForURLAsync("**/diary.html?contract=*");
        await client.Page.GetByLabel("Day", new PageGetByLabelOptions { Exact = true }).FillAsync(Day);
        await client.Page.GetByRole(AriaRole.Button, new PageGetByRoleOptions { Name = "Show", Exact = true }).ClickAsync();
        await client.Page.WaitForURLAsync($"**date={Day}");
        await Expect(client.Page.Locator("#live-state")).ToHaveAttributeAsync("data-state", "live");
        await client.Page.EvaluateAsync("() => { window.stillTheSamePage = true; }");

        await using var freelancer = await browser.SignInAsync(Node.Freelancer, timeZone: "America/New_York");
        Assert.EndsWith("/freelancer.html", freelancer.Page.Url, StringComparison.Ordinal);
        await Expect(freelancer.Page.Locator($"[data-contract-id='{contractId}']")).ToBeVisibleAsync();
        await Expect(freelancer.Page.Locator("#live-state")).ToHaveAttributeAsync("data-state", "live");

        // The agent uploads 09:24 UTC: the 09:20 segment, 10:20 in Berlin.
        await browser.UploadAsync(contractId, ApiNode.Start.AddMinutes(-6), FakeDesktop.Jpeg(1), "Code", "WorkDiary.cs — LiveTracker", "Diary tiles");

        var tile = client.Page.Locator($".tile[data-segment-start='{Day}T09:20:00.000Z']");
        await Expect(tile).ToBeVisibleAsync(new LocatorAssertionsToBeVisibleOptions { Timeout = 5000 });
        await Expect(tile).ToContainTextAsync("10:20 AM");
        await Expect(tile).ToContainTextAsync("WorkDiary.cs");
        Assert.True(await client.Page.EvaluateAsync<bool>("() => window.stillTheSamePage === true"), "the tile came without a reload");
        await Expect(tile.Locator("img")).ToHaveJSPropertyAsync("complete", true);
        Assert.True(await tile.Locator("img").EvaluateAsync<int>("img => img.naturalWidth") > 0, "the thumbnail loaded");

        await tile.Locator(".tile-open").ClickAsync();
        var dialog = client.Page.Locator("dialog#shot");
        await Expect(dialog).ToBeVisibleAsync();
        await Expect(dialog.Locator("img.shot-full")).ToBeVisibleAsync();
        await dialog.GetByLabel("Reason for rejecting").FillAsync("This is another client's project");
        await dialog.GetByRole(AriaRole.Button, new LocatorGetByRoleOptions { Name = "Reject screenshot" }).ClickAsync();
        await Expect(dialog).ToBeHiddenAsync();
        await Expect(tile).ToHaveAttributeAsync("data-status", "rejected");

        var notice = freelancer.Page.Locator("#notices li", new PageLocatorOptions { HasText = "was rejected" });
        await Expect(notice).ToBeVisibleAsync(new LocatorAssertionsToBeVisibleOptions { Timeout = 5000 });
        await Expect(notice).ToContainTextAsync("another client's project");
        await Expect(notice).ToContainTextAsync("Live diary");
        await SaveAsync(freelancer.Page, "freelancer-1280x800.png");
        await SaveAsync(client.Page, "diary-live-rejected-1280x800.png");
        Assert.Empty(client.Problems);
        Assert.Empty(freelancer.Problems);
    }

    [Fact]
    public async Task The_official_js_client_watches_with_one_argument_resumes_with_WatchFrom_and_a_stranger_is_refused_and_sees_nothing()
    {
        var contractId = await browser.ReadyContractAsync("Hub forms");
        await using var client = await browser.SignInAsync(Node.Client);
        await using var stranger = await browser.SignInAsync(Node.OtherClient);

        // What a third-party page written from API.md does: its own connection through the page's @microsoft/signalr.
        const string Probe = """
            async (contractId) => {
              const connection = new signalR.HubConnectionBuilder().withUrl('/hubs/workview').build();
              const added = [];
              connection.on('screenshotAdded', (payload) => added.push(payload.screenshot.id));
              await connection.start();
              window.hubProbe = { connection, added };
              const outcome = {};
              try { outcome.watch = (await connection.invoke('Watch', contractId)).ordering; } catch (e) { outcome.watchError = e.message; }
              try { outcome.watchFrom = (await connection.invoke('WatchFrom', contractId, 0)).ordering; } catch (e) { outcome.watchFromError = e.message; }
              return outcome;
            }
            """;
        var party = await client.Page.EvaluateAsync<System.Text.Json.JsonElement>(Probe, contractId);
        var refused = await stranger.Page.EvaluateAsync<System.Text.Json.JsonElement>(Probe, contractId);
        var screenshotId = await browser.UploadAsync(contractId, ApiNode.Start.AddMinutes(-4), FakeDesktop.Jpeg(6), "Code", "Hub.cs");

        Assert.True(party.TryGetProperty("watch", out _), "Watch(contractId) with one argument: " + party);
        Assert.True(party.TryGetProperty("watchFrom", out _), "WatchFrom(contractId, afterOrdering): " + party);
        Assert.Contains("not-found", refused.GetProperty("watchError").GetString(), StringComparison.Ordinal);
        Assert.Contains("not-found", refused.GetProperty("watchFromError").GetString(), StringComparison.Ordinal);
        await client.Page.WaitForFunctionAsync("() => window.hubProbe.added.length > 0");
        await Task.Delay(500);
        Assert.Equal([screenshotId], await client.Page.EvaluateAsync<string[]>("() => window.hubProbe.added"));
        Assert.Empty(await stranger.Page.EvaluateAsync<string[]>("() => window.hubProbe.added"));
    }

    [Fact]
    public async Task After_a_dropped_connection_the_open_diary_catches_up_on_what_it_missed_without_showing_anything_twice()
    {
        var contractId = await browser.ReadyContractAsync("Reconnect");
        await browser.UploadAsync(contractId, ApiNode.Start.AddMinutes(-38), FakeDesktop.Jpeg(4), "Code", "Before.cs");
        await using var client = await browser.SignInAsync(Node.Client);
        var page = client.Page;
        await page.GotoAsync($"/diary.html?contract={contractId}&date={Day}");
        await Expect(page.Locator(".tile")).ToHaveCountAsync(1);
        await Expect(page.Locator("#live-state")).ToHaveAttributeAsync("data-state", "live");

        // The connection drops; meanwhile the freelancer uploads and the client's own tab is not told.
        await page.EvaluateAsync("() => window.liveWorkView.connection.stop()");
        await Expect(page.Locator("#live-state")).Not.ToHaveAttributeAsync("data-state", "live");
        await browser.UploadAsync(contractId, ApiNode.Start.AddMinutes(-27), FakeDesktop.Jpeg(5), "Code", "Missed.cs");
        await page.EvaluateAsync("() => { window.stillTheSamePage = true; }");

        // Back online, WatchFrom(contract, last ordering) replays the missed capture into the open page.
        await Expect(page.Locator("#live-state")).ToHaveAttributeAsync("data-state", "live", new LocatorAssertionsToHaveAttributeOptions { Timeout = 8000 });
        await Expect(page.Locator($".tile[data-segment-start='{Day}T09:00:00.000Z']")).ToContainTextAsync("Missed.cs");
        await Expect(page.Locator(".tile")).ToHaveCountAsync(2);
        Assert.True(await page.EvaluateAsync<bool>("() => window.stillTheSamePage === true"), "caught up without a reload");
        Assert.Empty(client.Problems);
    }

    [Fact]
    public async Task The_diary_works_from_the_keyboard_alone_tab_to_a_tile_enter_opens_it_escape_closes_it()
    {
        var contractId = await browser.ReadyContractAsync("Keyboard");
        await browser.UploadAsync(contractId, ApiNode.Start.AddMinutes(-28), FakeDesktop.Jpeg(2), "Terminal", "dotnet test");
        await browser.UploadAsync(contractId, ApiNode.Start.AddMinutes(-17), FakeDesktop.Jpeg(3), "Code", "Pages.cs");
        await using var client = await browser.SignInAsync(Node.Client);
        var page = client.Page;
        await page.GotoAsync($"/diary.html?contract={contractId}&date={Day}");
        await Expect(page.Locator(".tile")).ToHaveCountAsync(2);

        string? focusedTile = null;
        for (var presses = 0; presses < 40 && focusedTile is null; presses++)
        {
            await page.Keyboard.PressAsync("Tab");
            focusedTile = await page.EvaluateAsync<string?>("() => document.activeElement?.closest('.tile')?.dataset.segmentStart ?? null");
        }

        Assert.Equal($"{Day}T09:00:00.000Z", focusedTile);
        var outline = await page.EvaluateAsync<string>("() => getComputedStyle(document.activeElement).outlineStyle");
        Assert.NotEqual("none", outline);

        await page.Keyboard.PressAsync("Enter");
        var dialog = page.Locator("dialog#shot");
        await Expect(dialog).ToBeVisibleAsync();
        Assert.True(await page.EvaluateAsync<bool>("() => document.querySelector('dialog#shot').contains(document.activeElement)"), "focus moved into the dialog");

        await page.Keyboard.PressAsync("Escape");
        await Expect(dialog).ToBeHiddenAsync();
        Assert.Equal(focusedTile, await page.EvaluateAsync<string?>("() => document.activeElement?.closest('.tile')?.dataset.segmentStart ?? null"));
        Assert.Empty(client.Problems);
    }

    [Fact]
    public async Task A_full_day_renders_at_desktop_and_phone_width_and_every_page_loads_without_script_errors()
    {
        var contractId = await browser.ReadyContractAsync("Website redesign");
        await FillADayAsync(contractId);

        await using var desktop = await browser.SignInAsync(Node.Client);
        await desktop.Page.GotoAsync($"/diary.html?contract={contractId}&date={Day}");
        await Expect(desktop.Page.Locator(".tile")).ToHaveCountAsync(24);
        await Expect(desktop.Page.Locator(".tile[data-status='rejected']")).ToHaveCountAsync(1);
        await Expect(desktop.Page.Locator(".tile[data-status='deleted']")).ToHaveCountAsync(1);
        await Expect(desktop.Page.Locator(".tile[data-status='manual']")).ToHaveCountAsync(6);
        await Expect(desktop.Page.Locator("#live-state")).ToHaveAttributeAsync("data-state", "live");
        await AllImagesLoadedAsync(desktop.Page);
        await SaveAsync(desktop.Page, "diary-1280x800.png");
        await desktop.Page.Locator(".tile[data-status='rejected'] .tile-open").ClickAsync();
        await Expect(desktop.Page.Locator("dialog#shot img.shot-full")).ToBeVisibleAsync();
        await AllImagesLoadedAsync(desktop.Page);
        await SaveAsync(desktop.Page, "diary-dialog-1280x800.png");
        await desktop.Page.Keyboard.PressAsync("Escape");

        await desktop.Page.GotoAsync($"/contract.html?contract={contractId}&week=2026-W47");
        await Expect(desktop.Page.Locator("#timesheet svg.chart rect.bar:not(.zero)")).ToHaveCountAsync(1);
        await Expect(desktop.Page.Locator("#timesheet-status")).ToHaveTextAsync("Open");
        await SaveAsync(desktop.Page, "contract-1280x800.png", fullPage: true);
        await desktop.Page.GotoAsync("/client.html");
        await Expect(desktop.Page.Locator($"[data-contract-id='{contractId}']")).ToBeVisibleAsync();
        await SaveAsync(desktop.Page, "client-1280x800.png");
        Assert.Empty(desktop.Problems);

        await using var phone = await browser.SignInAsync(Node.Client, width: 375, height: 812);
        await phone.Page.GotoAsync($"/diary.html?contract={contractId}&date={Day}");
        await Expect(phone.Page.Locator(".tile")).ToHaveCountAsync(24);
        await AllImagesLoadedAsync(phone.Page);
        Assert.True(
            await phone.Page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= window.innerWidth"),
            "nothing is wider than a 375 px phone");
        var tileWidth = await phone.Page.Locator(".tile").First.EvaluateAsync<double>("t => t.getBoundingClientRect().width");
        Assert.InRange(tileWidth, 120, 375);
        await SaveAsync(phone.Page, "diary-375x812.png");
        await phone.Page.Locator(".hour").Nth(1).EvaluateAsync("row => row.scrollIntoView()");
        await AllImagesLoadedAsync(phone.Page);
        await SaveAsync(phone.Page, "diary-375x812-screenshots.png");
        await phone.Page.Locator(".tile .tile-open").First.ClickAsync();
        await Expect(phone.Page.Locator("dialog#shot")).ToBeVisibleAsync();
        Assert.True(await phone.Page.EvaluateAsync<bool>("() => document.querySelector('dialog#shot').getBoundingClientRect().width <= window.innerWidth"));
        Assert.Empty(phone.Problems);

        await using var freelancer = await browser.SignInAsync(Node.Freelancer);
        await Expect(freelancer.Page.Locator($"[data-contract-id='{contractId}']")).ToBeVisibleAsync();
        await freelancer.Page.GotoAsync($"/diary.html?contract={contractId}&date={Day}");
        await Expect(freelancer.Page.Locator("#manual-panel")).ToBeVisibleAsync();
        await freelancer.Page.Locator(".tile[data-status='rejected'] .tile-open").ClickAsync();
        await Expect(freelancer.Page.GetByRole(AriaRole.Button, new PageGetByRoleOptions { Name = "Delete screenshot…" })).ToBeVisibleAsync();
        await Expect(freelancer.Page.GetByRole(AriaRole.Button, new PageGetByRoleOptions { Name = "Yes, delete it and its time" })).ToBeHiddenAsync();
        await Expect(freelancer.Page.GetByRole(AriaRole.Button, new PageGetByRoleOptions { Name = "Request review" })).ToBeHiddenAsync(); // asked already
        await freelancer.Page.Keyboard.PressAsync("Escape");
        Assert.Empty(freelancer.Problems);

        var operatorPersona = await OperatorAsync();
        await using var op = await browser.SignInAsync(operatorPersona);
        Assert.EndsWith("/operator.html", op.Page.Url, StringComparison.Ordinal);
        await Expect(op.Page.Locator("#open-empty")).ToBeVisibleAsync(); // the list of open disputes loaded, and is empty
        await op.Page.GetByLabel("Dispute id").FillAsync($"{contractId}~d9");
        await op.Page.GetByRole(AriaRole.Button, new PageGetByRoleOptions { Name = "Resolve dispute" }).ClickAsync();
        await Expect(op.Page.Locator("#resolve [role=status]")).ToHaveClassAsync("error");
        await Expect(op.Page.Locator("#resolve [role=status]")).ToContainTextAsync("No open timesheet dispute");
        // The only failures are the unknown dispute's 404 (and the browser's console line about it).
        Assert.All(op.Problems, p => Assert.Matches("HTTP 404 .*/api/disputes/|status of 404", p));
    }

    /// <summary>
    /// 06:00–10:20 in Berlin: an hour of manual time, then screenshots every ten minutes with varied activity, a
    /// gap, a deleted capture, a rejected one whose review the freelancer asked for, and a comment.
    /// </summary>
    private async Task FillADayAsync(string contractId)
    {
        var http = Node.Freelancer.Http;
        var dayStart = new DateTimeOffset(2026, 11, 16, 0, 0, 0, TimeSpan.Zero);
        (await http.PostAsJsonAsync($"/api/contracts/{contractId}/manual-time", new
        {
            from = dayStart.AddHours(5), to = dayStart.AddHours(6), memo = "Call with the client about the brief",
        })).EnsureSuccessStatusCode();
        string[] memos = ["Homepage layout", "Navigation bar", "Pricing table styles", "Contact form validation"];
        (string App, string Window)[] windows =
        [
            ("Code", "header.css — website"), ("Firefox", "Pricing – Staging"), ("Figma", "Homepage v3"), ("Terminal", "npm run build"),
        ];
        var ids = new Dictionary<int, string>();
        for (var i = 0; i < 20; i++)
        {
            var segment = dayStart.AddHours(6).AddMinutes(10 * i);
            if (i is 6 or 7)
            {
                continue; // a coffee break
            }

            var (app, window) = windows[i % windows.Length];
            ids[i] = await browser.UploadAsync(contractId, segment.AddMinutes(3 + (i % 6)), FakeDesktop.Jpeg(10 + i), app, window, memos[i / 5]);
            await browser.ActivityAsync(contractId, segment, activeMinutes: new[] { 10, 9, 7, 10, 4, 8, 10, 6, 9, 3 }[i % 10], seed: i);
        }

        Assert.Equal(System.Net.HttpStatusCode.NoContent, (await http.DeleteAsync($"/api/screenshots/{ids[3]}")).StatusCode);
        (await Node.Client.Http.PostAsJsonAsync($"/api/screenshots/{ids[9]}/reject", new { reason = "Not our site" })).EnsureSuccessStatusCode();
        (await http.PostAsJsonAsync($"/api/screenshots/{ids[9]}/review-request", new { message = "This is the staging copy of your site" })).EnsureSuccessStatusCode();
        (await http.PutAsJsonAsync($"/api/screenshots/{ids[12]}/comment", new { comment = "Waiting for the build" })).EnsureSuccessStatusCode();
    }

    private async Task<Persona> OperatorAsync()
    {
        var email = $"operator-{Guid.NewGuid():N}@example.test";
        const string password = "correct horse battery";
        var created = await AccountEndpoints.CreateAccountAsync(
            Node.Services.GetRequiredService<DomainClient>(), Node.Services.GetRequiredService<IPasswordHasher<string>>(), email, password, "Opal Operator",
            UserRole.Operator, CancellationToken.None);
        Assert.IsType<LiveTracker.Actors.Contracts.Accepted>(created);
        return new Persona("Opal Operator", email, password, UserIds.ForEmail(email), string.Empty, Node.Anonymous());
    }

    private static async Task AllImagesLoadedAsync(IPage page) =>
        await page.WaitForFunctionAsync("() => [...document.images].filter(i => i.getBoundingClientRect().top < innerHeight).every(i => i.complete && i.naturalWidth > 0)");

    /// <summary>
    /// Every run takes the screenshots (so rendering them is tested); with LIVETRACKER_SAVE_SCREENSHOTS=1 they
    /// replace the ones in docs/screenshots, which are committed, so an ordinary run leaves the tree clean.
    /// </summary>
    private static async Task SaveAsync(IPage page, string name, bool fullPage = false)
    {
        var png = await page.ScreenshotAsync(new PageScreenshotOptions { FullPage = fullPage, Animations = ScreenshotAnimations.Disabled });
        Assert.True(png.Length > 1000);
        if (Environment.GetEnvironmentVariable("LIVETRACKER_SAVE_SCREENSHOTS") == "1")
        {
            var folder = Path.Combine(BrowserNode.RepositoryRoot(), "docs", "screenshots");
            Directory.CreateDirectory(folder);
            await File.WriteAllBytesAsync(Path.Combine(folder, name), png);
        }
    }
}
