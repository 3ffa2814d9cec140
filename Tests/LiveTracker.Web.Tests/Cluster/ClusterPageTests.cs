using System.Diagnostics;
using System.Text.RegularExpressions;
using LiveTracker.Web.Tests.Browser;
using Microsoft.Playwright;
using Xunit;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace LiveTracker.Web.Tests.Cluster;

/// <summary>
/// The operators' cluster page in Debian's Chromium against two real node processes: what it shows of the members and
/// their shards, that it follows the cluster without a reload, and that its Leave button makes a member leave.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed partial class ClusterPageTests(ITestOutputHelper output)
{
    [Fact]
    public async Task The_cluster_page_shows_both_members_up_with_their_shards_and_follows_a_member_its_leave_button_sent_away()
    {
        var took = Stopwatch.StartNew();
        await using var cluster = await TestCluster.StartAsync(2);
        try
        {
            await cluster.AwaitMembersAsync(0, 0, 1);
            // Users signed up through both nodes: their entities start shards, which least-shard allocation spreads.
            await cluster.SignUpAsync(1, "client");
            await cluster.SignUpAsync(0, "freelancer");
            using var playwright = await Playwright.CreateAsync();
            await using var browser = await BrowserNode.LaunchAsync(playwright);
            await using var signedIn = await BrowserNode.SignInAsync(browser, cluster.Node(0).BaseAddress, cluster.OperatorEmail, TestCluster.OperatorPassword);
            var page = signedIn.Page;
            output.WriteLine($"cluster up and the operator signed in {took.Elapsed.TotalSeconds:N1} s after the start");
            await page.GetByRole(AriaRole.Link, new PageGetByRoleOptions { Name = "Cluster", Exact = true }).ClickAsync();
            await page.WaitForURLAsync("**/cluster.html");

            string first = HostPort(cluster.Address(0)), second = HostPort(cluster.Address(1));
            var rows = page.Locator("#members tbody tr");
            var firstRow = page.Locator($"#members tr[data-address='{cluster.Address(0)}']");
            var secondRow = page.Locator($"#members tr[data-address='{cluster.Address(1)}']");
            await Expect(rows).ToHaveCountAsync(2, new() { Timeout = 15_000 }); // the first read gathers every node's shard figures
            foreach (var (row, name) in new[] { (firstRow, first), (secondRow, second) })
            {
                await Expect(row.Locator("th")).ToHaveTextAsync(name);
                await Expect(row.Locator("td").Nth(0)).ToHaveTextAsync("Up");
                await Expect(row.Locator("td").Nth(1)).ToHaveTextAsync("Yes");
                // Shards: each node runs some within the first updates.
                await Expect(row.Locator("td.num").First).ToHaveTextAsync(Positive(), new() { Timeout = 20_000 });
            }

            await Expect(firstRow).ToContainTextAsync("This node");
            await Expect(firstRow).ToContainTextAsync("Oldest");
            await Expect(page.Locator("#singletons [data-singleton='deadline-keeper']")).ToHaveTextAsync(first);
            var users = page.Locator("#regions tr[data-type='users']");
            await Expect(users.Locator("li")).ToHaveCountAsync(2, new() { Timeout = 20_000 }); // split over both nodes
            await Expect(page.Locator("#updated")).ToHaveTextAsync(Clock("Updated"));

            // Live: the page reads again by itself, and a focused button keeps its focus through the updates.
            var leave = secondRow.GetByRole(AriaRole.Button, new() { Name = $"Leave {second}…" });
            await leave.FocusAsync();
            var stamp = await page.Locator("#updated").InnerTextAsync();
            await Expect(page.Locator("#updated")).Not.ToHaveTextAsync(stamp, new() { Timeout = 6_000 });
            await Expect(leave).ToBeFocusedAsync();
            Assert.Empty(signedIn.Problems);

            // Leave asks first, then the member leaves, and the page shows it leaving, then gone, without a reload.
            await page.Keyboard.PressAsync("Enter");
            var said = page.Locator("#leave-status");
            await Expect(said).ToContainTextAsync($"Should {second} leave the cluster?");
            await Expect(page.GetByRole(AriaRole.Button, new() { Name = $"Yes, {second} leaves" })).ToBeFocusedAsync();
            await page.Keyboard.PressAsync("Enter");
            await Expect(said).ToContainTextAsync($"{second} was asked to leave");
            await Expect(secondRow.Locator("td").Nth(0)).ToHaveTextAsync(new Regex("Leave requested|Leaving|Exiting"));
            await Expect(secondRow.GetByRole(AriaRole.Button)).ToHaveCountAsync(0);
            await Expect(secondRow).ToHaveCountAsync(0, new() { Timeout = 30_000 });
            await Expect(said).ToHaveTextAsync($"{second} left the cluster.");
            await Expect(rows).ToHaveCountAsync(1);
            await Expect(users.Locator("li")).ToHaveCountAsync(1, new() { Timeout = 20_000 }); // its shards moved to the first
            Assert.True(await cluster.Node(1).WaitForExitAsync(TimeSpan.FromSeconds(30)), "node 1 still runs after leaving");
            output.WriteLine($"node 1 left and exited {took.Elapsed.TotalSeconds:N1} s after the start");
            Assert.Empty(signedIn.Problems);

            // The node serving the page dies: the page says so and keeps the last tables with their time.
            await cluster.KillAsync(0);
            await Expect(page.Locator("#load-error")).ToContainTextAsync("The cluster could not be read: the node serving this page does not answer.");
            await Expect(page.Locator("#load-error")).ToContainTextAsync(new Regex(@"as it was at \d\d:\d\d:\d\d"));
            await Expect(page.Locator("#updated")).ToHaveTextAsync(Clock("Last updated"));
            await Expect(firstRow.Locator("td").Nth(0)).ToHaveTextAsync("Up");
            // The only problems now: the reads the dead node refused (or dropped, one under way at the kill).
            Assert.All(signedIn.Problems, p => Assert.Matches("net::ERR_(CONNECTION_REFUSED|CONNECTION_RESET|EMPTY_RESPONSE)", p));
            output.WriteLine($"cluster page test took {took.Elapsed.TotalSeconds:N1} s");
        }
        catch
        {
            output.WriteLine("node 0:\n" + cluster.Output(0));
            output.WriteLine("node 1:\n" + cluster.Output(1));
            throw;
        }
    }

    private static string HostPort(string address) => address[(address.LastIndexOf('@') + 1)..];

    private static Regex Clock(string prefix) => new($"^{prefix} \\d\\d:\\d\\d:\\d\\d$");

    [GeneratedRegex("^[1-9][0-9]*$")]
    private static partial Regex Positive();
}
