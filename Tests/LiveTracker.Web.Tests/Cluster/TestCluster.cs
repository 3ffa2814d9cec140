using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using LiveTracker.Testing;
using Npgsql;
using Xunit;

namespace LiveTracker.Web.Tests.Cluster;

/// <summary>
/// Real node processes (the program <c>./run</c> runs) forming one cluster on loopback, on a fresh PostgreSQL database
/// of the server <c>./test</c> starts. Node 0 is started first and is the first seed, so it forms the cluster and is
/// its oldest member (the shard coordinators and the deadline keeper start there).
/// </summary>
public sealed class TestCluster : IAsyncDisposable
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private const string Config = """
        akka.remote.dot-netty.tcp {
          hostname = "127.0.0.1"
          port = ${?LIVETRACKER_REMOTE_PORT}
        }
        livetracker {
          node-id = ${?LIVETRACKER_NODE_ID}
          data-directory = ${?LIVETRACKER_DATA_DIR}
          http.port = 0
          persistence {
            provider = postgresql
            connection-string = ${?LIVETRACKER_PG}
          }
          cluster {
            seed-nodes = ${?LIVETRACKER_SEED_NODES}
            discovery.method = ${?LIVETRACKER_DISCOVERY}
            discovery.config-endpoints = ${?LIVETRACKER_DISCOVERY_ENDPOINTS}
            management.port = ${?LIVETRACKER_MANAGEMENT_PORT}
          }
        }
        """;

    private readonly string _directory = Directory.CreateTempSubdirectory("livetracker-cluster-").FullName;
    private readonly string _adminConnection;
    private readonly string _database = "livetracker_cluster_" + Guid.NewGuid().ToString("N");
    private readonly int[] _remotePorts;
    private readonly int[]? _managementPorts;
    private readonly NodeProcess?[] _nodes;
    private string? _operatorToken;

    private TestCluster(int size, string adminConnection, bool configDiscovery)
    {
        _adminConnection = adminConnection;
        _remotePorts = [.. Enumerable.Range(0, size).Select(_ => FreePort())];
        _managementPorts = configDiscovery ? [.. Enumerable.Range(0, size).Select(_ => FreePort())] : null;
        _nodes = new NodeProcess?[size];
        ConfigPath = Path.Combine(_directory, "akka.hocon");
        ConnectionString = new NpgsqlConnectionStringBuilder(adminConnection) { Database = _database }.ConnectionString;
    }

    public string ConfigPath { get; }

    public string ConnectionString { get; }

    public string OperatorEmail { get; } = $"ops-{Guid.NewGuid():N}@example.com";

    public const string OperatorPassword = "operator password 1";

    public NodeProcess Node(int index) => _nodes[index] ?? throw new InvalidOperationException($"node {index} is not running");

    /// <summary>Node <paramref name="index"/>'s management endpoint (Cluster Bootstrap's contact point), with config discovery.</summary>
    public Uri ManagementAddress(int index) => new(string.Create(
        CultureInfo.InvariantCulture, $"http://127.0.0.1:{(_managementPorts ?? throw new InvalidOperationException("no discovery"))[index]}/"));

    /// <summary>Node <paramref name="index"/>'s remoting address as the cluster names it.</summary>
    public string Address(int index) => $"akka.tcp://livetracker@127.0.0.1:{_remotePorts[index]}";

    public static async Task<TestCluster> StartAsync(int size)
    {
        var cluster = await CreateAsync(size, configDiscovery: false);
        try
        {
            await cluster.StartNodeAsync(0);
            await Task.WhenAll(Enumerable.Range(1, size - 1).Select(cluster.StartNodeAsync));
            return cluster;
        }
        catch
        {
            // The caller never gets the cluster to dispose: the nodes that did start must not outlive the test.
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// The database, the settings file and the operator, but no node running yet. With <paramref name="configDiscovery"/>
    /// the nodes find each other by Cluster Bootstrap over a fixed list of their management endpoints instead of seeds.
    /// </summary>
    public static async Task<TestCluster> CreateAsync(int size, bool configDiscovery)
    {
        var admin = System.Environment.GetEnvironmentVariable("LIVETRACKER_TEST_PG")
            ?? throw new InvalidOperationException("LIVETRACKER_TEST_PG is not set; ./test starts PostgreSQL and sets it.");
        var cluster = new TestCluster(size, admin, configDiscovery);
        await File.WriteAllTextAsync(cluster.ConfigPath, Config);
        await using (var connection = new NpgsqlConnection(admin))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE {cluster._database}", connection);
            await create.ExecuteNonQueryAsync();
        }

        // Before any node runs: the command is a node of its own that writes the account and stops.
        var alone = cluster.Environment(0);
        alone.Remove("LIVETRACKER_SEED_NODES");
        alone.Remove("LIVETRACKER_DISCOVERY");
        alone["LIVETRACKER_REMOTE_PORT"] = "0";
        Assert.Equal(0, await NodeProcess.RunCommandAsync(
            cluster.ConfigPath, alone, "users", "add-operator", "--email", cluster.OperatorEmail, "--password", OperatorPassword));
        return cluster;
    }

    public async Task StartNodeAsync(int index)
    {
        if (_nodes[index] is { } old)
        {
            await old.DisposeAsync();
        }

        _nodes[index] = await NodeProcess.StartAsync(ConfigPath, Environment(index));
    }

    public async Task KillAsync(int index)
    {
        await Node(index).KillAsync();
        await Node(index).DisposeAsync();
        _nodes[index] = null;
    }

    /// <summary>SIGTERM: the node leaves the cluster (handing its shards over) and exits.</summary>
    public async Task StopAsync(int index)
    {
        await Node(index).StopAsync();
        await Node(index).DisposeAsync();
        _nodes[index] = null;
    }

    /// <summary>An HTTP client of node <paramref name="index"/>, signed in with <paramref name="token"/> if given.</summary>
    public HttpClient Http(int index, string? token = null)
    {
        var http = new HttpClient { BaseAddress = Node(index).BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        if (token is not null)
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return http;
    }

    public async Task<string> SignInAsync(int index, string email, string password)
    {
        using var http = Http(index);
        var login = await http.PostAsJsonAsync("/api/auth/login", new { email, password });
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        return (await login.Content.ReadFromJsonAsync<JsonElement>(Json)).GetProperty("token").GetString()!;
    }

    /// <summary>Registers a user through node <paramref name="index"/>; their email and token.</summary>
    public async Task<(string Email, string Token)> SignUpAsync(int index, string role)
    {
        var email = $"{role}-{Guid.NewGuid():N}@example.com";
        using (var http = Http(index))
        {
            (await http.PostAsJsonAsync("/api/auth/register", new { email, password = "correct horse battery", displayName = role, role })).EnsureSuccessStatusCode();
        }

        return (email, await SignInAsync(index, email, "correct horse battery"));
    }

    /// <summary><c>GET /api/cluster</c> through node <paramref name="index"/> as the operator.</summary>
    public async Task<JsonElement> ClusterStatusAsync(int index)
    {
        // Once: sign-ins are rate-limited per address, and a token is good on every node.
        _operatorToken ??= await SignInAsync(index, OperatorEmail, OperatorPassword);
        using var http = Http(index, _operatorToken);
        return await http.GetFromJsonAsync<JsonElement>("/api/cluster", Json);
    }

    /// <summary>Waits until node <paramref name="index"/> sees exactly these members, all Up and reachable.</summary>
    public async Task<JsonElement> AwaitMembersAsync(int index, params int[] members)
    {
        var expected = members.Select(Address).Order(StringComparer.Ordinal).ToList();
        JsonElement status = default;
        await AwaitAssertions.AwaitAssertAsync(async () =>
        {
            status = await ClusterStatusAsync(index);
            var up = status.GetProperty("members").EnumerateArray()
                .Where(m => m.GetProperty("status").GetString() == "up" && m.GetProperty("reachable").GetBoolean())
                .Select(m => m.GetProperty("address").GetString()!).Order(StringComparer.Ordinal).ToList();
            Assert.Equal(expected, up);
            Assert.Equal(members.Length, status.GetProperty("members").GetArrayLength());
        }, TimeSpan.FromSeconds(90));
        return status;
    }

    public string Output(int index) => _nodes[index]?.Output ?? "(not running)";

    public async ValueTask DisposeAsync()
    {
        foreach (var node in _nodes)
        {
            if (node is not null)
            {
                await node.DisposeAsync();
            }
        }

        NpgsqlConnection.ClearAllPools();
        await using (var connection = new NpgsqlConnection(_adminConnection))
        {
            await connection.OpenAsync();
            await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {_database} WITH (FORCE)", connection);
            await drop.ExecuteNonQueryAsync();
        }

        Directory.Delete(_directory, recursive: true);
    }

    private Dictionary<string, string> Environment(int index)
    {
        var environment = new Dictionary<string, string>
        {
            ["LIVETRACKER_NODE_ID"] = "node-" + index.ToString(CultureInfo.InvariantCulture),
            ["LIVETRACKER_DATA_DIR"] = Path.Combine(_directory, "node-" + index.ToString(CultureInfo.InvariantCulture)),
            ["LIVETRACKER_REMOTE_PORT"] = _remotePorts[index].ToString(CultureInfo.InvariantCulture),
            ["LIVETRACKER_PG"] = ConnectionString,
        };
        if (_managementPorts is { } management)
        {
            // Every node lists every node's management endpoint; Cluster Bootstrap decides who forms the cluster.
            environment["LIVETRACKER_DISCOVERY"] = "config";
            environment["LIVETRACKER_DISCOVERY_ENDPOINTS"] = string.Join(',', management.Select(p => "127.0.0.1:" + p.ToString(CultureInfo.InvariantCulture)));
            environment["LIVETRACKER_MANAGEMENT_PORT"] = management[index].ToString(CultureInfo.InvariantCulture);
        }
        else
        {
            // The first two nodes are the seeds: the first forms the cluster, any later node joins whichever answers.
            environment["LIVETRACKER_SEED_NODES"] = string.Join(',', _remotePorts.Take(2).Select(p => "127.0.0.1:" + p.ToString(CultureInfo.InvariantCulture)));
        }

        return environment;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
