using System.Globalization;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using Akka.Configuration.Hocon;
using LiveTracker.Actors.Billing;

namespace LiveTracker.Actors.Configuration;

/// <summary>Turns a setting's text into a typed value; false when the text is not acceptable.</summary>
public delegate bool SettingParser<T>(string text, out T value);

/// <summary>
/// Reads typed settings from one section of the settings file and collects every problem instead of stopping
/// at the first, each message naming the key and the file it was set in (and the environment variable, when
/// the value came through one). Akka's HOCON parser keeps no positions, so there is no line (ADR 0012).
/// Every key read is remembered as known, so <see cref="RejectUnknownKeys"/> needs no separate schema:
/// whatever the loader does not read is, by definition, a key nobody will ever look at — usually a typo.
/// </summary>
public sealed partial class SettingsReader
{
    private readonly SettingsFile _file;
    private readonly string _path;
    private readonly ReadState _state;

    /// <param name="file">The parsed settings file.</param>
    /// <param name="sectionPath">The section to read, e.g. <c>livetracker</c>.</param>
    public SettingsReader(SettingsFile file, string sectionPath)
        : this(file, sectionPath, new ReadState())
    {
    }

    private SettingsReader(SettingsFile file, string path, ReadState state)
    {
        ArgumentNullException.ThrowIfNull(file);
        ArgumentException.ThrowIfNullOrEmpty(path);
        _file = file;
        _path = path;
        _state = state;
        _state.KnownSections.Add(path);
    }

    /// <summary>This section's path, e.g. <c>livetracker.http</c>.</summary>
    public string Path => _path;

    public bool HasErrors => _state.Errors.Count > 0;

    public IReadOnlyList<ConfigurationError> Errors => _state.Errors;

    /// <summary>A reader for a sub-section sharing this reader's errors and known keys.</summary>
    public SettingsReader Section(string name) => new(_file, Combine(_path, name), _state);

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

    public bool HasValue(string key) => _file.Find(Combine(_path, key)) is { } value && value.IsString() && value.GetString() is not null;

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

    /// <summary>
    /// A duration with a unit (<c>250ms</c>, <c>30s</c>, <c>5m</c>, <c>1h</c>, <c>2d</c>, <c>10 minutes</c>) within a range,
    /// read by Akka's <see cref="HoconValue.GetTimeSpan"/>. A bare number is refused, although Akka would take it as
    /// milliseconds: whether <c>ask-timeout = 5</c> meant milliseconds or seconds is a guess a settings file should not make.
    /// </summary>
    public TimeSpan GetDuration(string key, TimeSpan defaultValue, TimeSpan min, TimeSpan max) =>
        Get(key, defaultValue, (string text, out TimeSpan value) =>
            TryAkka(text, v => v.GetTimeSpan(allowInfinite: false), out value) && !BareNumber().IsMatch(text) && value >= min && value <= max,
            $"is not a duration between {FormatDuration(min)} and {FormatDuration(max)} " +
            "(write a number and a unit, e.g. 250ms, 30s, 5m, 1h or 2d)");

    /// <summary>
    /// A size in bytes, plain (<c>8388608</c>) or with a unit (<c>8 MiB</c>; <c>kB</c>, <c>MB</c> are powers of 1000), within a
    /// range, read by Akka's <see cref="HoconValue.GetByteSize"/>.
    /// </summary>
    public long GetByteSize(string key, long defaultValue, long min, long max) =>
        Get(key, defaultValue, (string text, out long value) =>
        {
            // Akka's reader wraps around past long.MaxValue (9999999999 GiB comes out negative); nothing that long is a size here.
            var read = Digits().Match(text).Length <= 12 && TryAkka(text, v => v.GetByteSize(), out long? bytes) ? bytes : null;
            value = read ?? 0;
            return read >= min && read <= max;
        },
            $"is not a size between {FormatSize(min)} and {FormatSize(max)} " +
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
        Add(fullKey, location, $"{fullKey} {problem}");
    }

    /// <summary>Where a key of this section was set, e.g. <c>akka.hocon</c>, or null if nowhere.</summary>
    public string? Locate(string key) => LocateFull(Combine(_path, key));

    /// <summary>
    /// Records an error for every key under this section that no getter has read: a misspelt key would
    /// otherwise be silently ignored and its default used. Call after all getters.
    /// </summary>
    public void RejectUnknownKeys()
    {
        if (_file.Find(_path) is { } section && section.IsObject())
        {
            foreach (var (key, child) in section.GetObject().Items)
            {
                CheckKnown(Combine(_path, key), child);
            }
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
        switch (_file.Find(fullKey))
        {
            case null:
                return null;
            case var value when value.IsObject():
                Add(fullKey, LocateFull(fullKey), $"{fullKey} is an object, but a single value is expected here");
                return null;
            case var value when value.IsArray():
                Add(fullKey, LocateFull(fullKey), $"{fullKey} is a list, but a single value is expected here");
                return null;
            case var value:
                // `key = null` is HOCON for "not set": the default applies.
                return value.GetString();
        }
    }

    private void CheckKnown(string key, HoconValue value)
    {
        if (_state.KnownLeaves.Contains(key))
        {
            return;
        }

        var isObject = value.IsObject();
        if (_state.KnownSections.Contains(key) || IsPrefixOfKnown(key))
        {
            if (isObject)
            {
                foreach (var (childKey, child) in value.GetObject().Items)
                {
                    CheckKnown(Combine(key, childKey), child);
                }
            }
            else
            {
                Add(key, LocateFull(key), $"{key} is a section ({ListKnownChildren(key)}), not a single value; write {key} {{ ... }}");
            }

            return;
        }

        var what = isObject ? "unknown section" : "unknown key";
        var parent = ParentOf(key);

        // Akka's parser reads `port 5080` (no '=') as a key with a space in it.
        var message = !isObject && LastSegment(key).Split(' ', 2, StringSplitOptions.TrimEntries) is [var first, var rest]
            && _state.KnownLeaves.Contains(Combine(parent, first))
            ? $"{what} {key}; a key and its value need '=' between them: {Combine(parent, first)} = {rest}"
            : Suggest(key) is { } suggestion
            ? $"{what} {key}; did you mean {suggestion}?"
            : $"{what} {key}; known keys in {parent}: {ListKnownChildren(parent)}";
        Add(key, LocateFull(key), message);
    }

    private bool IsPrefixOfKnown(string key) =>
        _state.KnownLeaves.Any(k => k.StartsWith(key + ".", StringComparison.Ordinal));

    private string ListKnownChildren(string sectionKey)
    {
        var prefix = sectionKey + ".";
        var names = _state.KnownLeaves.Concat(_state.KnownSections)
            .Where(k => k.StartsWith(prefix, StringComparison.Ordinal))
            .Select(k => k[prefix.Length..].Split('.')[0])
            .Distinct(StringComparer.Ordinal);
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
        Add(fullKey, LocateFull(fullKey), $"{fullKey} = {Quote(text)} {expectation}");

    private void Add(string fullKey, string? location, string message) =>
        _state.Errors.Add(new ConfigurationError(fullKey, location, location is null ? message : $"{location}: {message}"));

    private string? LocateFull(string fullKey) => _file.Locate(fullKey);

    /// <summary>Reads <paramref name="text"/> as a HOCON value with one of Akka's getters; false when Akka refuses it.</summary>
    private static bool TryAkka<T>(string text, Func<HoconValue, T> read, out T value)
    {
        try
        {
            value = read(new HoconValue(new List<IHoconElement> { new HoconLiteral { Value = text.Trim() } }, false));
            return true;
        }
        catch (Exception e) when (e is FormatException or OverflowException or ArgumentException or NotSupportedException)
        {
            value = default!;
            return false;
        }
    }

    /// <summary>Shortest exact form, e.g. <c>10m</c>, <c>250ms</c>, <c>1d</c>.</summary>
    private static string FormatDuration(TimeSpan value)
    {
        (long Ticks, string Unit)[] units =
        [
            (TimeSpan.TicksPerDay, "d"), (TimeSpan.TicksPerHour, "h"), (TimeSpan.TicksPerMinute, "m"),
            (TimeSpan.TicksPerSecond, "s"), (TimeSpan.TicksPerMillisecond, "ms"),
        ];
        if (value == TimeSpan.Zero)
        {
            return "0s";
        }

        foreach (var (ticks, unit) in units)
        {
            if (value.Ticks % ticks == 0)
            {
                return string.Create(CultureInfo.InvariantCulture, $"{value.Ticks / ticks}{unit}");
            }
        }

        return string.Create(CultureInfo.InvariantCulture, $"{value.Ticks / (decimal)TimeSpan.TicksPerMillisecond}ms");
    }

    /// <summary>Shortest exact binary form, e.g. <c>8 MiB</c>, <c>1500 B</c>.</summary>
    private static string FormatSize(long bytes)
    {
        (long Size, string Unit)[] units = [(1L << 30, "GiB"), (1L << 20, "MiB"), (1L << 10, "KiB")];
        foreach (var (size, unit) in units)
        {
            if (bytes != 0 && bytes % size == 0)
            {
                return string.Create(CultureInfo.InvariantCulture, $"{bytes / size} {unit}");
            }
        }

        return string.Create(CultureInfo.InvariantCulture, $"{bytes} B");
    }

    [GeneratedRegex(@"^\s*[0-9.]+\s*$", RegexOptions.CultureInvariant)]
    private static partial Regex BareNumber();

    [GeneratedRegex(@"[0-9]+", RegexOptions.CultureInvariant)]
    private static partial Regex Digits();

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

    private static string Combine(string path, string key) => path + "." + key;

    private static string ParentOf(string key) => key.LastIndexOf('.') is var dot and > 0 ? key[..dot] : string.Empty;

    private static string LastSegment(string key) => key[(key.LastIndexOf('.') + 1)..];

    /// <summary>What the reader and its sections share: one list of errors and one set of known keys.</summary>
    private sealed class ReadState
    {
        public List<ConfigurationError> Errors { get; } = [];

        // Ordinal: HOCON keys, like Akka's, are case-sensitive (a key spelt with capitals is unknown, with a suggestion).
        public HashSet<string> KnownLeaves { get; } = new(StringComparer.Ordinal);

        public HashSet<string> KnownSections { get; } = new(StringComparer.Ordinal);
    }
}
