using System.Globalization;
using System.Text.RegularExpressions;
using Akka.Configuration;
using Akka.Configuration.Hocon;

namespace LiveTracker.Actors.Configuration;

/// <summary>
/// The settings file (normally <c>akka.hocon</c>) as Akka's HOCON parser read it, after
/// <see cref="SettingsFileScan"/> applied its <c>${?VAR}</c> overrides. Knows the file's name and directory (for
/// messages and relative paths) and which settings came from an environment variable. Akka's parser keeps no
/// positions, so errors about a value name the key and the file, not the line (ADR 0012).
/// </summary>
public sealed partial class SettingsFile
{
    private const string EnvironmentPrefix = SettingsFileScan.EnvironmentSection + ".";

    private SettingsFile(Config config, string name, string directory)
    {
        Config = config;
        Name = name;
        Directory = directory;
    }

    /// <summary>Everything the file says, as Akka's <see cref="Akka.Configuration.Config"/>.</summary>
    public Config Config { get; }

    /// <summary>How messages name the file, e.g. <c>akka.hocon</c>.</summary>
    public string Name { get; }

    /// <summary>The file's directory; relative paths in the settings are taken from here.</summary>
    public string Directory { get; }

    /// <summary>The file's <c>akka</c> section alone, as Akka.Hosting takes it; empty when the file has none.</summary>
    public Config AkkaSection => Find("akka") is { } akka && akka.IsObject() ? akka.AtKey("akka") : Config.Empty;

    /// <summary>Reads and parses a settings file.</summary>
    /// <param name="path">The file; a relative path is taken from the current directory.</param>
    /// <param name="environment">Lookup for <c>${?VAR}</c> overrides; the process environment when null.</param>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="ConfigurationErrorException">The file is not HOCON that Akka's parser reads as written.</exception>
    public static SettingsFile Read(string path, Func<string, string?>? environment = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var fullPath = Path.GetFullPath(path);
        if (!File.Exists(fullPath))
        {
            throw new FileNotFoundException($"The configuration file '{fullPath}' does not exist.", fullPath);
        }

        return Parse(File.ReadAllText(fullPath), Path.GetFileName(fullPath), Path.GetDirectoryName(fullPath)!, environment);
    }

    /// <summary>Parses settings text; <paramref name="name"/> stands in for the file's name in messages.</summary>
    /// <exception cref="ConfigurationErrorException">The text is not HOCON that Akka's parser reads as written.</exception>
    public static SettingsFile Parse(string text, string name, string directory, Func<string, string?>? environment = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentException.ThrowIfNullOrEmpty(directory);
        var scan = SettingsFileScan.Run(text, name, environment ?? Environment.GetEnvironmentVariable);
        if (scan.Errors.Count > 0)
        {
            throw new ConfigurationErrorException(scan.Errors);
        }

        Config config;
        try
        {
            config = ConfigurationFactory.ParseString(scan.Text, include => throw new ConfigurationErrorException(
                [new ConfigurationError(string.Empty, name, $"{name}: include {include} is not supported; keep every setting in {name}")]));
        }
        catch (ConfigurationErrorException)
        {
            throw;
        }
        catch (Exception error) when (error is not OutOfMemoryException)
        {
            throw new ConfigurationErrorException([Describe(error, scan.Text, name)]);
        }

        return new SettingsFile(config, name, directory);
    }

    /// <summary>The value at a dotted path (<c>livetracker.http.port</c>), or null when the file does not set it.</summary>
    internal HoconValue? Find(string path)
    {
        HoconValue? value = Config.Root;
        foreach (var segment in path.Split('.'))
        {
            if (value is null || !value.IsObject())
            {
                return null;
            }

            value = value.GetObject().Items.GetValueOrDefault(segment);
        }

        return value;
    }

    /// <summary>The environment variable a setting's value came from through <c>${?VAR}</c>, or null.</summary>
    public string? EnvironmentVariableOf(string path) =>
        Find(path)?.Values.OfType<HoconSubstitution>()
            .Select(substitution => substitution.Path)
            .FirstOrDefault(p => p.StartsWith(EnvironmentPrefix, StringComparison.Ordinal))?[EnvironmentPrefix.Length..];

    /// <summary>
    /// Where a setting was set, for messages: <c>akka.hocon</c>, or <c>akka.hocon (from environment variable X)</c>;
    /// null when the file does not set it.
    /// </summary>
    public string? Locate(string path) =>
        Find(path) is null ? null
        : EnvironmentVariableOf(path) is { } variable ? $"{Name} (from environment variable {variable})"
        : Name;

    private static ConfigurationError Describe(Exception error, string parsedText, string name)
    {
        var message = error.Message.Trim();
        if (UnresolvedSubstitution().Match(message) is { Success: true } unresolved)
        {
            var path = unresolved.Groups["path"].Value.Trim();
            return new ConfigurationError(string.Empty, name,
                $"{name}: ${{{path}}} refers to a setting the file does not have (an environment variable is read with ${{?{path}}})");
        }

        // The only position Akka's parser gives is a character offset, in a few of its messages; the scan kept every
        // line where it was, so the offset's line in the parsed text is the line in the file.
        if (Position().Match(message) is { Success: true } position
            && int.TryParse(position.Groups["offset"].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var offset)
            && offset <= parsedText.Length)
        {
            var line = parsedText.AsSpan(0, offset).Count('\n') + 1;
            return new ConfigurationError(string.Empty, $"{name} line {line}", $"{name} line {line}: Akka's HOCON parser refuses the file: {message}");
        }

        return new ConfigurationError(string.Empty, name, $"{name}: Akka's HOCON parser refuses the file: {message}");
    }

    [GeneratedRegex(@"^Unresolved substitution:\s*(?<path>\S*)", RegexOptions.CultureInvariant)]
    private static partial Regex UnresolvedSubstitution();

    [GeneratedRegex(@"at position (?<offset>\d+)", RegexOptions.CultureInvariant)]
    private static partial Regex Position();
}
