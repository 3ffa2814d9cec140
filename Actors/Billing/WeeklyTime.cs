using System.Globalization;

namespace LiveTracker.Actors.Billing;

/// <summary>
/// A day of the week and a wall-clock time, such as <c>Monday 07:00</c>; interpreted in a time zone
/// chosen elsewhere (the deadlines of the weekly billing cycle).
/// </summary>
public readonly record struct WeeklyTime(DayOfWeek Day, TimeOnly Time)
{
    /// <summary>Accepts an English day name, full or three-letter, any case, then a 24-hour time.</summary>
    public static bool TryParse(string? text, out WeeklyTime value)
    {
        value = default;
        var parts = text?.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (parts is not [var dayText, var timeText] || !TryParseDay(dayText, out var day) ||
            !TimeOnly.TryParseExact(timeText, ["H:mm", "HH:mm", "H:mm:ss", "HH:mm:ss"], CultureInfo.InvariantCulture, DateTimeStyles.None, out var time))
        {
            return false;
        }

        value = new WeeklyTime(day, time);
        return true;
    }

    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{Day} {Time:HH\\:mm}") + (Time.Second != 0 ? Time.ToString("\\:ss", CultureInfo.InvariantCulture) : string.Empty);

    private static bool TryParseDay(string text, out DayOfWeek day)
    {
        foreach (var candidate in Enum.GetValues<DayOfWeek>())
        {
            var name = candidate.ToString();
            if (string.Equals(text, name, StringComparison.OrdinalIgnoreCase) ||
                string.Equals(text, name[..3], StringComparison.OrdinalIgnoreCase))
            {
                day = candidate;
                return true;
            }
        }

        day = default;
        return false;
    }
}
