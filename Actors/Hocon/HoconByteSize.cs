using System.Collections.Frozen;
using System.Globalization;

namespace LiveTracker.Actors.Hocon;

/// <summary>
/// HOCON size text: a whole number of bytes (<c>8388608</c>) or a number with a unit, where the HOCON
/// convention applies: <c>kB</c>/<c>MB</c>/<c>GB</c> are powers of 1000 and <c>K</c>/<c>KiB</c>,
/// <c>M</c>/<c>MiB</c>, <c>G</c>/<c>GiB</c> powers of 1024.
/// </summary>
public static class HoconByteSize
{
    private const long Kibi = 1024;

    private static readonly FrozenDictionary<string, long> BytesPerUnit = new Dictionary<string, long>(StringComparer.Ordinal)
    {
        [string.Empty] = 1, ["B"] = 1, ["b"] = 1, ["byte"] = 1, ["bytes"] = 1,
        ["kB"] = 1000, ["kilobyte"] = 1000, ["kilobytes"] = 1000,
        ["K"] = Kibi, ["k"] = Kibi, ["Ki"] = Kibi, ["KiB"] = Kibi, ["kibibyte"] = Kibi, ["kibibytes"] = Kibi,
        ["MB"] = 1000_000, ["megabyte"] = 1000_000, ["megabytes"] = 1000_000,
        ["M"] = Kibi * Kibi, ["m"] = Kibi * Kibi, ["Mi"] = Kibi * Kibi, ["MiB"] = Kibi * Kibi,
        ["mebibyte"] = Kibi * Kibi, ["mebibytes"] = Kibi * Kibi,
        ["GB"] = 1000_000_000, ["gigabyte"] = 1000_000_000, ["gigabytes"] = 1000_000_000,
        ["G"] = Kibi * Kibi * Kibi, ["g"] = Kibi * Kibi * Kibi, ["Gi"] = Kibi * Kibi * Kibi, ["GiB"] = Kibi * Kibi * Kibi,
        ["gibibyte"] = Kibi * Kibi * Kibi, ["gibibytes"] = Kibi * Kibi * Kibi,
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>Reads a size; fails for unknown units and for fractions of a byte.</summary>
    public static bool TryParse(string? text, out long bytes)
    {
        bytes = 0;
        if (!HoconDuration.TrySplit(text, out var number, out var unit) || !BytesPerUnit.TryGetValue(unit, out var perUnit))
        {
            return false;
        }

        if (number > long.MaxValue)
        {
            return false;
        }

        var total = number * perUnit;
        if (total != decimal.Truncate(total) || total > long.MaxValue)
        {
            return false;
        }

        bytes = (long)total;
        return true;
    }

    /// <summary>Shortest exact binary form, e.g. <c>8 MiB</c>, <c>1500 B</c>.</summary>
    public static string Format(long bytes)
    {
        (long Size, string Unit)[] units = [(Kibi * Kibi * Kibi, "GiB"), (Kibi * Kibi, "MiB"), (Kibi, "KiB")];
        foreach (var (size, unit) in units)
        {
            if (bytes != 0 && bytes % size == 0)
            {
                return string.Create(CultureInfo.InvariantCulture, $"{bytes / size} {unit}");
            }
        }

        return string.Create(CultureInfo.InvariantCulture, $"{bytes} B");
    }
}
