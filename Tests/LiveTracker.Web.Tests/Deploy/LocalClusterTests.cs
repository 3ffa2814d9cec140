using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using LiveTracker.Web.Tests.Cluster;
using Xunit;
using Xunit.Abstractions;

namespace LiveTracker.Web.Tests.Deploy;

/// <summary>
/// <c>deploy/local-cluster</c> as an operator runs it on a fresh machine: <c>up</c> publishes the node, starts its own
/// throwaway PostgreSQL, two nodes and nginx on 127.0.0.1:5080; <c>status</c> names the members; <c>down</c> leaves
/// nothing running and nothing behind.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class LocalClusterTests(ITestOutputHelper output)
{
    private static readonly string Script = Path.Combine(DeployManifestTests.Repo, "deploy", "local-cluster");

    /// <summary>nginx, the two nodes' HTTP and their remoting, as deploy/local-cluster numbers them.</summary>
    private static readonly int[] Ports = [5080, 5081, 5082, 4051, 4052];

    [Fact]
    public async Task Up_serves_through_nginx_status_names_the_members_and_down_leaves_nothing_running()
    {
        // local-cluster's ports are fixed (an operator's bookmarks); another node or cluster on them would be blamed on
        // this one, so say so plainly instead.
        foreach (var port in Ports)
        {
            Assert.False(await ListensAsync(port), $"127.0.0.1:{port} is taken before the test starts (a ./run node or a local-cluster?); local-cluster needs it");
        }

        var state = Path.Combine(Path.GetTempPath(), "livetracker-local-cluster-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            var up = await RunAsync(state, TimeSpan.FromMinutes(6), "up", "2");
            Assert.True(up.ExitCode == 0, up.Output);
            Assert.Contains("LiveTracker cluster of 2 nodes is up", up.Output, StringComparison.Ordinal);
            var pids = Enumerable.Range(1, 2).Select(k => int.Parse(File.ReadAllText(Path.Combine(state, $"node-{k}", "pid")).Trim())).ToList();

            // Through nginx: readiness, and the operator the script made signs in.
            using var http = new HttpClient { BaseAddress = new Uri("http://127.0.0.1:5080"), Timeout = TimeSpan.FromSeconds(30) };
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/readyz")).StatusCode);
            var operatorLines = await File.ReadAllLinesAsync(Path.Combine(state, "operator"));
            var login = await http.PostAsJsonAsync("/api/auth/login", new { email = operatorLines[0], password = operatorLines[1] });
            Assert.Equal(HttpStatusCode.OK, login.StatusCode);
            Assert.False(string.IsNullOrEmpty((await login.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString()));

            var status = await RunAsync(state, TimeSpan.FromMinutes(1), "status");
            Assert.True(status.ExitCode == 0, status.Output);
            Assert.Contains("akka.tcp://livetracker@127.0.0.1:4051", status.Output, StringComparison.Ordinal);
            Assert.Contains("akka.tcp://livetracker@127.0.0.1:4052", status.Output, StringComparison.Ordinal);
            Assert.Equal(2, status.Output.Split('\n').Count(l => l.Contains("akka.tcp://", StringComparison.Ordinal) && l.Contains(" up ", StringComparison.Ordinal)));

            var down = await RunAsync(state, TimeSpan.FromMinutes(2), "down");
            Assert.True(down.ExitCode == 0, down.Output);
            Assert.False(Directory.Exists(state), "down left its state directory behind");
            foreach (var pid in pids)
            {
                Assert.False(IsRunning(pid), $"node process {pid} still runs after down");
            }

            foreach (var port in Ports)
            {
                Assert.False(await ListensAsync(port), $"something still listens on 127.0.0.1:{port} after down");
            }
        }
        finally
        {
            if (Directory.Exists(state))
            {
                // A failed run must not leave a cluster behind for the next test.
                var cleanup = await RunAsync(state, TimeSpan.FromMinutes(2), "down");
                output.WriteLine(cleanup.Output);
            }
        }
    }

    private async Task<(int ExitCode, string Output)> RunAsync(string state, TimeSpan timeout, params string[] arguments)
    {
        var start = new ProcessStartInfo(Script, arguments) { RedirectStandardOutput = true, RedirectStandardError = true };
        start.Environment["LIVETRACKER_CLUSTER_DIR"] = state;
        start.Environment.Remove("LIVETRACKER_PG");
        using var process = Process.Start(start)!;
        var text = new StringBuilder();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        try
        {
            await process.WaitForExitAsync().WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"local-cluster {string.Join(' ', arguments)} ran longer than {timeout}");
        }

        text.Append(await stdout).Append(await stderr);
        output.WriteLine($"$ local-cluster {string.Join(' ', arguments)}\n{text}");
        return (process.ExitCode, text.ToString());
    }

    private static bool IsRunning(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private static async Task<bool> ListensAsync(int port)
    {
        using var client = new TcpClient();
        try
        {
            await client.ConnectAsync(IPAddress.Loopback, port).WaitAsync(TimeSpan.FromSeconds(5));
            return true;
        }
        catch (Exception ex) when (ex is SocketException or TimeoutException)
        {
            return false;
        }
    }
}
