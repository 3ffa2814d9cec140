using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace LiveTracker.Bench;

/// <summary>
/// A cluster as an operator runs it on one machine (<c>deploy/local-cluster</c>: its own PostgreSQL, three node
/// processes, nginx in front), measured from outside over HTTP: how long after kill -9 of a node every contract
/// answers again (its shards moved by the Split Brain Resolver's downing), what a graceful leave (SIGTERM) costs the
/// requests under way, and request throughput and upload → page latency on three nodes against one node, in the same
/// run on the same machine.
/// </summary>
internal static class ClusterBenchmark
{
    private const int Contracts = 60;
    private const int LoadClients = 16;
    private const int PushUploads = 12;
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(1);

    public static async Task<string> RunAsync(string repository, string directory, int failoverRuns, TimeSpan loadPhase, TextWriter log)
    {
        var cluster = new LocalCluster(repository, Path.Combine(directory, "local-cluster"), log);
        try
        {
            var up = Stopwatch.StartNew();
            await cluster.RunAsync("up", "3");
            log.WriteLine($"cluster: 3 nodes up in {up.Elapsed.TotalSeconds:N0} s (publish included)");
            var parties = await PartiesAsync();
            var contracts = new List<string>();
            for (var i = 0; i < Contracts; i++)
            {
                contracts.Add(await CreateContractAsync(LocalCluster.Node(1 + (i % 3)), parties, i));
            }

            // kill -9: nodes 3 and 2 in turn, then the oldest (node 1: the shard coordinators and the deadline keeper).
            var failovers = new List<(int Node, bool Oldest, double[] Seconds)>();
            foreach (var victim in Enumerable.Range(0, failoverRuns).Select(i => i % 2 == 0 ? 3 : 2).Append(1))
            {
                var survivor = victim == 1 ? 2 : 1;
                await SettledAsync(contracts, parties.ClientToken);
                var oldest = await OldestAsync(cluster, survivor) == victim;
                var killed = Stopwatch.StartNew();
                await cluster.RunAsync("kill", victim.ToString(CultureInfo.InvariantCulture));
                var seconds = await AnswerAllAsync(LocalCluster.Node(survivor), parties.ClientToken, contracts, killed, TimeSpan.FromSeconds(120));
                failovers.Add((victim, oldest, seconds));
                log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  kill -9 of node {victim}{(oldest ? " (oldest)" : "")}: every contract answered after {seconds.Max():N1} s"));
                await cluster.RunAsync("start", victim.ToString(CultureInfo.InvariantCulture));
            }

            // SIGTERM: the node hands its shards over while clients keep reading every contract through another node.
            var handovers = new List<(int Node, double StopSeconds, Load Load)>();
            foreach (var victim in new[] { 3, 2 })
            {
                await SettledAsync(contracts, parties.ClientToken);
                using var stopLoad = new CancellationTokenSource();
                var load = LoadAsync(LocalCluster.Node(1), parties.ClientToken, contracts, stopLoad.Token);
                await Task.Delay(TimeSpan.FromSeconds(2));
                var stopping = Stopwatch.StartNew();
                await cluster.RunAsync("stop", victim.ToString(CultureInfo.InvariantCulture));
                var stopSeconds = stopping.Elapsed.TotalSeconds;
                await Task.Delay(TimeSpan.FromSeconds(3));
                await stopLoad.CancelAsync();
                var measured = await load;
                handovers.Add((victim, stopSeconds, measured));
                log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  SIGTERM of node {victim}: exited after {stopSeconds:N1} s; {measured.Failed:N0} of {measured.Count:N0} requests failed, slowest {measured.Max:N0} ms"));
                await cluster.RunAsync("start", victim.ToString(CultureInfo.InvariantCulture));
            }

            // Three nodes, then one (two leave gracefully), through nginx as users reach it.
            await SettledAsync(contracts, parties.ClientToken);
            var three = await TimedLoadAsync(LocalCluster.Proxy, parties.ClientToken, contracts, loadPhase);
            var pushThree = await PushAsync(LocalCluster.Node(1), LocalCluster.Node(2), parties, contracts[0]);
            log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  3 nodes: {three.PerSecond:N0} requests/s, p99 {three.P99:N0} ms; upload → page p50 {Measure.Percentile(pushThree, 0.5):N0} ms"));
            await cluster.RunAsync("stop", "3");
            await cluster.RunAsync("stop", "2");
            await SettledAsync(contracts, parties.ClientToken, nodes: [1]);
            var one = await TimedLoadAsync(LocalCluster.Proxy, parties.ClientToken, contracts, loadPhase);
            var pushOne = await PushAsync(LocalCluster.Node(1), LocalCluster.Node(1), parties, contracts[1]);
            log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  1 node: {one.PerSecond:N0} requests/s, p99 {one.P99:N0} ms; upload → page p50 {Measure.Percentile(pushOne, 0.5):N0} ms"));

            return Report(failovers, handovers, three, one, pushThree, pushOne, loadPhase);
        }
        finally
        {
            await cluster.RunAsync("down");
        }
    }

    private static string Report(
        List<(int Node, bool Oldest, double[] Seconds)> failovers, List<(int Node, double StopSeconds, Load Load)> handovers,
        Load three, Load one, double[] pushThree, double[] pushOne, TimeSpan loadPhase)
    {
        var md = new StringBuilder();
        var ordinary = failovers.Where(f => !f.Oldest).Select(f => f.Seconds.Max()).Order().ToArray();
        var oldest = failovers.Where(f => f.Oldest).Select(f => f.Seconds.Max()).ToArray();
        var worst = failovers.Max(f => f.Seconds.Max());
        md.AppendLine("### Cluster: failover, hand-over, 1 vs 3 nodes (postgresql)");
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"`deploy/local-cluster up 3` (its own PostgreSQL with fsync on, three node processes on loopback, nginx on 5080), {Contracts} contracts spread over the nodes, measured from outside over HTTP. Everything shares the machine's two cores: three nodes, PostgreSQL, nginx and this driver.");
        md.AppendLine();
        md.AppendLine("**Failover** (kill -9 of a node, then `GET /api/contracts/{id}` of every contract through a surviving node, each given up after 1 s and retried 100 ms later, so a request lost on its way to the dead node costs at most 1 s of the figure): seconds from the kill until each contract answered 200. The contracts on the surviving nodes answer at once; the worst is a contract whose shard lived on the killed node and moved once the Split Brain Resolver downed it (`stable-after`, ADR 0014). The node is started again before the next run.");
        md.AppendLine();
        md.AppendLine("| run | node killed | contracts moved (answered after > 1 s) | median of those, s | every contract answered, s |");
        md.AppendLine("|---:|---|---:|---:|---:|");
        for (var i = 0; i < failovers.Count; i++)
        {
            var (node, isOldest, seconds) = failovers[i];
            var moved = seconds.Where(s => s > 1).Order().ToArray();
            md.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"| {i + 1} | node {node}{(isOldest ? " (oldest: coordinators, deadline keeper)" : "")} | {moved.Length} | {(moved.Length == 0 ? "—" : Measure.Median(moved).ToString("N1", CultureInfo.InvariantCulture))} | {seconds.Max():N1} |"));
        }

        md.AppendLine();
        md.AppendLine("**Graceful leave** (`deploy/local-cluster stop K`: SIGTERM, the node hands its shards over, then exits) while "
            + $"{LoadClients} clients read contracts through node 1 without pause, from 2 s before the signal to 3 s after the exit:");
        md.AppendLine();
        md.AppendLine("| node | SIGTERM → exit, s | requests | failed | p50 ms | p99 ms | slowest ms |");
        md.AppendLine("|---|---:|---:|---:|---:|---:|---:|");
        foreach (var (node, stop, load) in handovers)
        {
            md.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"| node {node} | {stop:N1} | {load.Count:N0} | {load.Failed:N0}{(load.FirstFailure is null ? "" : $" ({load.FirstFailure})")} | {load.P50:N1} | {load.P99:N1} | {load.Max:N0} |"));
        }

        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"**Three nodes against one**, through nginx: {LoadClients} clients reading contracts for {loadPhase.TotalSeconds:N0} s (requests/s), then {PushUploads} screenshot uploads one after another while a page watches the contract (accepted = the 201 at the uploader → the `screenshotAdded` frame at the page; negative when the page has it first). With three nodes the page is on node 1 and the uploads go to node 2, so each event crosses nodes (DistributedPubSub); with one, nodes 2 and 3 have left gracefully and everything is on node 1.");
        md.AppendLine();
        md.AppendLine("| | requests/s | p50 ms | p99 ms | failed | upload → page p50 ms | p99 ms | max ms |");
        md.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|");
        md.AppendLine(LoadRow("3 nodes", three, pushThree));
        md.AppendLine(LoadRow("1 node", one, pushOne));
        md.AppendLine();
        md.AppendLine(string.Create(CultureInfo.InvariantCulture,
            $"On two cores three nodes do not add capacity: they divide the same two cores three ways, and two of every three requests take a remoting hop to the node that holds the entity. The ratio shows what the hop and the extra processes cost here; on three machines each node would have its own cores."));
        md.AppendLine();
        var failoverGoal = worst <= 10;
        md.AppendLine(string.Create(CultureInfo.InvariantCulture,
            $"**Failover: median {(ordinary.Length == 0 ? double.NaN : Measure.Median(ordinary)):N1} s, worst {worst:N1} s ({(oldest.Length == 0 ? "" : $"the oldest node: {oldest.Max():N1} s; ")}{ordinary.Length + oldest.Length} runs); graceful leave: {handovers.Sum(h => h.Load.Failed):N0} failed of {handovers.Sum(h => h.Load.Count):N0} requests; 3 nodes / 1 node = {three.PerSecond / one.PerSecond:N2} requests/s, upload → page p50 {Measure.Percentile(pushThree, 0.5):N0} ms vs {Measure.Percentile(pushOne, 0.5):N0} ms** (goal: shards serve again within 10 s of kill -9: {(failoverGoal ? "met" : "missed")})."));
        return md.ToString();
    }

    private static string LoadRow(string label, Load load, double[] push) => string.Create(CultureInfo.InvariantCulture,
        $"| {label} | {load.PerSecond:N0} | {load.P50:N1} | {load.P99:N1} | {load.Failed:N0} | {Measure.Percentile(push, 0.5):N1} | {Measure.Percentile(push, 0.99):N1} | {Measure.Percentile(push, 1):N1} |");

    private sealed record Parties(string ClientToken, string FreelancerEmail, string FreelancerToken);

    private static async Task<Parties> PartiesAsync()
    {
        var node = LocalCluster.Node(1);
        var client = await SignUpAsync(node, "client");
        var freelancer = await SignUpAsync(node, "freelancer");
        return new Parties(client.Token, freelancer.Email, freelancer.Token);
    }

    private static async Task<(string Email, string Token)> SignUpAsync(Uri node, string role)
    {
        using var http = Client(node);
        var email = $"{role}-{Guid.NewGuid():N}@bench.test";
        const string password = "bench password 1";
        (await http.PostAsJsonAsync("/api/auth/register", new { email, password, displayName = "Bench " + role, role })).EnsureSuccessStatusCode();
        using var login = await http.PostAsJsonAsync("/api/auth/login", new { email, password });
        login.EnsureSuccessStatusCode();
        return (email, (await login.Content.ReadFromJsonAsync<JsonElement>(Json)).GetProperty("token").GetString()!);
    }

    private static async Task<string> CreateContractAsync(Uri node, Parties parties, int index)
    {
        using var http = Client(node, parties.ClientToken);
        using var created = await http.PostAsJsonAsync("/api/contracts", new { freelancerEmail = parties.FreelancerEmail, title = $"Cluster bench {index}", kind = "hourly", hourlyRateCents = 4000 });
        if (created.StatusCode != HttpStatusCode.Created)
        {
            throw new InvalidOperationException($"creating a contract: {(int)created.StatusCode} {await created.Content.ReadAsStringAsync()}");
        }

        return (await created.Content.ReadFromJsonAsync<JsonElement>(Json)).GetProperty("contractId").GetString()!;
    }

    /// <summary>Waits until every running node answers for every contract (a restarted node has joined and shards settled).</summary>
    private static async Task SettledAsync(List<string> contracts, string token, int[]? nodes = null)
    {
        await Task.Delay(TimeSpan.FromSeconds(5));
        foreach (var node in nodes ?? [1, 2, 3])
        {
            var watch = Stopwatch.StartNew();
            await AnswerAllAsync(LocalCluster.Node(node), token, contracts, watch, TimeSpan.FromSeconds(120));
        }
    }

    /// <summary>Which node is the oldest member (it runs the shard coordinators and the deadline keeper), as node <paramref name="asked"/> sees it.</summary>
    private static async Task<int> OldestAsync(LocalCluster cluster, int asked)
    {
        using var http = Client(LocalCluster.Node(asked), await cluster.OperatorTokenAsync(asked));
        var status = await http.GetFromJsonAsync<JsonElement>("/api/cluster", Json);
        var address = status.GetProperty("members").EnumerateArray().Single(m => m.GetProperty("oldest").GetBoolean()).GetProperty("address").GetString()!;
        return int.Parse(address[(address.LastIndexOf(':') + 1)..], CultureInfo.InvariantCulture) - LocalCluster.FirstRemotePort + 1;
    }

    /// <summary>Each contract read until it answers 200; the seconds since <paramref name="since"/> at which each did.</summary>
    private static async Task<double[]> AnswerAllAsync(Uri node, string token, List<string> contracts, Stopwatch since, TimeSpan limit)
    {
        using var http = Client(node, token);
        var answered = await Task.WhenAll(contracts.Select(async contract =>
        {
            while (since.Elapsed < limit)
            {
                try
                {
                    using var cts = new CancellationTokenSource(RequestTimeout);
                    using var response = await http.GetAsync($"/api/contracts/{contract}", cts.Token);
                    if (response.StatusCode == HttpStatusCode.OK)
                    {
                        return since.Elapsed.TotalSeconds;
                    }
                }
                catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException)
                {
                }

                await Task.Delay(100);
            }

            throw new TimeoutException($"contract {contract} did not answer through {node} within {limit.TotalSeconds:N0} s");
        }));
        return answered;
    }

    private sealed record Load(int Count, int Failed, string? FirstFailure, double P50, double P99, double Max, double PerSecond);

    private static async Task<Load> TimedLoadAsync(Uri node, string token, List<string> contracts, TimeSpan phase)
    {
        // A few seconds of warm-up (connections, JIT of the paths), then the measured phase.
        using (var warm = new CancellationTokenSource(TimeSpan.FromSeconds(3)))
        {
            await LoadAsync(node, token, contracts, warm.Token);
        }

        using var stop = new CancellationTokenSource(phase);
        return await LoadAsync(node, token, contracts, stop.Token);
    }

    /// <summary><see cref="LoadClients"/> clients reading contracts without pause until <paramref name="stop"/>.</summary>
    private static async Task<Load> LoadAsync(Uri node, string token, List<string> contracts, CancellationToken stop)
    {
        using var http = Client(node, token);
        var latencies = new ConcurrentQueue<double>();
        var failed = 0;
        string? firstFailure = null;
        var watch = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, LoadClients).Select(async client =>
        {
            var random = new Random(client);
            while (!stop.IsCancellationRequested)
            {
                var contract = contracts[random.Next(contracts.Count)];
                var started = Stopwatch.GetTimestamp();
                string? failure;
                try
                {
                    using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                    using var response = await http.GetAsync($"/api/contracts/{contract}", cts.Token);
                    failure = response.StatusCode == HttpStatusCode.OK ? null : $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync(CancellationToken.None)}";
                }
                catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException)
                {
                    failure = ex.Message;
                }

                latencies.Enqueue(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                if (failure is not null)
                {
                    Interlocked.Increment(ref failed);
                    Interlocked.CompareExchange(ref firstFailure, failure.Length > 160 ? failure[..160] : failure, null);
                }
            }
        }));
        var sorted = latencies.Order().ToArray();
        return new Load(sorted.Length, failed, firstFailure, Measure.Percentile(sorted, 0.5), Measure.Percentile(sorted, 0.99), Measure.Percentile(sorted, 1), sorted.Length / watch.Elapsed.TotalSeconds);
    }

    /// <summary>
    /// A page on <paramref name="pageNode"/> watches <paramref name="contract"/> while the freelancer uploads
    /// <see cref="PushUploads"/> screenshots through <paramref name="uploadNode"/>, one after another: ms from each 201
    /// to its <c>screenshotAdded</c> frame at the page.
    /// </summary>
    private static async Task<double[]> PushAsync(Uri pageNode, Uri uploadNode, Parties parties, string contract)
    {
        var arrivals = new ConcurrentDictionary<string, long>(StringComparer.Ordinal);
        await using var page = await HubWatcher.ConnectAsync(pageNode, parties.ClientToken, (id, at) => arrivals.TryAdd(id, at));
        await page.InvokeAsync("Watch", contract);
        using var http = Client(uploadNode, parties.FreelancerToken);
        var screen = BenchImages.Screen(1280, 720, 80);
        var accepted = new Dictionary<string, long>(StringComparer.Ordinal);
        var now = DateTimeOffset.UtcNow;
        var weekStart = now.AddDays(-(((int)now.UtcDateTime.DayOfWeek + 6) % 7)).UtcDateTime.Date;
        for (var i = 0; i < PushUploads; i++)
        {
            // One screenshot per 10-minute segment, going back from now within this week.
            var capturedAt = now.AddMinutes(-10 * i).AddSeconds(-5);
            if (capturedAt.UtcDateTime < weekStart)
            {
                break;
            }

            using var form = new MultipartFormDataContent();
            var image = new ByteArrayContent(BenchImages.Tagged(screen, i));
            image.Headers.ContentType = new MediaTypeHeaderValue("image/jpeg");
            form.Add(image, "image", "screen.jpg");
            form.Add(new StringContent(JsonSerializer.Serialize(new { capturedAt, idempotencyKey = $"cluster-bench-{contract}-{i}" }, Json), Encoding.UTF8, "application/json"), "meta");
            using var response = await http.PostAsync($"/api/contracts/{contract}/screenshots", form);
            var at = Stopwatch.GetTimestamp();
            if (response.StatusCode != HttpStatusCode.Created)
            {
                throw new InvalidOperationException($"upload: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            }

            accepted[(await response.Content.ReadFromJsonAsync<JsonElement>(Json)).GetProperty("screenshotId").GetString()!] = at;
            await Task.Delay(200);
        }

        var waited = Stopwatch.StartNew();
        while (accepted.Keys.Any(id => !arrivals.ContainsKey(id)) && waited.Elapsed < TimeSpan.FromSeconds(10))
        {
            await Task.Delay(50);
        }

        var missing = accepted.Keys.Count(id => !arrivals.ContainsKey(id));
        if (missing > 0)
        {
            throw new InvalidOperationException($"{missing} of {accepted.Count} uploads never reached the watching page");
        }

        return [.. accepted.Select(a => Stopwatch.GetElapsedTime(a.Value, arrivals[a.Key]).TotalMilliseconds * (arrivals[a.Key] >= a.Value ? 1 : -1)).Order()];
    }

    private static HttpClient Client(Uri node, string? token = null)
    {
        var http = new HttpClient { BaseAddress = node, Timeout = TimeSpan.FromSeconds(30) };
        if (token is not null)
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return http;
    }

    /// <summary><c>deploy/local-cluster</c> run as an operator runs it, its state in a directory of the benchmark's.</summary>
    private sealed class LocalCluster(string repository, string state, TextWriter log)
    {
        public const int FirstRemotePort = 4051;

        public static Uri Proxy { get; } = new("http://127.0.0.1:5080/");

        private string? _operatorToken;

        public static Uri Node(int k) => new(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{5080 + k}/"));

        public async Task RunAsync(params string[] arguments)
        {
            var start = new ProcessStartInfo("bash", [Path.Combine(repository, "deploy", "local-cluster"), .. arguments])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            start.Environment["LIVETRACKER_CLUSTER_DIR"] = state;
            // Its own throwaway PostgreSQL, not the other benchmarks' server.
            start.Environment.Remove("LIVETRACKER_PG");
            using var process = Process.Start(start)!;
            var output = process.StandardOutput.ReadToEndAsync();
            var errors = process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(10));
            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException($"deploy/local-cluster {string.Join(' ', arguments)} failed ({process.ExitCode}):\n{await output}\n{await errors}");
            }

            await log.WriteLineAsync($"  local-cluster {string.Join(' ', arguments)}: ok");
        }

        /// <summary>The operator's token (local-cluster writes the operator's email and password in its state).</summary>
        public async Task<string> OperatorTokenAsync(int node)
        {
            if (_operatorToken is not null)
            {
                return _operatorToken;
            }

            var lines = await File.ReadAllLinesAsync(Path.Combine(state, "operator"));
            using var http = Client(Node(node));
            using var login = await http.PostAsJsonAsync("/api/auth/login", new { email = lines[0], password = lines[1] });
            login.EnsureSuccessStatusCode();
            return _operatorToken = (await login.Content.ReadFromJsonAsync<JsonElement>(Json)).GetProperty("token").GetString()!;
        }
    }
}
