using LiveTracker.Actors.Billing;
using System.Globalization;

namespace LiveTracker.Actors.Configuration;

/// <summary><c>livetracker.domain</c>: the rules of tracked time and of the weekly billing cycle.</summary>
public sealed record DomainSettings
{
    private const int MinutesPerDay = 24 * 60;

    /// <summary>Length of a work-diary segment; segments are aligned to UTC midnight, hence a divisor of a day.</summary>
    public required int SegmentMinutes { get; init; }

    /// <summary>Minutes without input after which tracking pauses and the idle span is deducted.</summary>
    public required int IdleTimeoutMinutes { get; init; }

    /// <summary>Zone in which a work week runs Monday 00:00 to Sunday 24:00.</summary>
    public required TimeZoneInfo WeekZone { get; init; }

    /// <summary>Zone of the timesheet submission and review deadlines.</summary>
    public required TimeZoneInfo ReviewZone { get; init; }

    /// <summary>When the previous week's timesheet is submitted, in <see cref="ReviewZone"/>.</summary>
    public required WeeklyTime TimesheetSubmitLocalTime { get; init; }

    /// <summary>When the client's review (and dispute) window closes, in <see cref="ReviewZone"/>.</summary>
    public required WeeklyTime ReviewEndsLocalTime { get; init; }

    /// <summary>How long after the week ended the freelancer's earnings become available.</summary>
    public required TimeSpan PayoutDelay { get; init; }

    /// <summary>The weekly billing cycle these settings describe.</summary>
    public BillingCycle Cycle => new(WeekZone, ReviewZone, TimesheetSubmitLocalTime, ReviewEndsLocalTime, PayoutDelay);

    /// <summary>How far an agent's clock may differ from the server's before its timestamps are refused.</summary>
    public required TimeSpan ClockSkewTolerance { get; init; }

    /// <summary>Largest screenshot upload accepted.</summary>
    public required long MaxScreenshotBytes { get; init; }

    internal static DomainSettings Read(SettingsReader domain) => new()
    {
        SegmentMinutes = domain.Get("segment-minutes", 10, TryParseSegmentMinutes,
            "is not a whole number of minutes from 1 to 60 that divides a day evenly (e.g. 5, 10, 15, 20, 30 or 60)"),
        IdleTimeoutMinutes = domain.GetInt("idle-timeout-minutes", 24, 1, MinutesPerDay),
        WeekZone = domain.GetTimeZone("week-zone", "UTC"),
        ReviewZone = domain.GetTimeZone("review-zone", "America/New_York"),
        TimesheetSubmitLocalTime = domain.GetWeeklyTime("timesheet-submit-local-time", new WeeklyTime(DayOfWeek.Monday, new TimeOnly(7, 0))),
        ReviewEndsLocalTime = domain.GetWeeklyTime("review-ends-local-time", new WeeklyTime(DayOfWeek.Friday, new TimeOnly(23, 59))),
        PayoutDelay = domain.GetDuration("payout-delay", TimeSpan.FromDays(10), TimeSpan.Zero, TimeSpan.FromDays(365)),
        ClockSkewTolerance = domain.GetDuration("clock-skew-tolerance", TimeSpan.FromMinutes(2), TimeSpan.Zero, TimeSpan.FromHours(1)),
        MaxScreenshotBytes = domain.GetByteSize("max-screenshot-bytes", 8 * 1024 * 1024, 1024, 256L * 1024 * 1024),
    };

    private static bool TryParseSegmentMinutes(string text, out int minutes) =>
        int.TryParse(text, NumberStyles.AllowLeadingWhite | NumberStyles.AllowTrailingWhite, CultureInfo.InvariantCulture, out minutes)
        && Billing.SegmentSlots.IsValidLength(minutes);
}
