using System.Text.RegularExpressions;
using Akka.Configuration;

namespace LiveTracker.Actors.Configuration;

/// <summary>
/// Every setting under <c>livetracker</c> in <c>akka.hocon</c>, typed and validated. Built only by
/// <see cref="Load(SettingsFile, string?)"/>, which reports all bad values at once, each with its key
/// and the file, and rejects keys it does not know.
/// </summary>
public sealed partial record LiveTrackerSettings
{
    /// <summary>The configuration section this type reads.</summary>
    public const string SectionName = "livetracker";

    /// <summary>This node's name in the cluster and in the journal's writer column.</summary>
    public required string NodeId { get; init; }

    /// <summary>Absolute directory for the SQLite journal, screenshots and other local state.</summary>
    public required string DataDirectory { get; init; }

    public required HttpSettings Http { get; init; }

    public required PersistenceSettings Persistence { get; init; }

    public required ClusterSettings Cluster { get; init; }

    public required ShardingSettings Sharding { get; init; }

    public required ActorSettings Actors { get; init; }

    public required DomainSettings Domain { get; init; }

    /// <summary>
    /// The file's <c>akka</c> section as Akka's HOCON parser read it; it is laid over the product's baseline
    /// (<see cref="Hosting.LiveTrackerAkka"/>): remoting, cluster, sharding and persistence tuning. Empty by default.
    /// </summary>
    public Config AkkaConfig { get; init; } = Config.Empty;

    /// <summary>Reads and validates the <c>livetracker</c> section of a parsed settings file.</summary>
    /// <param name="file">The settings file, e.g. from <see cref="SettingsFile.Read"/>.</param>
    /// <param name="baseDirectory">Directory a relative <c>data-directory</c> is taken from; the file's directory when null.</param>
    /// <exception cref="ConfigurationErrorException">One or more settings are invalid or unknown.</exception>
    public static LiveTrackerSettings Load(SettingsFile file, string? baseDirectory = null)
    {
        ArgumentNullException.ThrowIfNull(file);
        var root = new SettingsReader(file, SectionName);

        var nodeId = root.Get("node-id", "node-1", TryParseNodeId,
            "is not a valid node id (1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit)");
        var dataDirectory = Path.GetFullPath(Path.Combine(
            baseDirectory ?? file.Directory,
            root.Get("data-directory", "data", TryParsePath, "is not a valid directory path")));

        var persistence = PersistenceSettings.Read(root.Section("persistence"), dataDirectory);
        var http = HttpSettings.Read(root.Section("http"));
        var settings = new LiveTrackerSettings
        {
            NodeId = nodeId,
            DataDirectory = dataDirectory,
            Http = http,
            Persistence = persistence,
            Cluster = ClusterSettings.Read(root.Section("cluster"), persistence, http),
            Sharding = ShardingSettings.Read(root.Section("sharding")),
            Actors = ActorSettings.Read(root.Section("actors")),
            Domain = DomainSettings.Read(root.Section("domain")),
            AkkaConfig = file.AkkaSection,
        };

        root.RejectUnknownKeys();
        root.ThrowIfInvalid();
        return settings;
    }

    /// <summary>
    /// Reads a settings file (normally <c>akka.hocon</c>) with Akka's HOCON parser and validates its <c>livetracker</c>
    /// section. A relative <c>data-directory</c> is taken from the file's directory.
    /// </summary>
    /// <param name="hoconFilePath">The settings file.</param>
    /// <param name="environmentVariables">Lookup for <c>${?VAR}</c> overrides; the process environment when null.</param>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="ConfigurationErrorException">The file is not valid HOCON, or settings are invalid or unknown.</exception>
    public static LiveTrackerSettings Load(string hoconFilePath, Func<string, string?>? environmentVariables = null) =>
        Load(SettingsFile.Read(hoconFilePath, environmentVariables));

    /// <summary>All defaults, with a relative data directory taken from <paramref name="baseDirectory"/>.</summary>
    public static LiveTrackerSettings CreateDefault(string baseDirectory) =>
        Load(SettingsFile.Parse(string.Empty, "defaults", baseDirectory, _ => null));

    internal static bool TryParsePath(string text, out string path)
    {
        path = text.Trim();
        return path.Length > 0 && path.IndexOfAny(Path.GetInvalidPathChars()) < 0;
    }

    private static bool TryParseNodeId(string text, out string nodeId)
    {
        nodeId = text.Trim();
        return NodeIdPattern().IsMatch(nodeId);
    }

    // Node ids end up in URLs, table rows and log lines; keep them to characters that need no escaping.
    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$", RegexOptions.CultureInvariant)]
    private static partial Regex NodeIdPattern();
}
