using System.Text.RegularExpressions;
using LiveTracker.Actors.Hocon;
using Microsoft.Extensions.Configuration;

namespace LiveTracker.Actors.Configuration;

/// <summary>
/// Every setting under <c>livetracker</c> in <c>akka.hocon</c>, typed and validated. Built only by
/// <see cref="Load(IConfiguration, string?)"/>, which reports all bad values at once, each with its key
/// and line, and rejects keys it does not know.
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

    public required ShardingSettings Sharding { get; init; }

    public required ActorSettings Actors { get; init; }

    public required DomainSettings Domain { get; init; }

    /// <summary>
    /// The file's text as Akka's own HOCON parser reads it (checked when loaded); its <c>akka</c> section is laid over
    /// the product's baseline (<see cref="Hosting.LiveTrackerAkka"/>): remoting, cluster, sharding and persistence
    /// tuning. Kept as text so that two settings compare by what they say.
    /// </summary>
    public string AkkaHocon { get; init; } = "";

    /// <summary>
    /// Reads and validates the <c>livetracker</c> section.
    /// </summary>
    /// <param name="configuration">
    /// The configuration root (e.g. the web host's <c>builder.Configuration</c>). A root is needed for
    /// errors to name the file and line; a plain section still loads, with less precise messages.
    /// </param>
    /// <param name="baseDirectory">
    /// Directory a relative <c>data-directory</c> is taken from. When null: the directory of the HOCON
    /// file that set <c>data-directory</c>, else of the last HOCON file added, else the current directory.
    /// </param>
    /// <exception cref="ConfigurationErrorException">One or more settings are invalid or unknown.</exception>
    public static LiveTrackerSettings Load(IConfiguration configuration, string? baseDirectory = null)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var root = new SettingsReader(configuration, SectionName);

        var nodeId = root.Get("node-id", "node-1", TryParseNodeId,
            "is not a valid node id (1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit)");
        var dataDirectory = Path.GetFullPath(Path.Combine(
            baseDirectory ?? ConfigurationDirectory(configuration, SectionName + ":data-directory"),
            root.Get("data-directory", "data", TryParsePath, "is not a valid directory path")));

        var settings = new LiveTrackerSettings
        {
            NodeId = nodeId,
            DataDirectory = dataDirectory,
            Http = HttpSettings.Read(root.Section("http")),
            Persistence = PersistenceSettings.Read(root.Section("persistence"), dataDirectory),
            Sharding = ShardingSettings.Read(root.Section("sharding")),
            Actors = ActorSettings.Read(root.Section("actors")),
            Domain = DomainSettings.Read(root.Section("domain")),
        };

        root.RejectUnknownKeys();
        root.ThrowIfInvalid();
        return settings;
    }

    /// <summary>
    /// Reads a HOCON file (normally <c>akka.hocon</c>) and validates its <c>livetracker</c> section.
    /// A relative <c>data-directory</c> is taken from the file's directory.
    /// </summary>
    /// <param name="hoconFilePath">The settings file.</param>
    /// <param name="environmentVariables">Lookup for <c>${?VAR}</c> overrides; the process environment when null.</param>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="HoconException">The file is not valid HOCON.</exception>
    /// <exception cref="ConfigurationErrorException">One or more settings are invalid or unknown.</exception>
    public static LiveTrackerSettings Load(string hoconFilePath, Func<string, string?>? environmentVariables = null)
    {
        var configuration = new ConfigurationBuilder()
            .AddHoconFile(hoconFilePath, optional: false, environmentVariables)
            .Build();
        var text = File.ReadAllText(hoconFilePath);
        try
        {
            global::Akka.Configuration.ConfigurationFactory.ParseString(text);
        }
        catch (Exception error) when (error is not OutOfMemoryException)
        {
            throw new ConfigurationErrorException([new ConfigurationError("akka", hoconFilePath, $"{hoconFilePath}: Akka's HOCON parser refuses the file: {error.Message}")]);
        }
        return Load(configuration) with { AkkaHocon = text };
    }

    /// <summary>All defaults, with a relative data directory taken from <paramref name="baseDirectory"/>.</summary>
    public static LiveTrackerSettings CreateDefault(string baseDirectory) =>
        Load(new ConfigurationBuilder().Build(), baseDirectory);

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

    private static string ConfigurationDirectory(IConfiguration configuration, string key)
    {
        if (configuration.FindProvider(key) is HoconConfigurationProvider { Directory: { } setBy })
        {
            return setBy;
        }

        var lastFile = (configuration as IConfigurationRoot)?.Providers
            .OfType<HoconConfigurationProvider>()
            .LastOrDefault(p => p.Directory is not null);
        return lastFile?.Directory ?? Environment.CurrentDirectory;
    }

    // Node ids end up in URLs, table rows and log lines; keep them to characters that need no escaping.
    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$", RegexOptions.CultureInvariant)]
    private static partial Regex NodeIdPattern();
}
