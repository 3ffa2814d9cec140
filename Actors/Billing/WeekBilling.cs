namespace LiveTracker.Actors.Billing;

/// <summary>A week's segments evaluated against its limit.</summary>
public sealed record WeekEvaluation(IReadOnlyList<BilledSegment> Segments, int BillableMinutes, int? LimitMinutes)
{
    /// <summary>Share of the limit used, 0–100; null without a limit.</summary>
    public int? LimitPercent =>
        LimitMinutes switch
        {
            null => null,
            0 => 100,
            var limit => (int)Math.Min(100, BillableMinutes * 100L / limit.Value),
        };
}

/// <summary>
/// The billing rules of one work week, as pure functions: no clock, no I/O. A segment is billable when it has
/// at least one active minute and a screen capture that was neither deleted nor rejected nor black, is not idle,
/// and still fits under the weekly limit when segments are taken in chronological order; manual time is billable
/// without a capture. A billable segment counts its whole length. Manual time and segments without a memo are
/// billable but unprotected. A segment refunded after a dispute is not billed but keeps its place under the limit,
/// so refunding one segment never makes another billable after the week was charged.
/// </summary>
public static class WeekBilling
{
    /// <summary>Thresholds, in percent of the weekly limit, at which the freelancer and client are told.</summary>
    public static IReadOnlyList<int> AlertThresholds { get; } = [80, 100];

    public static WeekEvaluation Evaluate(IEnumerable<SegmentFacts> segments, int segmentMinutes, int? limitMinutes)
    {
        ArgumentNullException.ThrowIfNull(segments);
        if (!SegmentSlots.IsValidLength(segmentMinutes))
        {
            throw new ArgumentOutOfRangeException(nameof(segmentMinutes), segmentMinutes, "Not a valid segment length.");
        }

        if (limitMinutes < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(limitMinutes), limitMinutes, "A weekly limit cannot be negative.");
        }

        var billed = new List<BilledSegment>();
        var billableMinutes = 0;
        var usedMinutes = 0;
        foreach (var segment in segments.OrderBy(s => s.Start))
        {
            var status = BaseStatus(segment);
            var eligible = status is SegmentStatus.Logged or SegmentStatus.Manual && (segment.Manual || HasBillableWork(segment));
            var billable = false;
            if (eligible)
            {
                if (limitMinutes is { } limit && usedMinutes + segmentMinutes > limit)
                {
                    status = SegmentStatus.OverLimit;
                }
                else if (segment.Refunded)
                {
                    status = SegmentStatus.Refunded;
                    usedMinutes += segmentMinutes;
                }
                else
                {
                    billable = true;
                    billableMinutes += segmentMinutes;
                    usedMinutes += segmentMinutes;
                }
            }

            var unprotected = billable && (segment.Manual || string.IsNullOrWhiteSpace(segment.Memo));
            billed.Add(new BilledSegment(segment.Start, status, billable, unprotected));
        }

        return new WeekEvaluation(billed, billableMinutes, limitMinutes);
    }

    /// <summary>
    /// The alert thresholds reached by a change: those the share of the limit used afterwards (under the limit
    /// then in force) reaches and the share before (under the limit before) did not. A lowered limit can cross
    /// a threshold without any new work; a limit of 0 counts as fully used.
    /// </summary>
    public static IReadOnlyList<int> ThresholdsCrossed(int before, int? limitBefore, int after, int? limitAfter)
    {
        if (limitAfter is null)
        {
            return [];
        }

        var shareBefore = SharePercent(before, limitBefore);
        var shareAfter = SharePercent(after, limitAfter);
        return [.. AlertThresholds.Where(t => shareBefore < t && shareAfter >= t)];
    }

    /// <summary>Percent of the limit used (not capped); -1 without a limit, so every threshold counts as not reached.</summary>
    private static double SharePercent(int minutes, int? limit) =>
        limit switch
        {
            null => -1,
            0 => 100,
            var l => minutes * 100.0 / l.Value,
        };

    private static SegmentStatus BaseStatus(SegmentFacts segment) =>
        segment switch
        {
            { CaptureDeleted: true } => SegmentStatus.Deleted,
            { Rejected: true } => SegmentStatus.Rejected,
            { Idle: true } => SegmentStatus.Idle,
            { Manual: true } => SegmentStatus.Manual,
            _ => SegmentStatus.Logged,
        };

    private static bool HasBillableWork(SegmentFacts segment) =>
        segment.ActiveMinutes > 0 && segment.HasScreenCapture && !segment.BlackCapture;
}
