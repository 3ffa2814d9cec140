using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using LiveTracker.Actors.Live;
using LiveTracker.Testing;
using LiveTracker.Web.Tests.Api;
using LiveTracker.Web.Tests.Media.Fixtures;
using Npgsql;
using Xunit;
using Xunit.Abstractions;

namespace LiveTracker.Web.Tests.Cluster;

/// <summary>
/// Three real node processes on loopback as one product: any node serves any entity, screenshot and live event;
/// a node killed with -9 or stopped with SIGTERM loses nothing that was answered.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class ClusterTests(ITestOutputHelper output)
{
    private const int Contracts = 12;

    [Fact]
    public async Task Three_nodes_share_entities_screenshots_and_live_events_and_a_node_killed_with_9_loses_nothing()
    {
        await using var cluster = await TestCluster.StartAsync(3);
        var formed = await cluster.AwaitMembersAsync(1, 0, 1, 2);
        Assert.Equal(cluster.Address(0), formed.GetProperty("members").EnumerateArray().Single(m => m.GetProperty("oldest").GetBoolean()).GetProperty("address").GetString());
        var (clientEmail, clientToken) = await cluster.SignUpAsync(0, "client");
        var (freelancerEmail, freelancerToken) = await cluster.SignUpAsync(1, "freelancer");
        var contracts = await CreateContractsAsync(cluster, clientToken, freelancerEmail);

        // Spread: the contracts live on more than one node, and every node answers for every one of them.
        await AwaitAssertions.AwaitAssertAsync(async () =>
        {
            var status = await cluster.ClusterStatusAsync(2);
            var region = status.GetProperty("regions").EnumerateArray().Single(r => r.GetProperty("type").GetString() == "contracts");
            Assert.True(region.GetProperty("nodes").EnumerateArray().Count(n => n.GetProperty("entities").GetInt32() > 0) >= 2, status.ToString());
        }, TimeSpan.FromSeconds(30));
        foreach (var node in new[] { 0, 1, 2 })
        {
            using var http = cluster.Http(node, clientToken);
            foreach (var contract in contracts)
            {
                Assert.Equal(HttpStatusCode.OK, (await http.GetAsync($"/api/contracts/{contract}")).StatusCode);
            }
        }

        // A page on node 2 watches; the freelancer uploads through node 0; node 1 serves the image.
        var watched = contracts[0];
        await using var page = await TestHubClient.ConnectAsync(cluster.Node(2).BaseAddress, clientToken);
        await page.InvokeAsync("Watch", watched);
        var image = TestImages.Jpeg(640, 360);
        var now = DateTimeOffset.UtcNow;
        var first = await UploadAsync(cluster, 0, freelancerToken, watched, image, now.AddMinutes(-11), "before-the-crash");
        var pushed = await page.ExpectAsync("screenshotAdded", p => p.GetProperty("screenshot").GetProperty("id").GetString() == first, TimeSpan.FromSeconds(10));
        using (var other = cluster.Http(1, clientToken))
        {
            var served = await other.GetAsync($"/api/screenshots/{first}");
            Assert.Equal(HttpStatusCode.OK, served.StatusCode);
            Assert.Equal(image, await served.Content.ReadAsByteArrayAsync());
        }

        // kill -9 of the oldest node: its shards, the coordinators and the deadline keeper must come back on the others.
        var killedAt = Stopwatch.StartNew();
        await cluster.KillAsync(0);
        using (var survivor = cluster.Http(1, clientToken))
        {
            foreach (var contract in contracts)
            {
                await AwaitAssertions.AwaitAssertAsync(
                    async () => Assert.Equal(HttpStatusCode.OK, (await survivor.GetAsync($"/api/contracts/{contract}")).StatusCode),
                    TimeSpan.FromSeconds(60), TimeSpan.FromMilliseconds(200));
            }
        }

        output.WriteLine($"every contract answered again {killedAt.Elapsed.TotalSeconds:N1} s after kill -9 of node 0");
        var second = await UploadAsync(cluster, 1, freelancerToken, watched, TestImages.Jpeg(640, 360, quality: 70), DateTimeOffset.UtcNow.AddMinutes(-1), "after-the-crash");
        await page.ExpectAsync("screenshotAdded", p => p.GetProperty("screenshot").GetProperty("id").GetString() == second, TimeSpan.FromSeconds(10));
        await cluster.AwaitMembersAsync(2, 1, 2);

        // Each accepted upload is in the diary exactly once, whichever node is asked.
        using var client2 = cluster.Http(2, clientToken);
        var ids = new List<string>();
        foreach (var day in new[] { now.AddMinutes(-11), DateTimeOffset.UtcNow.AddMinutes(-1) }.Select(t => t.UtcDateTime.ToString("yyyy-MM-dd")).Distinct())
        {
            var diary = await client2.GetFromJsonAsync<JsonElement>($"/api/contracts/{watched}/diary?date={day}", TestCluster.Json);
            ids.AddRange(diary.GetProperty("segments").EnumerateArray()
                .Where(s => s.GetProperty("screenshot").ValueKind == JsonValueKind.Object)
                .Select(s => s.GetProperty("screenshot").GetProperty("id").GetString()!));
        }

        Assert.Equal(new[] { first, second }.Order(), ids.Order());
        Assert.NotEqual(JsonValueKind.Undefined, pushed.ValueKind);
    }

    [Fact]
    public async Task A_node_stopped_with_sigterm_hands_its_entities_over_with_no_request_failing_beyond_a_retryable_busy_and_joins_again_when_started()
    {
        await using var cluster = await TestCluster.StartAsync(3);
        await cluster.AwaitMembersAsync(0, 0, 1, 2);
        var (_, clientToken) = await cluster.SignUpAsync(0, "client");
        var (freelancerEmail, freelancerToken) = await cluster.SignUpAsync(0, "freelancer");
        var contracts = await CreateContractsAsync(cluster, clientToken, freelancerEmail);

        // Clients of nodes 1 and 2 keep reading every contract and the freelancer keeps reporting activity while node 0 leaves.
        using var stop = new CancellationTokenSource();
        var failures = new List<string>();
        var busy = new List<string>();
        var requests = 0;
        var slowest = TimeSpan.Zero;
        async Task KeepAskingAsync(int node)
        {
            using var reader = cluster.Http(node, clientToken);
            using var worker = cluster.Http(node, freelancerToken);
            for (var round = 0; !stop.IsCancellationRequested; round++)
            {
                foreach (var contract in contracts)
                {
                    var minute = DateTimeOffset.UtcNow.AddMinutes(-2);
                    minute = new DateTimeOffset(minute.Year, minute.Month, minute.Day, minute.Hour, minute.Minute, 0, TimeSpan.Zero);
                    var started = Stopwatch.StartNew();
                    using var read = await reader.GetAsync($"/api/contracts/{contract}");
                    var readTook = started.Elapsed;
                    using var activity = await worker.PostAsJsonAsync($"/api/contracts/{contract}/activity",
                        new[] { new { minuteUtc = minute, keystrokes = 1 + round, mouseClicks = 0, scrolls = 0 } });
                    var activityTook = started.Elapsed - readTook;
                    lock (failures)
                    {
                        requests += 2;
                        slowest = new[] { slowest, readTook, activityTook }.Max();
                        foreach (var (what, response) in new[] { ($"GET {contract}", read), ($"POST activity {contract}", activity) })
                        {
                            if (response.StatusCode == HttpStatusCode.ServiceUnavailable)
                            {
                                busy.Add($"{what} through node {node}");
                            }
                            else if (!response.IsSuccessStatusCode)
                            {
                                failures.Add($"{what} through node {node}: {(int)response.StatusCode} {response.Content.ReadAsStringAsync().Result}");
                            }
                        }
                    }
                }
            }
        }

        var load = Task.WhenAll(KeepAskingAsync(1), KeepAskingAsync(2));
        await Task.Delay(TimeSpan.FromSeconds(2));
        await cluster.StopAsync(0);
        await cluster.AwaitMembersAsync(1, 1, 2);
        await Task.Delay(TimeSpan.FromSeconds(2));
        await stop.CancelAsync();
        await load;

        output.WriteLine($"{requests} requests while node 0 left; the slowest took {slowest.TotalMilliseconds:N0} ms; {busy.Count} answered 503 busy: {string.Join(", ", busy)}");
        Assert.True(requests > 4 * Contracts, $"only {requests} requests were made");
        Assert.True(failures.Count == 0, string.Join("\n", failures));
        // Known gap (issue 15): a request in flight to the leaving node's region at the wrong moment can time out (503
        // busy, which the agent's outbox and the page retry). Anything beyond a handful means the hand-over is broken.
        Assert.True(busy.Count <= 3, $"{busy.Count} of {requests} requests timed out during the hand-over: {string.Join(", ", busy)}");

        await cluster.StartNodeAsync(0);
        await cluster.AwaitMembersAsync(2, 0, 1, 2);
        using var rejoined = cluster.Http(0, clientToken);
        foreach (var contract in contracts)
        {
            Assert.Equal(HttpStatusCode.OK, (await rejoined.GetAsync($"/api/contracts/{contract}")).StatusCode);
        }
    }

    [Fact]
    public async Task A_node_paused_past_the_downing_time_is_downed_stops_itself_when_resumed_and_never_writes_after_it_was_downed()
    {
        const int Marker = 7331;
        await using var cluster = await TestCluster.StartAsync(3);
        await cluster.AwaitMembersAsync(0, 0, 1, 2);
        var (_, clientToken) = await cluster.SignUpAsync(0, "client");
        var (freelancerEmail, freelancerToken) = await cluster.SignUpAsync(0, "freelancer");
        var contracts = await CreateContractsAsync(cluster, clientToken, freelancerEmail);
        var minute = DateTimeOffset.UtcNow.AddMinutes(-3);
        minute = new DateTimeOffset(minute.Year, minute.Month, minute.Day, minute.Hour, minute.Minute, 0, TimeSpan.Zero);
        using (var worker = cluster.Http(2, freelancerToken))
        {
            foreach (var contract in contracts)
            {
                using var reported = await worker.PostAsJsonAsync($"/api/contracts/{contract}/activity", new[] { new { minuteUtc = minute, keystrokes = 1, mouseClicks = 0, scrolls = 0 } });
                Assert.True(reported.IsSuccessStatusCode, await reported.Content.ReadAsStringAsync());
            }
        }

        // SIGSTOP of node 2 (a machine that stalls): the others down it and take its shards over.
        var stalled = cluster.Node(2);
        await stalled.PauseAsync();
        var paused = Stopwatch.StartNew();
        await cluster.AwaitMembersAsync(0, 0, 1);
        output.WriteLine($"node 2 was downed and removed {paused.Elapsed.TotalSeconds:N1} s after it stopped");

        // Requests that reached node 2 while it stood still (the kernel queues them): it handles them the moment it runs
        // again, before it has heard that it was downed. None may be acknowledged or written.
        using var late = new HttpClient { BaseAddress = stalled.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        late.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", freelancerToken);
        async Task<string> ReportLateAsync(string contract)
        {
            try
            {
                using var response = await late.PostAsJsonAsync($"/api/contracts/{contract}/activity", new[] { new { minuteUtc = minute.AddMinutes(1), keystrokes = Marker, mouseClicks = 0, scrolls = 0 } });
                return $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}";
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                return "no answer: " + ex.GetType().Name;
            }
        }

        var queued = contracts.Select(ReportLateAsync).ToList();
        await Task.Delay(TimeSpan.FromSeconds(1));
        await stalled.ResumeAsync();
        Assert.True(await stalled.WaitForExitAsync(TimeSpan.FromSeconds(60)), "node 2 kept running after it was downed:\n" + stalled.Output);
        var answers = await Task.WhenAll(queued);
        output.WriteLine("the requests queued at node 2 were answered: " + string.Join("; ", answers.Distinct()));
        Assert.DoesNotContain(answers, a => a.StartsWith('2'));

        // The journal: the activity written before the stop is there (so the search below can find a row), the late one is not.
        await using (var db = new NpgsqlConnection(cluster.ConnectionString))
        {
            await db.OpenAsync();
            async Task<long> RowsWithAsync(int keystrokes)
            {
                await using var count = new NpgsqlCommand($"SELECT count(*) FROM {JournalPosition.JournalTable} WHERE position(@text in convert_from(payload, 'UTF8')) > 0", db);
                count.Parameters.AddWithValue("text", $"\"keystrokes\":{keystrokes},");
                return (long)(await count.ExecuteScalarAsync())!;
            }

            Assert.True(await RowsWithAsync(1) >= Contracts, "the activity reported before the stop is not found in the journal");
            Assert.Equal(0, await RowsWithAsync(Marker));
        }

        // The two that stayed serve every contract, for reading and for writing.
        using var reader = cluster.Http(1, clientToken);
        using var writer = cluster.Http(0, freelancerToken);
        foreach (var contract in contracts)
        {
            Assert.Equal(HttpStatusCode.OK, (await reader.GetAsync($"/api/contracts/{contract}")).StatusCode);
            using var reported = await writer.PostAsJsonAsync($"/api/contracts/{contract}/activity", new[] { new { minuteUtc = minute.AddMinutes(1), keystrokes = 2, mouseClicks = 0, scrolls = 0 } });
            Assert.True(reported.IsSuccessStatusCode, await reported.Content.ReadAsStringAsync());
        }
    }

    private static async Task<List<string>> CreateContractsAsync(TestCluster cluster, string clientToken, string freelancerEmail)
    {
        var contracts = new List<string>();
        for (var i = 0; i < Contracts; i++)
        {
            using var http = cluster.Http(i % 3, clientToken);
            var created = await http.PostAsJsonAsync("/api/contracts", new { freelancerEmail, title = $"Spread {i}", kind = "hourly", hourlyRateCents = 4000 });
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            contracts.Add((await created.Content.ReadFromJsonAsync<JsonElement>(TestCluster.Json)).GetProperty("contractId").GetString()!);
        }

        return contracts;
    }

    private static async Task<string> UploadAsync(TestCluster cluster, int node, string token, string contractId, byte[] image, DateTimeOffset capturedAt, string key)
    {
        using var http = cluster.Http(node, token);
        using var form = new MultipartFormDataContent();
        var imagePart = new ByteArrayContent(image);
        imagePart.Headers.ContentType = new MediaTypeHeaderValue("image/jpeg");
        form.Add(imagePart, "image", "shot.jpg");
        form.Add(new StringContent(JsonSerializer.Serialize(new { capturedAt, idempotencyKey = key }, TestCluster.Json), Encoding.UTF8, "application/json"), "meta");
        var response = await http.PostAsync($"/api/contracts/{contractId}/screenshots", form);
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<JsonElement>(TestCluster.Json)).GetProperty("screenshotId").GetString()!;
    }
}

/// <summary>Cluster tests run one at a time: three nodes each already fill the machine's two cores.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ClusterCollection
{
    public const string Name = "cluster of real nodes";
}
