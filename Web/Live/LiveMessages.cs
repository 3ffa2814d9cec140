using LiveTracker.Actors.Contracts;
using Akka.Persistence.Query;
using LiveTracker.Actors.Sessions;
using LiveTracker.Web.Api;

namespace LiveTracker.Web.Live;

/// <summary>One message for the pages watching a contract: the hub method, its contract, and the journal ordering it came from.</summary>
public sealed record LiveMessage(string Method, string ContractId, object Payload);

/// <summary>
/// Turns journal events into the hub's messages (API.md, "Live"). Every message carries <c>contractId</c> and the
/// event's <c>ordering</c>, so a page that reconnects asks for what came after the last one it saw.
/// </summary>
public static class LiveMessages
{
    public const string ScreenshotAdded = "screenshotAdded";
    public const string SegmentUpdated = "segmentUpdated";
    public const string CommentAdded = "commentAdded";
    public const string ScreenshotRejected = "screenshotRejected";
    public const string TrackingChanged = "trackingChanged";
    public const string LimitApproaching = "limitApproaching";
    public const string TimesheetChanged = "timesheetChanged";
    public const string Notification = "notification";

    private const string WeekPrefix = "work-week-";
    private const string ContractPrefix = "contract-";
    private const string TrackerPrefix = "tracker-";

    /// <summary>A freelancer tracker's events name their contract inside, not in the persistence id.</summary>
    public static bool IsTracker(string persistenceId) => persistenceId.StartsWith(TrackerPrefix, StringComparison.Ordinal);

    /// <summary>The contract an event's entity belongs to, when that can be told from its persistence id alone.</summary>
    public static string? ContractOf(string persistenceId)
    {
        ArgumentNullException.ThrowIfNull(persistenceId);
        if (persistenceId.StartsWith(WeekPrefix, StringComparison.Ordinal))
        {
            var entity = persistenceId[WeekPrefix.Length..];
            var at = entity.LastIndexOf('@');
            return at > 0 ? entity[..at] : null;
        }

        return persistenceId.StartsWith(ContractPrefix, StringComparison.Ordinal) ? persistenceId[ContractPrefix.Length..] : null;
    }

    /// <summary>The messages one stored event makes (none for events pages do not show).</summary>
    public static IEnumerable<LiveMessage> From(EventEnvelope stored)
    {
        ArgumentNullException.ThrowIfNull(stored);
        var ordering = stored.Offset is Sequence sequence ? sequence.Value : 0;
        var @event = stored.Event;
        if (IsTracker(stored.PersistenceId))
        {
            var contractId = @event switch
            {
                TrackingStarted started => started.ContractId,
                TrackingStopped stopped => stopped.ContractId,
                TrackerMemoChanged changed => changed.ContractId,
                _ => null,
            };
            if (contractId is not null)
            {
                yield return new LiveMessage(TrackingChanged, contractId, Tracking(ordering, contractId, @event));
            }

            yield break;
        }

        if (ContractOf(stored.PersistenceId) is not { } contract)
        {
            yield break;
        }

        switch (@event)
        {
            case CaptureRecorded c:
                yield return new LiveMessage(c.Kind == CaptureKind.Screen ? ScreenshotAdded : SegmentUpdated, contract, new
                {
                    contractId = contract, ordering, segmentStart = c.SegmentStart, kind = ApiModels.Kebab(c.Kind),
                    screenshot = new { id = c.CaptureId, capturedAt = c.CapturedAt, url = $"/api/screenshots/{c.CaptureId}", thumbUrl = $"/api/screenshots/{c.CaptureId}/thumb", black = c.Black },
                    appName = c.AppName, windowTitle = c.WindowTitle, comment = c.Comment, memo = c.Memo, activityLabel = c.ActivityLabel,
                });
                break;
            case ActivityRecorded a:
                // The page knows its segment length; it updates the tiles these minutes fall in.
                yield return new LiveMessage(SegmentUpdated, contract, new
                {
                    contractId = contract, ordering, change = "activity",
                    minutes = a.Minutes.Select(m => new { minuteUtc = m.MinuteUtc, keystrokes = m.Keystrokes, mouseClicks = m.MouseClicks, scrolls = m.Scrolls }),
                });
                break;
            case CaptureDeleted d:
                yield return Segment(contract, ordering, d.SegmentStart, "deleted");
                break;
            case CaptureRejected r:
                yield return new LiveMessage(ScreenshotRejected, contract, new { contractId = contract, ordering, screenshotId = r.CaptureId, segmentStart = r.SegmentStart, reason = r.Reason });
                yield return new LiveMessage(Notification, contract, new
                {
                    contractId = contract, ordering, kind = "screenshot-rejected", to = "freelancer", segmentStart = r.SegmentStart,
                    text = $"A screenshot of {r.SegmentStart:yyyy-MM-dd HH:mm} UTC was rejected: {r.Reason}",
                });
                break;
            case ReviewRequested review:
                yield return new LiveMessage(Notification, contract, new
                {
                    contractId = contract, ordering, kind = "review-requested", to = "client", segmentStart = review.SegmentStart,
                    text = $"The freelancer asks you to review a rejected screenshot: {review.Message}",
                });
                break;
            case CaptureCommented comment:
                yield return new LiveMessage(CommentAdded, contract, new { contractId = contract, ordering, screenshotId = comment.CaptureId, segmentStart = comment.SegmentStart, comment = comment.Comment });
                break;
            case MemoEdited memo:
                yield return Segment(contract, ordering, memo.SegmentStart, "memo");
                break;
            case ManualTimeAdded manual:
                foreach (var start in manual.Segments)
                {
                    yield return Segment(contract, ordering, start, "manual");
                }

                break;
            case IdleSpanRecorded idle:
                foreach (var start in idle.Segments)
                {
                    yield return Segment(contract, ordering, start, "idle");
                }

                break;
            case SegmentsRefunded refunded:
                foreach (var start in refunded.Segments)
                {
                    yield return Segment(contract, ordering, start, "refunded");
                }

                break;
            case LimitThresholdReached limit:
                yield return new LiveMessage(LimitApproaching, contract, new { contractId = contract, ordering, percent = limit.Percent, billableMinutes = limit.BillableMinutes, limitMinutes = limit.LimitMinutes });
                yield return new LiveMessage(Notification, contract, new
                {
                    contractId = contract, ordering, kind = "limit-reached", to = "both",
                    text = $"{limit.Percent}% of the weekly limit is used ({limit.BillableMinutes / 60.0:0.#} of {limit.LimitMinutes / 60.0:0.#} hours).",
                });
                break;
            case TimesheetScheduled or TimesheetLocked or TimesheetSubmitted or TimesheetDisputed or TimesheetDisputeResolved
                or TimesheetCharged or TimesheetPaymentFailed or EarningsReleased:
                yield return new LiveMessage(TimesheetChanged, contract, new { contractId = contract, ordering, @event = Kind(@event) });
                break;
        }
    }

    private static LiveMessage Segment(string contract, long ordering, DateTimeOffset segmentStart, string change) =>
        new(SegmentUpdated, contract, new { contractId = contract, ordering, segmentStart, change });

    private static object Tracking(long ordering, string contractId, object @event) => @event switch
    {
        TrackingStarted s => new { contractId, ordering, active = true, deviceId = s.DeviceId, memo = s.Memo, activityLabel = s.ActivityLabel, at = s.StartedAt },
        TrackingStopped s => new { contractId, ordering, active = false, reason = s.Reason, at = s.StoppedAt },
        TrackerMemoChanged m => new { contractId, ordering, active = true, memo = m.Memo, activityLabel = m.ActivityLabel },
        _ => new { contractId, ordering },
    };

    private static string Kind(object @event) =>
        System.Text.Json.JsonNamingPolicy.KebabCaseLower.ConvertName(@event.GetType().Name);
}
