using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace LiveTracker.Actors.Hocon;

/// <summary>
/// Flattens a HOCON tree into configuration keys: <c>livetracker.http.port</c> becomes
/// <c>livetracker:http:port</c> and array elements become <c>key:0</c>, <c>key:1</c>. Key names keep
/// their spelling (kebab-case stays kebab-case). Alongside the values it keeps where each key was
/// written, so whoever validates the values can point the operator at the right line.
/// </summary>
public sealed class HoconConfigurationProvider : ConfigurationProvider
{
    private readonly HoconConfigurationSource _source;
    private Dictionary<string, HoconSource> _positions = new(StringComparer.OrdinalIgnoreCase);

    public HoconConfigurationProvider(HoconConfigurationSource source)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (source.Text is null && source.Path is null)
        {
            throw new ArgumentException("A HOCON configuration source needs a Path or a Text.", nameof(source));
        }

        _source = source;
    }

    /// <summary>Absolute path of the file this provider reads, or null for in-memory text.</summary>
    public string? FilePath => _source.Text is null ? Path.GetFullPath(_source.Path!) : null;

    /// <summary>Directory of <see cref="FilePath"/>; relative paths in the settings are taken from here.</summary>
    public string? Directory => FilePath is { } file ? Path.GetDirectoryName(file) : null;

    /// <summary>The resolved tree from the last load; null before loading or when an optional file is missing.</summary>
    public HoconObject? Root { get; private set; }

    /// <summary>The display name used in positions, e.g. <c>akka.hocon</c>.</summary>
    public string Name => _source.Name ?? (FilePath is { } file ? Path.GetFileName(file) : "hocon");

    /// <exception cref="HoconException">The text is not valid HOCON.</exception>
    /// <exception cref="FileNotFoundException">The file is missing and the source is not optional.</exception>
    public override void Load()
    {
        string text;
        if (_source.Text is not null)
        {
            text = _source.Text;
        }
        else if (File.Exists(FilePath))
        {
            text = File.ReadAllText(FilePath);
        }
        else if (_source.Optional)
        {
            Root = null;
            Data = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
            _positions = new Dictionary<string, HoconSource>(StringComparer.OrdinalIgnoreCase);
            return;
        }
        else
        {
            throw new FileNotFoundException($"The configuration file '{FilePath}' does not exist.", FilePath);
        }

        var root = HoconDocument.Parse(text, Name, _source.EnvironmentVariables);
        var data = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        var positions = new Dictionary<string, HoconSource>(StringComparer.OrdinalIgnoreCase);
        Flatten(root, prefix: null, data, positions);
        Root = root;
        Data = data;
        _positions = positions;
    }

    /// <summary>
    /// Where a configuration key (<c>livetracker:http:port</c>) was written. Also answers for keys of
    /// objects and arrays, whose position is where they were opened.
    /// </summary>
    public bool TryGetSource(string key, out HoconSource source) => _positions.TryGetValue(key, out source);

    public override string ToString() => $"{nameof(HoconConfigurationProvider)} for '{Name}'";

    private static void Flatten(HoconValue value, string? prefix, Dictionary<string, string?> data, Dictionary<string, HoconSource> positions)
    {
        if (prefix is not null)
        {
            positions[prefix] = value.Source;
        }

        switch (value)
        {
            case HoconObject obj:
                foreach (var key in obj.Keys)
                {
                    Flatten(obj[key], Combine(prefix, key), data, positions);
                }

                break;
            case HoconArray array:
                for (var i = 0; i < array.Items.Count; i++)
                {
                    Flatten(array.Items[i], Combine(prefix, i.ToString(CultureInfo.InvariantCulture)), data, positions);
                }

                break;
            case HoconScalar scalar when prefix is not null:
                data[prefix] = scalar.Text;
                break;
            default:
                throw new UnreachableException($"Unexpected HOCON node {value.GetType().Name}.");
        }
    }

    private static string Combine(string? prefix, string key) =>
        prefix is null ? key : prefix + ConfigurationPath.KeyDelimiter + key;
}
