using System.Globalization;

namespace LiveTracker.Actors.Billing;

/// <summary>
/// An ISO-8601 week (Monday to Sunday; week 1 holds the year's first Thursday), written <c>2026-W47</c>.
/// Which week an instant falls in depends on the contract's week zone; the week's bounds are instants.
/// </summary>
public readonly record struct IsoWeek(int Year, int Week) : IComparable<IsoWeek>
{
    public static IsoWeek Of(DateTimeOffset instant, TimeZoneInfo zone)
    {
        ArgumentNullException.ThrowIfNull(zone);
        var local = TimeZoneInfo.ConvertTime(instant, zone).DateTime;
        return new IsoWeek(ISOWeek.GetYear(local), ISOWeek.GetWeekOfYear(local));
    }

    public static IsoWeek Parse(string text) =>
        TryParse(text, out var week) ? week : throw new FormatException($"'{text}' is not an ISO week like 2026-W47.");

    public static bool TryParse(string? text, out IsoWeek week)
    {
        week = default;
        if (text is not { Length: 8 } || text[4] != '-' || text[5] != 'W'
            || !int.TryParse(text.AsSpan(0, 4), NumberStyles.None, CultureInfo.InvariantCulture, out var year)
            || !int.TryParse(text.AsSpan(6, 2), NumberStyles.None, CultureInfo.InvariantCulture, out var number)
            || year < 1 || number < 1 || number > ISOWeek.GetWeeksInYear(year))
        {
            return false;
        }

        week = new IsoWeek(year, number);
        return true;
    }

    /// <summary>Monday 00:00 of this week in <paramref name="zone"/>, as an instant.</summary>
    public DateTimeOffset StartIn(TimeZoneInfo zone) => LocalMidnightToInstant(ISOWeek.ToDateTime(Year, Week, DayOfWeek.Monday), zone);

    /// <summary>The next Monday 00:00 in <paramref name="zone"/> (the week's exclusive end), as an instant.</summary>
    public DateTimeOffset EndIn(TimeZoneInfo zone) => Next().StartIn(zone);

    public IsoWeek Next()
    {
        var monday = ISOWeek.ToDateTime(Year, Week, DayOfWeek.Monday).AddDays(7);
        return new IsoWeek(ISOWeek.GetYear(monday), ISOWeek.GetWeekOfYear(monday));
    }

    public IsoWeek Previous()
    {
        var monday = ISOWeek.ToDateTime(Year, Week, DayOfWeek.Monday).AddDays(-7);
        return new IsoWeek(ISOWeek.GetYear(monday), ISOWeek.GetWeekOfYear(monday));
    }

    public int CompareTo(IsoWeek other) => Year != other.Year ? Year.CompareTo(other.Year) : Week.CompareTo(other.Week);

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Year:D4}-W{Week:D2}");

    private static DateTimeOffset LocalMidnightToInstant(DateTime localMidnight, TimeZoneInfo zone)
    {
        ArgumentNullException.ThrowIfNull(zone);
        var local = DateTime.SpecifyKind(localMidnight, DateTimeKind.Unspecified);
        // A zone that skips midnight (a DST jump at 00:00) starts the day at the first valid minute.
        while (zone.IsInvalidTime(local))
        {
            local = local.AddMinutes(1);
        }

        return new DateTimeOffset(TimeZoneInfo.ConvertTimeToUtc(local, zone), TimeSpan.Zero);
    }
}
