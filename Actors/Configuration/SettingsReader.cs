using LiveTracker.Actors.Billing;
using System.Globalization;
using System.Net;
using System.Text;
using LiveTracker.Actors.Hocon;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.CommandLine;
using Microsoft.Extensions.Configuration.EnvironmentVariables;

namespace LiveTracker.Actors.Configuration;

/// <summary>Turns a setting's text into a typed value; false when the text is not acceptable.</summary>
public delegate bool SettingParser<T>(string text, out T value);

/// <summary>
/// Reads typed settings from one configuration section and collects every problem instead of stopping
/// at the first, each message naming the key in HOCON notation and the file and line it was set on.
/// Every key read is remembered as known, so <see cref="RejectUnknownKeys"/> needs no separate schema:
/// whatever the loader does not read is, by definition, a key nobody will ever look at — usually a typo.
/// </summary>
public sealed class SettingsReader
{
    private readonly IConfiguration _configuration;
    private readonly string _path;
    private readonly ReadState _state;

    /// <param name="configuration">The configuration root; a root is needed to tell which file and line a key came from.</param>
    /// <param name="sectionPath">The section to read, in HOCON (<c>livetracker</c>) or configuration (<c>a:b</c>) notation.</param>
    public SettingsReader(IConfiguration configuration, string sectionPath)
        : this(configuration, ToConfigurationPath(sectionPath), new ReadState())
    {
    }

    private SettingsReader(IConfiguration configuration, string path, ReadState state)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        _configuration = configuration;
        _path = path;
        _state = state;
        _state.KnownSections.Add(path);
    }

    /// <summary>This section's path in HOCON notation, e.g. <c>livetracker.http</c>.</summary>
    public string Path => ToHoconPath(_path);

    public bool HasErrors => _state.Errors.Count > 0;

    public IReadOnlyList<ConfigurationError> Errors => _state.Errors;

    /// <summary>A reader for a sub-section sharing this reader's errors and known keys.</summary>
    public SettingsReader Section(string name) => new(_configuration, Combine(_path, name), _state);

    /// <summary>
    /// Reads <paramref name="key"/> with <paramref name="parse"/>; an absent key yields
    /// <paramref name="defaultValue"/>, a bad one records an error ("… = "x" <paramref name="expectation"/>")
    /// and also yields the default so the remaining settings are still checked.
    /// </summary>
    public T Get<T>(string key, T defaultValue, SettingParser<T> parse, string expectation)
    {
        ArgumentNullException.ThrowIfNull(parse);
        var text = ReadText(key);
        if (text is null)
        {
            return defaultValue;
        }

        if (parse(text, out var value))
        {
            return value;
        }

        Fail(Combine(_path, key), text, expectation);
        return defaultValue;
    }

    /// <summary>The raw text of a setting, or null when absent; the key counts as known.</summary>
    public string? GetRaw(string key) => ReadText(key);

    public bool HasValue(string key) => _configuration[Combine(_path, key)] is not null;

    public string GetString(string key, string defaultValue, bool allowEmpty = false) =>
        Get(key, defaultValue, (string text, out string value) =>
        {
            value = text;
            return allowEmpty || !string.IsNullOrWhiteSpace(text);
        }, "must not be empty");

    public int GetInt(string key, int defaultValue, int min, int max) =>
        Get(key, defaultValue, (string text, out int value) =>
            int.TryParse(text, NumberStyles.AllowLeadingSign | NumberStyles.AllowLeadingWhite | NumberStyles.AllowTrailingWhite, CultureInfo.InvariantCulture, out value)
            && value >= min && value <= max,
            string.Create(CultureInfo.InvariantCulture, $"is not a whole number between {min} and {max}"));

    public long GetLong(string key, long defaultValue, long min, long max) =>
        Get(key, defaultValue, (string text, out long value) =>
            long.TryParse(text, NumberStyles.AllowLeadingSign | NumberStyles.AllowLeadingWhite | NumberStyles.AllowTrailingWhite, CultureInfo.InvariantCulture, out value)
            && value >= min && value <= max,
            string.Create(CultureInfo.InvariantCulture, $"is not a whole number between {min} and {max}"));

    /// <summary>Accepts HOCON's boolean spellings: true/false, yes/no, on/off.</summary>
    public bool GetBool(string key, bool defaultValue) =>
        Get(key, defaultValue, TryParseBool, "is not a boolean (true or false; yes/no and on/off also work)");

    /// <summary>One of a fixed set of words, e.g. <c>sqlite</c> or <c>postgresql</c>; case does not matter.</summary>
    public T GetChoice<T>(string key, T defaultValue, IReadOnlyDictionary<string, T> choices)
    {
        ArgumentNullException.ThrowIfNull(choices);
        return Get(key, defaultValue, (string text, out T value) =>
        {
            foreach (var (name, choice) in choices)
            {
                if (string.Equals(name, text.Trim(), StringComparison.OrdinalIgnoreCase))
                {
                    value = choice;
                    return true;
                }
            }

            value = defaultValue;
            return false;
        }, $"is not one of: {string.Join(", ", choices.Keys)}");
    }

    /// <summary>A duration with a unit (<c>250ms</c>, <c>30s</c>, <c>5m</c>, <c>1h</c>, <c>2d</c>, <c>10 minutes</c>) within a range.</summary>
    public TimeSpan GetDuration(string key, TimeSpan defaultValue, TimeSpan min, TimeSpan max) =>
        Get(key, defaultValue, (string text, out TimeSpan value) =>
            HoconDuration.TryParse(text, out value) && value >= min && value <= max,
            $"is not a duration between {HoconDuration.Format(min)} and {HoconDuration.Format(max)} " +
            "(write a number and a unit, e.g. 250ms, 30s, 5m, 1h or 2d)");

    /// <summary>A size in bytes, plain (<c>8388608</c>) or with a unit (<c>8 MiB</c>), within a range.</summary>
    public long GetByteSize(string key, long defaultValue, long min, long max) =>
        Get(key, defaultValue, (string text, out long value) =>
            HoconByteSize.TryParse(text, out value) && value >= min && value <= max,
            $"is not a size between {HoconByteSize.Format(min)} and {HoconByteSize.Format(max)} " +
            "(a number of bytes, or with a unit such as 512 KiB or 8 MiB)");

    /// <summary>An IANA time zone id known to this machine, e.g. <c>UTC</c> or <c>America/New_York</c>.</summary>
    public TimeZoneInfo GetTimeZone(string key, string defaultId)
    {
        const string Expectation = "is not a time zone known to this machine (use an IANA id such as UTC, Europe/Berlin or America/New_York)";
        var zone = Get<TimeZoneInfo?>(key, null, (string text, out TimeZoneInfo? value) => TryFindZone(text, out value), Expectation);
        if (zone is not null)
        {
            return zone;
        }

        if (TryFindZone(defaultId, out var fallback))
        {
            return fallback!;
        }

        // Containers without tzdata know only UTC; say so rather than failing later on first use.
        Fail(Combine(_path, key), defaultId, "(the default) is not a time zone known to this machine; install the tzdata package or choose another zone");
        return TimeZoneInfo.Utc;
    }

    /// <summary>A day and time of the week, e.g. <c>Monday 07:00</c>.</summary>
    public WeeklyTime GetWeeklyTime(string key, WeeklyTime defaultValue) =>
        Get(key, defaultValue, WeeklyTime.TryParse, "is not a day of the week and a 24-hour time such as \"Monday 07:00\"");

    /// <summary>An IP address to listen on, or <c>localhost</c>, or <c>*</c> / <c>+</c> for every interface.</summary>
    public string GetBindAddress(string key, string defaultValue) =>
        Get(key, defaultValue, (string text, out string value) =>
        {
            value = text.Trim();
            return value is "localhost" or "*" or "+" || IPAddress.TryParse(value, out _);
        }, "is not an IP address, \"localhost\", or \"*\" for every interface");

    /// <summary>
    /// Records a problem that is not about the shape of one value (e.g. two settings that contradict each
    /// other). The message names <paramref name="key"/>; the location is where <paramref name="key"/> was
    /// set or, when it was not set anywhere, where <paramref name="anchorKey"/> was.
    /// </summary>
    public void Report(string key, string problem, string? anchorKey = null)
    {
        var fullKey = Combine(_path, key);
        var location = LocateFull(fullKey) ?? (anchorKey is null ? null : LocateFull(Combine(_path, anchorKey)));
        Add(fullKey, location, $"{ToHoconPath(fullKey)} {problem}");
    }

    /// <summary>Where a key of this section was set, e.g. <c>akka.hocon line 14</c>, or null if nowhere.</summary>
    public string? Locate(string key) => LocateFull(Combine(_path, key));

    /// <summary>
    /// Records an error for every key under this section that no getter has read: a misspelt key would
    /// otherwise be silently ignored and its default used. Call after all getters.
    /// </summary>
    public void RejectUnknownKeys()
    {
        foreach (var child in _configuration.GetSection(_path).GetChildren())
        {
            CheckKnown(child);
        }
    }

    /// <exception cref="ConfigurationErrorException">Any problem was recorded.</exception>
    public void ThrowIfInvalid()
    {
        if (HasErrors)
        {
            throw new ConfigurationErrorException(_state.Errors.ToList());
        }
    }

    private string? ReadText(string key)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        var fullKey = Combine(_path, key);
        _state.KnownLeaves.Add(fullKey);
        var section = _configuration.GetSection(fullKey);
        if (section.Value is null && section.GetChildren().Any())
        {
            Add(fullKey, LocateFull(fullKey), $"{ToHoconPath(fullKey)} is an object, but a single value is expected here");
        }

        return section.Value;
    }

    private void CheckKnown(IConfigurationSection section)
    {
        var key = section.Path;
        if (_state.KnownLeaves.Contains(key))
        {
            return;
        }

        var isObject = section.GetChildren().Any();
        if (_state.KnownSections.Contains(key) || IsPrefixOfKnown(key))
        {
            if (isObject)
            {
                foreach (var child in section.GetChildren())
                {
                    CheckKnown(child);
                }
            }
            else
            {
                Add(key, LocateFull(key), $"{ToHoconPath(key)} is a section ({ListKnownChildren(key)}), not a single value; write {ToHoconPath(key)} {{ ... }}");
            }

            return;
        }

        var what = isObject ? "unknown section" : "unknown key";
        var message = Suggest(key) is { } suggestion
            ? $"{what} {ToHoconPath(key)}; did you mean {ToHoconPath(suggestion)}?"
            : $"{what} {ToHoconPath(key)}; known keys in {ToHoconPath(ParentOf(key))}: {ListKnownChildren(ParentOf(key))}";
        Add(key, LocateFull(key), message);
    }

    private bool IsPrefixOfKnown(string key) =>
        _state.KnownLeaves.Any(k => k.StartsWith(key + ConfigurationPath.KeyDelimiter, StringComparison.OrdinalIgnoreCase));

    private string ListKnownChildren(string sectionKey)
    {
        var prefix = sectionKey + ConfigurationPath.KeyDelimiter;
        var names = _state.KnownLeaves.Concat(_state.KnownSections)
            .Where(k => k.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
            .Select(k => k[prefix.Length..].Split(ConfigurationPath.KeyDelimiter)[0])
            .Distinct(StringComparer.OrdinalIgnoreCase);
        return string.Join(", ", names);
    }

    /// <summary>
    /// The known key closest in spelling, or one with the same last segment elsewhere (a key put in the
    /// wrong section); null when nothing is close enough to be a plausible typo.
    /// </summary>
    private string? Suggest(string unknownKey)
    {
        string? best = null;
        var bestDistance = int.MaxValue;
        var unknownLeaf = LastSegment(unknownKey);
        foreach (var known in _state.KnownLeaves.Concat(_state.KnownSections))
        {
            var knownLeaf = LastSegment(known);

            // Allow about one slip per four letters, and never so many that the whole name is replaced.
            var threshold = Math.Min(Math.Max(1, knownLeaf.Length / 4), knownLeaf.Length - 1);
            var distance = EditDistance(unknownKey, known);
            if (distance > threshold && unknownLeaf.Length > 3 && EditDistance(unknownLeaf, knownLeaf) <= 1)
            {
                distance = threshold;
            }

            if (distance <= threshold && distance < bestDistance)
            {
                best = known;
                bestDistance = distance;
            }
        }

        return best;
    }

    private static int EditDistance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var substitution = char.ToUpperInvariant(a[i - 1]) == char.ToUpperInvariant(b[j - 1]) ? 0 : 1;
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + substitution);
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }

    private void Fail(string fullKey, string text, string expectation) =>
        Add(fullKey, LocateFull(fullKey), $"{ToHoconPath(fullKey)} = {Quote(text)} {expectation}");

    private void Add(string fullKey, string? location, string message) =>
        _state.Errors.Add(new ConfigurationError(ToHoconPath(fullKey), location, location is null ? message : $"{location}: {message}"));

    private string? LocateFull(string fullKey)
    {
        if (_configuration.TryGetHoconSource(fullKey, out var source))
        {
            return source.Describe();
        }

        return _configuration.FindProvider(fullKey) switch
        {
            null => null,
            EnvironmentVariablesConfigurationProvider => "environment variables",
            CommandLineConfigurationProvider => "command line",
            FileConfigurationProvider file when file.Source.Path is { } path => System.IO.Path.GetFileName(path),
            var other => other.ToString(),
        };
    }

    private static bool TryParseBool(string text, out bool value)
    {
        switch (text.Trim().ToUpperInvariant())
        {
            case "TRUE" or "YES" or "ON":
                value = true;
                return true;
            case "FALSE" or "NO" or "OFF":
                value = false;
                return true;
            default:
                value = false;
                return false;
        }
    }

    private static bool TryFindZone(string text, out TimeZoneInfo? zone)
    {
        zone = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        try
        {
            zone = TimeZoneInfo.FindSystemTimeZoneById(text.Trim());
            return true;
        }
        catch (Exception e) when (e is TimeZoneNotFoundException or InvalidTimeZoneException or ArgumentException or IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>Quotes a value for a message the way it would be written in HOCON, so stray spaces and empty strings are visible.</summary>
    private static string Quote(string text)
    {
        var quoted = new StringBuilder("\"");
        foreach (var c in text.Length > 200 ? text[..200] + "…" : text)
        {
            quoted.Append(c switch
            {
                '"' => "\\\"",
                '\\' => "\\\\",
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                _ when char.IsControl(c) => string.Create(CultureInfo.InvariantCulture, $"\\u{(int)c:x4}"),
                _ => c.ToString(),
            });
        }

        return quoted.Append('"').ToString();
    }

    private static string Combine(string path, string key) => ConfigurationPath.Combine(path, ToConfigurationPath(key));

    private static string ToConfigurationPath(string path) => path.Replace('.', ':');

    private static string ToHoconPath(string path) => path.Replace(':', '.');

    private static string ParentOf(string key) => ConfigurationPath.GetParentPath(key) ?? string.Empty;

    private static string LastSegment(string key) => ConfigurationPath.GetSectionKey(key);

    /// <summary>What the reader and its sections share: one list of errors and one set of known keys.</summary>
    private sealed class ReadState
    {
        public List<ConfigurationError> Errors { get; } = [];

        public HashSet<string> KnownLeaves { get; } = new(StringComparer.OrdinalIgnoreCase);

        public HashSet<string> KnownSections { get; } = new(StringComparer.OrdinalIgnoreCase);
    }
}
