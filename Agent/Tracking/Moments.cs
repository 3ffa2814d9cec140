using System.Globalization;

namespace LiveTracker.Agent.Tracking;

/// <summary>The few time calculations and wordings the tracker's parts share.</summary>
internal static class Moments
{
    /// <summary>The start of the UTC minute <paramref name="at"/> falls in.</summary>
    public static DateTimeOffset Minute(DateTimeOffset at) => new(at.UtcTicks - (at.UtcTicks % TimeSpan.TicksPerMinute), TimeSpan.Zero);

    /// <summary>A local clock time as messages to the freelancer show it ("10:23").</summary>
    public static string LocalTime(DateTimeOffset at) => at.ToLocalTime().ToString("HH:mm", CultureInfo.InvariantCulture);

    /// <summary>A span as hours and minutes ("1:05").</summary>
    public static string Duration(TimeSpan span) => string.Create(CultureInfo.InvariantCulture, $"{(int)span.TotalHours}:{span.Minutes:00}");

    public static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    public static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;

    public static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;
}
