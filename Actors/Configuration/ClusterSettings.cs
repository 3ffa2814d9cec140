using System.Globalization;

namespace LiveTracker.Actors.Configuration;

/// <summary>A node of the cluster others reach it at: the host and port of its remoting (<c>akka.remote.dot-netty.tcp</c>).</summary>
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

/// <summary><c>livetracker.cluster</c>: which nodes this one joins.</summary>
public sealed record ClusterSettings
{
    /// <summary>The nodes a starting node contacts to join; empty: the node is a cluster of its own.</summary>
    public required IReadOnlyList<SeedNode> SeedNodes { get; init; }

    // Settings compare by value (tests, and a reload that changed nothing): the list by its items.
    public bool Equals(ClusterSettings? other) => other is not null && SeedNodes.SequenceEqual(other.SeedNodes);

    public override int GetHashCode() => SeedNodes.Aggregate(0, (hash, seed) => HashCode.Combine(hash, seed));

    private bool PrintMembers(System.Text.StringBuilder builder)
    {
        builder.Append("SeedNodes = [").AppendJoin(", ", SeedNodes).Append(']');
        return true;
    }

    internal static ClusterSettings Read(SettingsReader cluster, PersistenceSettings persistence)
    {
        var seeds = cluster.Get("seed-nodes", (IReadOnlyList<SeedNode>)[], TryParseSeeds,
            "is not a comma-separated list of host:port (the remoting address of each seed node, e.g. \"10.0.0.5:4053,10.0.0.6:4053\")");
        if (seeds.Count > 0 && persistence.Provider == PersistenceProvider.Sqlite)
        {
            cluster.Report("seed-nodes",
                "cannot be used with livetracker.persistence.provider = sqlite: the SQLite journal is one node's file and no other node can " +
                "read or write it. A cluster keeps its journal in PostgreSQL (provider = postgresql, connection-string or LIVETRACKER_PG).");
        }

        return new ClusterSettings { SeedNodes = seeds };
    }

    private static bool TryParseSeeds(string text, out IReadOnlyList<SeedNode> seeds)
    {
        var parsed = new List<SeedNode>();
        seeds = parsed;
        foreach (var part in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (!SeedNode.TryParse(part, out var seed))
            {
                return false;
            }

            parsed.Add(seed);
        }

        return true;
    }
}
