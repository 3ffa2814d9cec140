using System.Collections.Frozen;
using System.Globalization;

namespace LiveTracker.Actors.Hocon;

/// <summary>
/// HOCON duration text (<c>30s</c>, <c>250ms</c>, <c>5m</c>, <c>1h</c>, <c>2d</c>, <c>10 minutes</c>,
/// <c>1.5h</c>). Unlike the HOCON spec, a bare number is not accepted: whether <c>ask-timeout = 5</c>
/// meant milliseconds or seconds is exactly the kind of guess a settings file should not make.
/// </summary>
public static class HoconDuration
{
    private const decimal TicksPerSecond = TimeSpan.TicksPerSecond;

    private static readonly FrozenDictionary<string, decimal> TicksPerUnit = new Dictionary<string, decimal>
    {
        ["ns"] = 0.01m, ["nano"] = 0.01m, ["nanos"] = 0.01m, ["nanosecond"] = 0.01m, ["nanoseconds"] = 0.01m,
        ["us"] = 10m, ["micro"] = 10m, ["micros"] = 10m, ["microsecond"] = 10m, ["microseconds"] = 10m,
        ["ms"] = TimeSpan.TicksPerMillisecond, ["milli"] = TimeSpan.TicksPerMillisecond, ["millis"] = TimeSpan.TicksPerMillisecond,
        ["millisecond"] = TimeSpan.TicksPerMillisecond, ["milliseconds"] = TimeSpan.TicksPerMillisecond,
        ["s"] = TicksPerSecond, ["sec"] = TicksPerSecond, ["secs"] = TicksPerSecond, ["second"] = TicksPerSecond, ["seconds"] = TicksPerSecond,
        ["m"] = TimeSpan.TicksPerMinute, ["min"] = TimeSpan.TicksPerMinute, ["mins"] = TimeSpan.TicksPerMinute,
        ["minute"] = TimeSpan.TicksPerMinute, ["minutes"] = TimeSpan.TicksPerMinute,
        ["h"] = TimeSpan.TicksPerHour, ["hour"] = TimeSpan.TicksPerHour, ["hours"] = TimeSpan.TicksPerHour,
        ["d"] = TimeSpan.TicksPerDay, ["day"] = TimeSpan.TicksPerDay, ["days"] = TimeSpan.TicksPerDay,
    }.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);

    /// <summary>Reads a non-negative number followed by a unit, optionally separated by spaces.</summary>
    public static bool TryParse(string? text, out TimeSpan value)
    {
        value = default;
        if (!TrySplit(text, out var number, out var unit) || !TicksPerUnit.TryGetValue(unit, out var ticksPerUnit))
        {
            return false;
        }

        // Checked before multiplying: decimal throws on overflow, and nothing that large is a timeout.
        if (number > 1_000_000_000_000_000m)
        {
            return false;
        }

        var ticks = decimal.Round(number * ticksPerUnit);
        if (ticks > TimeSpan.MaxValue.Ticks)
        {
            return false;
        }

        value = TimeSpan.FromTicks((long)ticks);
        return true;
    }

    /// <summary>Shortest exact form in this notation, e.g. <c>10m</c>, <c>250ms</c>, <c>1d</c>.</summary>
    public static string Format(TimeSpan value)
    {
        if (value == TimeSpan.Zero)
        {
            return "0s";
        }

        (long Ticks, string Unit)[] units =
        [
            (TimeSpan.TicksPerDay, "d"), (TimeSpan.TicksPerHour, "h"), (TimeSpan.TicksPerMinute, "m"),
            (TimeSpan.TicksPerSecond, "s"), (TimeSpan.TicksPerMillisecond, "ms"),
        ];
        foreach (var (ticks, unit) in units)
        {
            if (value.Ticks % ticks == 0)
            {
                return string.Create(CultureInfo.InvariantCulture, $"{value.Ticks / ticks}{unit}");
            }
        }

        return string.Create(CultureInfo.InvariantCulture, $"{value.Ticks / (decimal)TimeSpan.TicksPerMillisecond}ms");
    }

    /// <summary>Splits <c>"10 minutes"</c> into 10 and <c>minutes</c>; shared with <see cref="HoconByteSize"/>.</summary>
    internal static bool TrySplit(string? text, out decimal number, out string unit)
    {
        number = 0;
        unit = string.Empty;
        if (text is null)
        {
            return false;
        }

        var trimmed = text.Trim();
        var end = 0;
        while (end < trimmed.Length && (char.IsAsciiDigit(trimmed[end]) || trimmed[end] == '.'))
        {
            end++;
        }

        if (end == 0 || !decimal.TryParse(trimmed.AsSpan(0, end), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out number))
        {
            return false;
        }

        unit = trimmed[end..].TrimStart();
        return true;
    }
}
