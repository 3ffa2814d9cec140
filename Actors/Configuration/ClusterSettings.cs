using System.Collections.Frozen;
using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;

namespace LiveTracker.Actors.Configuration;

/// <summary>
/// A node of the cluster as others reach it: a host and a port. Seed nodes name remoting addresses
/// (<c>akka.remote.dot-netty.tcp</c>); discovery's endpoints name Akka.Management's HTTP endpoints.
/// </summary>
public readonly record struct SeedNode(string Host, int Port)
{
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Host}:{Port}");

    internal static bool TryParse(string text, out SeedNode seed)
    {
        seed = default;
        var colon = text.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(text.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
        {
            return false;
        }

        var host = text[..colon];
        if (Uri.CheckHostName(host) == UriHostNameType.Unknown)
        {
            return false;
        }

        seed = new SeedNode(host, port);
        return true;
    }
}

/// <summary>How a starting node finds the others (ADR 0014 for seed nodes, ADR 0015 for discovery).</summary>
public enum DiscoveryMethod
{
    /// <summary>No discovery: the node joins its seed nodes, or itself when it has none.</summary>
    None,

    /// <summary>Cluster Bootstrap over a fixed list of Akka.Management endpoints (one machine, compose).</summary>
    Config,

    /// <summary>Cluster Bootstrap over the pods the Kubernetes API lists for a label selector.</summary>
    Kubernetes,
}

/// <summary><c>livetracker.cluster.management</c>: Akka.Management's HTTP endpoint, the contact point Cluster Bootstrap probes.</summary>
public sealed record ManagementSettings
{
    /// <summary>The host other nodes reach this node's management endpoint at (in Kubernetes, the pod's IP).</summary>
    public required string Hostname { get; init; }

    public required int Port { get; init; }

    /// <summary>The address the endpoint listens on: an IP address, or <c>0.0.0.0</c> for every interface.</summary>
    public required string Bind { get; init; }
}

/// <summary><c>livetracker.cluster.discovery</c>: Cluster Bootstrap's way to find the other nodes.</summary>
public sealed record DiscoverySettings
{
    public required DiscoveryMethod Method { get; init; }

    /// <summary>The name the nodes of one cluster share in discovery (Akka's <c>contact-point-discovery.service-name</c>).</summary>
    public required string ServiceName { get; init; }

    /// <summary>With <see cref="DiscoveryMethod.Config"/>: every node's management endpoint, this node's included.</summary>
    public required IReadOnlyList<SeedNode> ConfigEndpoints { get; init; }

    /// <summary>With <see cref="DiscoveryMethod.Kubernetes"/>: the pods of this cluster, e.g. <c>app.kubernetes.io/name=livetracker</c>.</summary>
    public required string PodLabelSelector { get; init; }

    /// <summary>Cluster Bootstrap runs (and the node listens on its management port).</summary>
    public bool Enabled => Method != DiscoveryMethod.None;

    /// <summary>How many nodes must be found before the lowest-addressed one forms a new cluster.</summary>
    public required int RequiredContactPoints { get; init; }

    public bool Equals(DiscoverySettings? other) =>
        other is not null && Method == other.Method && ServiceName == other.ServiceName && PodLabelSelector == other.PodLabelSelector
        && RequiredContactPoints == other.RequiredContactPoints && ConfigEndpoints.SequenceEqual(other.ConfigEndpoints);

    public override int GetHashCode() => HashCode.Combine(Method, ServiceName, PodLabelSelector, RequiredContactPoints, ConfigEndpoints.Count);

    private bool PrintMembers(System.Text.StringBuilder builder)
    {
        builder.Append(CultureInfo.InvariantCulture, $"Method = {Method}, ServiceName = {ServiceName}, ConfigEndpoints = [")
            .AppendJoin(", ", ConfigEndpoints)
            .Append(CultureInfo.InvariantCulture, $"], PodLabelSelector = {PodLabelSelector}, RequiredContactPoints = {RequiredContactPoints}");
        return true;
    }
}

/// <summary><c>livetracker.cluster</c>: which nodes this one joins, by seed nodes or by discovery.</summary>
public sealed partial record ClusterSettings
{
    /// <summary>Why neither seed nodes nor discovery go with the SQLite journal.</summary>
    private const string SqliteIsOneNode =
        "cannot be used with livetracker.persistence.provider = sqlite: the SQLite journal is one node's file and no other node can " +
        "read or write it. A cluster keeps its journal in PostgreSQL (provider = postgresql, connection-string or LIVETRACKER_PG).";

    private static readonly FrozenDictionary<string, DiscoveryMethod> Methods = new Dictionary<string, DiscoveryMethod>
    {
        ["none"] = DiscoveryMethod.None,
        ["config"] = DiscoveryMethod.Config,
        ["kubernetes"] = DiscoveryMethod.Kubernetes,
    }.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);

    /// <summary>The nodes a starting node contacts to join; empty: the node is a cluster of its own (or uses discovery).</summary>
    public required IReadOnlyList<SeedNode> SeedNodes { get; init; }

    public required DiscoverySettings Discovery { get; init; }

    public required ManagementSettings Management { get; init; }

    /// <summary>Neither seeds nor discovery: the node is a one-member cluster and joins itself.</summary>
    public bool JoinsItself => SeedNodes.Count == 0 && !Discovery.Enabled;

    // Settings compare by value (tests, and a reload that changed nothing): the list by its items.
    public bool Equals(ClusterSettings? other) =>
        other is not null && SeedNodes.SequenceEqual(other.SeedNodes) && Discovery.Equals(other.Discovery) && Management.Equals(other.Management);

    public override int GetHashCode() => SeedNodes.Aggregate(HashCode.Combine(Discovery, Management), (hash, seed) => HashCode.Combine(hash, seed));

    private bool PrintMembers(System.Text.StringBuilder builder)
    {
        builder.Append("SeedNodes = [").AppendJoin(", ", SeedNodes).Append(CultureInfo.InvariantCulture, $"], Discovery = {Discovery}, Management = {Management}");
        return true;
    }

    internal static ClusterSettings Read(SettingsReader cluster, PersistenceSettings persistence, HttpSettings http)
    {
        var seeds = cluster.Get("seed-nodes", (IReadOnlyList<SeedNode>)[], TryParseEndpoints,
            "is not a comma-separated list of host:port (the remoting address of each seed node, e.g. \"10.0.0.5:4053,10.0.0.6:4053\")");
        var sqlite = persistence.Provider == PersistenceProvider.Sqlite;
        if (seeds.Count > 0 && sqlite)
        {
            cluster.Report("seed-nodes",
                SqliteIsOneNode);
        }

        var discovery = ReadDiscovery(cluster.Section("discovery"), sqlite);
        if (seeds.Count > 0 && discovery.Enabled)
        {
            cluster.Report("discovery.method",
                $"= {discovery.Method.ToString().ToLowerInvariant()} cannot be used together with {cluster.Path}.seed-nodes: a node joins " +
                "either its seed nodes or the nodes discovery finds. Leave seed-nodes empty, or set discovery.method = none.");
        }

        var management = cluster.Section("management");
        var hostname = management.Get("hostname", "127.0.0.1", TryParseHost, "is not a host name or IP address");
        var managementPort = management.GetInt("port", 8558, 1, 65535);
        if (discovery.Enabled && managementPort == http.Port)
        {
            management.Report("port",
                $"= {managementPort} is also livetracker.http.port: with discovery the node listens on both, and the management port " +
                "answers only Cluster Bootstrap's route. Give it a port of its own (8558 by default).");
        }

        return new ClusterSettings
        {
            SeedNodes = seeds,
            Discovery = discovery,
            Management = new ManagementSettings
            {
                Hostname = hostname,
                Port = managementPort,
                Bind = management.Get("bind", hostname, TryParseBind, "is not an IP address (0.0.0.0 listens on every interface)"),
            },
        };
    }

    private static DiscoverySettings ReadDiscovery(SettingsReader discovery, bool sqlite)
    {
        var method = discovery.GetChoice("method", DiscoveryMethod.None, Methods);
        if (method != DiscoveryMethod.None && sqlite)
        {
            discovery.Report("method",
                $"= {method.ToString().ToLowerInvariant()} " + SqliteIsOneNode);
        }

        var endpoints = discovery.Get("config-endpoints", (IReadOnlyList<SeedNode>)[], TryParseEndpoints,
            "is not a comma-separated list of host:port (every node's Akka.Management endpoint, livetracker.cluster.management, " +
            "e.g. \"10.0.0.5:8558,10.0.0.6:8558\")");
        if (method == DiscoveryMethod.Config && endpoints.Count == 0)
        {
            discovery.Report("config-endpoints",
                "must list every node's management endpoint (host:port, comma-separated) when discovery.method = config " +
                "(here, or through the LIVETRACKER_DISCOVERY_ENDPOINTS environment variable)",
                anchorKey: "method");
        }

        return new DiscoverySettings
        {
            Method = method,
            ServiceName = discovery.Get("service-name", "livetracker", TryParseServiceName,
                "is not a service name (1 to 63 lowercase letters, digits or '-', starting with a letter)"),
            ConfigEndpoints = endpoints,
            PodLabelSelector = discovery.Get("pod-label-selector", "app.kubernetes.io/name=livetracker", TryParseLabelSelector,
                "is not a Kubernetes label selector of key=value pairs, comma-separated (e.g. \"app.kubernetes.io/name=livetracker\")"),
            RequiredContactPoints = discovery.GetInt("required-contact-points", 2, 1, 1000),
        };
    }

    private static bool TryParseEndpoints(string text, out IReadOnlyList<SeedNode> endpoints)
    {
        var parsed = new List<SeedNode>();
        endpoints = parsed;
        foreach (var part in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (!SeedNode.TryParse(part, out var endpoint))
            {
                return false;
            }

            parsed.Add(endpoint);
        }

        return true;
    }

    private static bool TryParseHost(string text, out string host)
    {
        host = text.Trim();
        return Uri.CheckHostName(host) != UriHostNameType.Unknown;
    }

    private static bool TryParseBind(string text, out string bind)
    {
        bind = text.Trim();
        return IPAddress.TryParse(bind, out _) || bind == "localhost";
    }

    private static bool TryParseServiceName(string text, out string name)
    {
        name = text.Trim();
        return ServiceNamePattern().IsMatch(name);
    }

    private static bool TryParseLabelSelector(string text, out string selector)
    {
        selector = text.Trim();
        var pairs = selector.Split(',', StringSplitOptions.TrimEntries);
        if (pairs.Any(pair => !LabelPattern().IsMatch(pair)))
        {
            return false;
        }

        selector = string.Join(',', pairs);
        return true;
    }

    [GeneratedRegex("^[a-z][a-z0-9-]{0,62}$", RegexOptions.CultureInvariant)]
    private static partial Regex ServiceNamePattern();

    // key=value with Kubernetes' label syntax: an optional DNS prefix and '/', a name, and a value of the same characters.
    [GeneratedRegex(@"^([a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?/)?[A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?=([A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?)?$", RegexOptions.CultureInvariant)]
    private static partial Regex LabelPattern();
}
