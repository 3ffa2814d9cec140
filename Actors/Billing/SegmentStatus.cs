namespace LiveTracker.Actors.Billing;

/// <summary>A segment's status as shown in the Work Diary (API values in kebab-case).</summary>
public enum SegmentStatus
{
    Logged,
    Idle,
    Deleted,
    Rejected,
    OverLimit,
    Manual,

    /// <summary>Refunded to the client by an operator's dispute decision: not billed, though it used its share of the limit.</summary>
    Refunded,
}

/// <summary>
/// The facts recorded about one segment, as the WorkWeek entity keeps them. Whether and how it is billed is
/// decided from these by <see cref="WeekBilling"/>, never stored.
/// </summary>
public sealed record SegmentFacts
{
    public required DateTimeOffset Start { get; init; }

    /// <summary>Minutes of the segment with any keyboard or mouse input.</summary>
    public int ActiveMinutes { get; init; }

    /// <summary>A screen capture was received for the segment.</summary>
    public bool HasScreenCapture { get; init; }

    /// <summary>The capture is a locked or blank screen: recorded, flagged, never billed.</summary>
    public bool BlackCapture { get; init; }

    public bool CaptureDeleted { get; init; }

    public bool Rejected { get; init; }

    /// <summary>Inside a span the tracker spent idle (no input for the idle timeout).</summary>
    public bool Idle { get; init; }

    /// <summary>Added by the freelancer as manual time: billable without a capture, but unprotected.</summary>
    public bool Manual { get; init; }

    public string? Memo { get; init; }

    /// <summary>Refunded by a dispute decision after the week was locked.</summary>
    public bool Refunded { get; init; }
}

/// <summary>The outcome for one segment.</summary>
public sealed record BilledSegment(
    DateTimeOffset Start,
    SegmentStatus Status,
    bool Billable,
    bool Unprotected);
