using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using LiveTracker.Agent.X11;

namespace LiveTracker.Agent.Local;

/// <summary>A bad settings file or value, named by key (and line, when read from the file).</summary>
public sealed class SettingsException(string message) : Exception(message);

/// <summary>
/// The freelancer's choices, in <c>settings.json</c> beside the sign-in. Every key is optional; a key that is
/// misspelt or out of range is refused with its name and line instead of being ignored.
/// </summary>
public sealed record AgentSettings
{
    /// <summary>Names this computer to the server (one tracking session per device).</summary>
    public string DeviceId { get; init; } = DefaultDeviceId();

    /// <summary>The contract tracked when none is named.</summary>
    public string? ContractId { get; init; }

    /// <summary><c>whole-desktop</c> or <c>active-monitor</c> (the monitor showing the active window).</summary>
    public string CaptureArea { get; init; } = "whole-desktop";

    public int JpegQuality { get; init; } = 40;

    /// <summary>Captures wider than this are scaled down before encoding (0 keeps full size).</summary>
    public int MaxWidth { get; init; } = 1280;

    /// <summary>Blur every capture on this computer before it is stored or sent.</summary>
    public bool Blur { get; init; }

    /// <summary>Show each capture and wait <see cref="NoticeSeconds"/> before uploading it, so it can be discarded.</summary>
    public bool NoticeBeforeUpload { get; init; } = true;

    public int NoticeSeconds { get; init; } = 60;

    /// <summary>Ask "still working on …?" every this many minutes of tracking (0: never).</summary>
    public int MemoReminderMinutes { get; init; } = 60;

    /// <summary>Webcam snapshots: always off on Linux (not supported on this platform yet).</summary>
    public bool Camera { get; init; }

    internal CaptureArea Area => CaptureArea == "active-monitor" ? X11.CaptureArea.ActiveMonitor : X11.CaptureArea.WholeDesktop;

    /// <summary>The keys, their meaning and allowed values, as <c>settings</c> shows them.</summary>
    public static IReadOnlyDictionary<string, string> Keys { get; } = new Dictionary<string, string>
    {
        ["deviceId"] = "name of this computer (1-100 characters)",
        ["contractId"] = "contract tracked when none is named",
        ["captureArea"] = "whole-desktop or active-monitor",
        ["jpegQuality"] = "JPEG quality, 10-95",
        ["maxWidth"] = "captures wider are scaled down, 0 or 640-7680",
        ["blur"] = "blur captures on this computer, true or false",
        ["noticeBeforeUpload"] = "show each capture before upload, true or false",
        ["noticeSeconds"] = "seconds to discard a capture before upload, 10-600",
        ["memoReminderMinutes"] = "ask 'still working on …?' every N minutes, 0 (never) to 480",
        ["camera"] = "webcam snapshots: not supported on Linux, always false",
    };

    public static AgentSettings Load(AgentPaths paths)
    {
        ArgumentNullException.ThrowIfNull(paths);
        if (!File.Exists(paths.Settings))
        {
            return new AgentSettings();
        }

        var text = File.ReadAllText(paths.Settings);
        JsonObject root;
        try
        {
            root = JsonNode.Parse(text) as JsonObject ?? throw new SettingsException($"{paths.Settings}: expected a JSON object.");
        }
        catch (JsonException e)
        {
            throw new SettingsException($"{paths.Settings} line {(e.LineNumber ?? 0) + 1}: not valid JSON ({e.Message})");
        }

        var settings = new AgentSettings();
        foreach (var (key, value) in root)
        {
            try
            {
                settings = settings.With(key, value is JsonValue v && v.TryGetValue<string>(out var s) ? s : value?.ToJsonString() ?? "null");
            }
            catch (SettingsException e)
            {
                throw new SettingsException($"{paths.Settings} line {LineOf(text, key)}: {e.Message}");
            }
        }

        return settings;
    }

    public void Save(AgentPaths paths)
    {
        ArgumentNullException.ThrowIfNull(paths);
        paths.Ensure();
        PrivateFile.Write(paths.Settings, JsonSerializer.Serialize(this, AgentFileJson.Default.AgentSettings));
    }

    /// <summary>These settings with <paramref name="key"/> set from its text form; refuses unknown keys and bad values.</summary>
    public AgentSettings With(string key, string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return key switch
        {
            "deviceId" => this with { DeviceId = Text(key, value, 100) },
            "contractId" => this with { ContractId = value is "" or "null" ? null : Text(key, value, 200) },
            "captureArea" => this with { CaptureArea = value is "whole-desktop" or "active-monitor" ? value : throw Bad(key, value) },
            "jpegQuality" => this with { JpegQuality = Whole(key, value, 10, 95) },
            "maxWidth" => this with { MaxWidth = Whole(key, value, 0, 7680) is var w && (w == 0 || w >= 640) ? w : throw Bad(key, value) },
            "blur" => this with { Blur = Flag(key, value) },
            "noticeBeforeUpload" => this with { NoticeBeforeUpload = Flag(key, value) },
            "noticeSeconds" => this with { NoticeSeconds = Whole(key, value, 10, 600) },
            "memoReminderMinutes" => this with { MemoReminderMinutes = Whole(key, value, 0, 480) },
            "camera" => Flag(key, value)
                ? throw new SettingsException("camera = true: webcam snapshots are not supported by the Linux agent yet")
                : this with { Camera = false },
            _ => throw new SettingsException($"unknown setting '{key}' (known: {string.Join(", ", Keys.Keys)})"),
        };
    }

    public string ValueOf(string key) => key switch
    {
        "deviceId" => DeviceId,
        "contractId" => ContractId ?? "",
        "captureArea" => CaptureArea,
        "jpegQuality" => JpegQuality.ToString(CultureInfo.InvariantCulture),
        "maxWidth" => MaxWidth.ToString(CultureInfo.InvariantCulture),
        "blur" => Blur ? "true" : "false",
        "noticeBeforeUpload" => NoticeBeforeUpload ? "true" : "false",
        "noticeSeconds" => NoticeSeconds.ToString(CultureInfo.InvariantCulture),
        "memoReminderMinutes" => MemoReminderMinutes.ToString(CultureInfo.InvariantCulture),
        "camera" => Camera ? "true" : "false",
        _ => throw new SettingsException($"unknown setting '{key}' (known: {string.Join(", ", Keys.Keys)})"),
    };

    /// <summary>
    /// The host name and a short tag of this machine and user (from /etc/machine-id): two computers both called
    /// "ubuntu" must not look like one device to the server, which allows one tracking session per device.
    /// </summary>
    private static string DefaultDeviceId()
    {
        var host = Environment.MachineName is { Length: > 0 } name ? name : "linux";
        host = host.Length > 53 ? host[..53] : host;
        string machine;
        try
        {
            machine = File.ReadAllText("/etc/machine-id").Trim();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return host;
        }

        var tag = System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes($"{machine}:{Environment.UserName}"));
        return $"{host}-{Convert.ToHexStringLower(tag)[..6]}";
    }

    private static SettingsException Bad(string key, string value) =>
        new($"{key} = {value} is not allowed ({Keys[key]})");

    private static string Text(string key, string value, int max) =>
        value.Trim() is { Length: > 0 } t && t.Length <= max ? t : throw Bad(key, value);

    private static int Whole(string key, string value, int min, int max) =>
        int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n >= min && n <= max ? n : throw Bad(key, value);

    private static bool Flag(string key, string value) => value switch
    {
        "true" or "on" or "yes" => true,
        "false" or "off" or "no" => false,
        _ => throw Bad(key, value),
    };

    private static int LineOf(string text, string key)
    {
        // The key as a property name (followed by a colon), not the same word as some other key's value.
        var match = System.Text.RegularExpressions.Regex.Match(text, "\"" + System.Text.RegularExpressions.Regex.Escape(key) + "\"\\s*:");
        return match.Success ? text.AsSpan(0, match.Index).Count('\n') + 1 : 1;
    }
}
