using Akka.Actor;
using Akka.Cluster.Sharding;
using LiveTracker.Actors.Billing;
using LiveTracker.Actors.Hosting;

namespace LiveTracker.Actors.Contracts;

/// <summary>
/// The Work Diary of one contract for one ISO week: its segments and everything that changes them. It records
/// facts (captures, activity, deletions, rejections, memos, manual time, the limit) and lets
/// <see cref="WeekBilling"/> decide what is billed. Resident state is one week at most, so a contract that runs
/// for years never loads more than the week it is asked about. It passivates itself after <c>passivateAfter</c>
/// without messages, except before it starts: a week its contract opened ahead of its start (ADR 0017) stays resident
/// until then, so its first command in the busy minute of the week boundary finds it running.
/// </summary>
public sealed class WorkWeek : DomainEntity
{
    private const int MinutesPerWeek = 7 * 24 * 60;

    private readonly TimeSpan _clockSkewTolerance;
    private readonly SortedDictionary<DateTimeOffset, Segment> _segments = [];
    private readonly Dictionary<string, Capture> _captures = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _captureIdsByKey = new(StringComparer.Ordinal);
    private WeekOpened? _opened;
    private WeekEvaluation? _evaluation;
    private TimeZoneInfo? _weekZone;
    private int? _limitMinutes;
    private bool _locked;

    /// <summary>The shard region's type name.</summary>
    public const string RegionType = "work-weeks";

    private readonly string _contractId;
    private readonly TimeSpan _passivateAfter;

    public WorkWeek(string entityId, TimeProvider time, int snapshotEvery, TimeSpan clockSkewTolerance, TimeSpan passivateAfter)
        : base("work-week-" + entityId, RegionType, entityId, time, snapshotEvery)
    {
        _clockSkewTolerance = clockSkewTolerance;
        _passivateAfter = passivateAfter;
        _contractId = entityId[..entityId.LastIndexOf('@')];
    }

    protected override void OnRecoveryCompleted() => Context.SetReceiveTimeout(_passivateAfter);

    /// <summary>The region entity id of a contract's week.</summary>
    public static string EntityId(string contractId, IsoWeek week) => $"{contractId}@{week}";

    protected override void Handle(object command)
    {
        switch (command)
        {
            case OpenWeek open:
                Open(open.Terms);
                return;
            case ReceiveTimeout when _opened is not null && Now < _opened.StartsAt:
                // Opened ahead of its start: resident until the week begins (the timeout comes again).
                return;
            case ReceiveTimeout:
                Context.Parent.Tell(new Passivate(PoisonPill.Instance));
                return;
        }

        if (_opened is null)
        {
            Sender.Tell(new Rejected("week-not-open", "The week has not been opened by its contract."));
            return;
        }

        switch (command)
        {
            case GetDiary:
                Sender.Tell(Diary());
                break;
            case GetTotals totals:
                Sender.Tell(Totals(totals.Day));
                break;
            case GetCapture get:
                if (FindCapture(get.CaptureId) is { } found)
                {
                    Sender.Tell(new CaptureView(found.Id, found.Kind, found.CapturedAt, found.BlobKey, found.ThumbnailKey, found.Deleted, found.Rejected));
                }

                break;
            case RecordCapture capture:
                Record(capture);
                break;
            case RecordActivity activity:
                Record(activity);
                break;
            case DeleteCapture delete:
                Delete(delete);
                break;
            case RejectCapture reject:
                Reject(reject);
                break;
            case RequestReview review:
                RequestReviewOf(review);
                break;
            case EditMemo memo:
                Edit(memo);
                break;
            case CommentOnCapture comment:
                Comment(comment);
                break;
            case AddManualTime manual:
                Add(manual);
                break;
            case MarkIdle idle:
                MarkIdleSpan(idle);
                break;
            case SetWeeklyLimit { LimitMinutes: < 0 or > MinutesPerWeek }:
                Sender.Tell(new Rejected("invalid-limit", "A weekly limit is between 0 and 168 hours."));
                break;
            case SetWeeklyLimit when _locked:
                Sender.Tell(RefuseLocked()!);
                break;
            case SetWeeklyLimit limit:
                PersistChangingBilling(new WeeklyLimitChanged(limit.LimitMinutes));
                break;
            case RefundSegments refund:
                Refund(refund);
                break;
            case DescribeTimesheet describe:
                Sender.Tell(Timesheet(describe));
                break;
            case LockWeek when _locked:
                Sender.Tell(Accepted.Instance);
                break;
            case LockWeek:
                Persist(new WeekLocked(Now), _ => Sender.Tell(Accepted.Instance));
                break;
            default:
                Unhandled(command);
                break;
        }
    }

    /// <summary>Every event of a week is something its contract's watching pages may show.</summary>
    protected override void OnCommitted(object @event, long sequenceNr) => PublishLive(_contractId, sequenceNr);

    protected override void ApplyEvent(object @event)
    {
        _evaluation = null;
        switch (@event)
        {
            case WeekOpened opened:
                _opened = opened;
                _weekZone = TimeZoneInfo.FindSystemTimeZoneById(opened.WeekZone);
                _limitMinutes = opened.LimitMinutes;
                break;
            case CaptureRecorded recorded:
                var capture = new Capture(recorded.CaptureId, recorded.SegmentStart, recorded.Kind, recorded.Black)
                {
                    CapturedAt = recorded.CapturedAt,
                    BlobKey = recorded.BlobKey,
                    ThumbnailKey = recorded.ThumbnailKey,
                    AppName = recorded.AppName,
                    WindowTitle = recorded.WindowTitle,
                    Comment = recorded.Comment,
                };
                _captures[capture.Id] = capture;
                _captureIdsByKey[recorded.IdempotencyKey] = capture.Id;
                var segment = SegmentAt(recorded.SegmentStart);
                if (recorded.Kind == CaptureKind.Screen)
                {
                    segment.Screen = capture;
                    segment.Memo ??= recorded.Memo;
                    segment.ActivityLabel ??= recorded.ActivityLabel;
                }
                else
                {
                    segment.Camera = capture;
                }

                break;
            case ActivityRecorded activity:
                foreach (var minute in activity.Minutes)
                {
                    SegmentAt(SegmentSlots.StartOf(minute.MinuteUtc, _opened!.SegmentMinutes)).Minutes[minute.MinuteUtc] = minute;
                }

                break;
            case CaptureDeleted deleted:
                _captures[deleted.CaptureId].Deleted = true;
                break;
            case CaptureRejected rejected:
                _captures[rejected.CaptureId].Rejected = true;
                break;
            case ReviewRequested review:
                _captures[review.CaptureId].ReviewRequested = true;
                break;
            case CaptureCommented commented:
                _captures[commented.CaptureId].Comment = commented.Comment;
                break;
            case MemoEdited memo:
                var edited = SegmentAt(memo.SegmentStart);
                edited.Memo = memo.Memo;
                edited.ActivityLabel = memo.ActivityLabel;
                break;
            case ManualTimeAdded manual:
                foreach (var start in manual.Segments)
                {
                    var added = SegmentAt(start);
                    added.Manual = true;
                    added.Memo = manual.Memo;
                }

                break;
            case WeeklyLimitChanged limit:
                _limitMinutes = limit.LimitMinutes;
                break;
            case IdleSpanRecorded idle:
                foreach (var start in idle.Segments)
                {
                    SegmentAt(start).Idle = true;
                }

                break;
            case WeekLocked:
                _locked = true;
                break;
            case SegmentsRefunded refunded:
                foreach (var start in refunded.Segments)
                {
                    SegmentAt(start).Refunded = true;
                }

                break;
        }
    }

    protected override object CreateSnapshot() => new WorkWeekSnapshot(
        _opened,
        _limitMinutes,
        _locked,
        [.. _segments.Values.Select(s => new SegmentSnapshot(
            s.Start, s.Screen?.Id, s.Camera?.Id, s.Manual, s.Idle, s.Memo, s.ActivityLabel, [.. s.Minutes.Values.OrderBy(m => m.MinuteUtc)], s.Refunded))],
        [.. _captures.Values.Select(c => new CaptureSnapshot(
            c.Id, c.SegmentStart, c.Kind, c.Black, c.CapturedAt, c.BlobKey, c.Deleted, c.Rejected, c.ReviewRequested,
            c.AppName, c.WindowTitle, c.Comment, c.ThumbnailKey))],
        new Dictionary<string, string>(_captureIdsByKey, StringComparer.Ordinal));

    protected override void ApplySnapshot(object snapshot)
    {
        var state = (WorkWeekSnapshot)snapshot;
        if (state.Opened is { } opened)
        {
            ApplyEvent(opened);
        }

        _limitMinutes = state.LimitMinutes;
        _locked = state.Locked;
        foreach (var c in state.Captures)
        {
            _captures[c.Id] = new Capture(c.Id, c.SegmentStart, c.Kind, c.Black)
            {
                CapturedAt = c.CapturedAt,
                BlobKey = c.BlobKey,
                ThumbnailKey = c.ThumbnailKey,
                Deleted = c.Deleted,
                Rejected = c.Rejected,
                ReviewRequested = c.ReviewRequested,
                AppName = c.AppName,
                WindowTitle = c.WindowTitle,
                Comment = c.Comment,
            };
        }

        foreach (var (key, id) in state.CaptureIdsByKey)
        {
            _captureIdsByKey[key] = id;
        }

        foreach (var s in state.Segments)
        {
            var segment = SegmentAt(s.Start);
            segment.Screen = s.ScreenId is null ? null : _captures[s.ScreenId];
            segment.Camera = s.CameraId is null ? null : _captures[s.CameraId];
            (segment.Manual, segment.Idle, segment.Memo, segment.ActivityLabel, segment.Refunded) = (s.Manual, s.Idle, s.Memo, s.ActivityLabel, s.Refunded);
            foreach (var minute in s.Minutes)
            {
                segment.Minutes[minute.MinuteUtc] = minute;
            }
        }
    }

    private void Open(WeekTerms terms)
    {
        if (_opened is not null)
        {
            Sender.Tell(Accepted.Instance);
            return;
        }

        var opened = new WeekOpened(
            terms.ContractId, terms.Week.ToString(), terms.WeekZone.Id, terms.SegmentMinutes, terms.HourlyRateCents, terms.LimitMinutes,
            terms.Week.StartIn(terms.WeekZone), terms.Week.EndIn(terms.WeekZone));
        Persist(opened, _ => Sender.Tell(Accepted.Instance));
    }

    private void Record(RecordCapture command)
    {
        if (_captureIdsByKey.TryGetValue(command.IdempotencyKey, out var knownId))
        {
            var known = _captures[knownId];
            Sender.Tell(known.Kind == command.Kind && known.CapturedAt == command.CapturedAt && known.BlobKey == command.BlobKey
                ? new CaptureAccepted(knownId, known.SegmentStart, Duplicate: true)
                : new Rejected("idempotency-key-conflict", $"Key {command.IdempotencyKey} was already used for another capture."));
            return;
        }

        if (RefuseChange(command.CapturedAt) is { } refusal)
        {
            Sender.Tell(refusal);
            return;
        }

        var segmentStart = SegmentSlots.StartOf(command.CapturedAt, _opened!.SegmentMinutes);
        var existing = _segments.GetValueOrDefault(segmentStart);
        var first = command.Kind == CaptureKind.Screen ? existing?.Screen : existing?.Camera;
        if (first is not null)
        {
            // One capture of each kind per segment: a second one replaces nothing.
            Sender.Tell(new CaptureAccepted(first.Id, segmentStart, Duplicate: true));
            return;
        }

        var recorded = new CaptureRecorded(
            CaptureIds.New(_opened.ContractId, IsoWeek.Parse(_opened.Week)), command.IdempotencyKey, segmentStart, command.CapturedAt, command.Kind,
            command.BlobKey, command.SizeBytes, command.Black, command.AppName, command.WindowTitle, command.Comment,
            command.Memo, command.ActivityLabel, command.ThumbnailKey);
        PersistChangingBilling(recorded, new CaptureAccepted(recorded.CaptureId, segmentStart, Duplicate: false));
    }

    private void Record(RecordActivity command)
    {
        foreach (var minute in command.Minutes)
        {
            if (minute.MinuteUtc.Second != 0 || minute.MinuteUtc.Millisecond != 0
                || minute.Keystrokes < 0 || minute.MouseClicks < 0 || minute.Scrolls < 0)
            {
                Sender.Tell(new Rejected("invalid-activity", $"Activity for {minute.MinuteUtc:O} must start on a whole minute and count no negatives."));
                return;
            }

            if (RefuseChange(minute.MinuteUtc) is { } refusal)
            {
                Sender.Tell(refusal);
                return;
            }
        }

        var normalized = command.Minutes.Select(m => m with { MinuteUtc = m.MinuteUtc.ToUniversalTime() }).ToList();
        PersistChangingBilling(new ActivityRecorded(normalized));
    }

    private void Delete(DeleteCapture command)
    {
        if (FindCapture(command.CaptureId) is not { } capture)
        {
            return;
        }

        if (RefuseLocked() is { } refusal)
        {
            Sender.Tell(refusal);
            return;
        }

        if (capture.Deleted)
        {
            Sender.Tell(Accepted.Instance);
            return;
        }

        PersistChangingBilling(new CaptureDeleted(capture.Id, capture.SegmentStart, capture.Kind));
    }

    private void Reject(RejectCapture command)
    {
        if (FindCapture(command.CaptureId) is not { } capture)
        {
            return;
        }

        if (RefuseLocked() is { } refusal)
        {
            Sender.Tell(refusal);
            return;
        }

        if (capture.Kind != CaptureKind.Screen || capture.Deleted)
        {
            Sender.Tell(new Rejected("not-rejectable", "Only a screen capture that was not deleted can be rejected."));
            return;
        }

        if (capture.Rejected)
        {
            Sender.Tell(Accepted.Instance);
            return;
        }

        PersistChangingBilling(new CaptureRejected(capture.Id, capture.SegmentStart, command.Reason));
    }

    private void RequestReviewOf(RequestReview command)
    {
        if (FindCapture(command.CaptureId) is not { } capture)
        {
            return;
        }

        if (!capture.Rejected)
        {
            Sender.Tell(new Rejected("not-rejected", "A review can only be requested for a rejected capture."));
        }
        else if (capture.ReviewRequested)
        {
            Sender.Tell(new Rejected("review-already-requested", "A review was already requested for this capture."));
        }
        else
        {
            Persist(new ReviewRequested(capture.Id, capture.SegmentStart, command.Message), _ => Sender.Tell(Accepted.Instance));
        }
    }

    private void Comment(CommentOnCapture command)
    {
        if (FindCapture(command.CaptureId) is not { } capture)
        {
            return;
        }

        if (RefuseLocked() is { } refusal)
        {
            Sender.Tell(refusal);
        }
        else if (capture.Deleted)
        {
            Sender.Tell(new Rejected("capture-deleted", "A deleted capture cannot be commented."));
        }
        else
        {
            Persist(new CaptureCommented(capture.Id, capture.SegmentStart, command.Comment), _ => Sender.Tell(Accepted.Instance));
        }
    }

    private void Edit(EditMemo command)
    {
        if (RefuseLocked() is { } refusal)
        {
            Sender.Tell(refusal);
        }
        else if (!_segments.ContainsKey(command.SegmentStart))
        {
            Sender.Tell(new Rejected("not-found", $"No segment starts at {command.SegmentStart:O}."));
        }
        else
        {
            PersistChangingBilling(new MemoEdited(command.SegmentStart, command.Memo, command.ActivityLabel));
        }
    }

    private void Add(AddManualTime command)
    {
        if (command.To <= command.From || string.IsNullOrWhiteSpace(command.Memo))
        {
            Sender.Tell(new Rejected("invalid-manual-time", "Manual time needs a start before its end and a memo."));
            return;
        }

        if ((RefuseChange(command.From) ?? RefuseChange(command.To.AddTicks(-1))) is { } refusal)
        {
            Sender.Tell(refusal);
            return;
        }

        var segments = SegmentSlots.Covering(command.From, command.To, _opened!.SegmentMinutes).ToList();
        foreach (var start in segments)
        {
            if (_segments.TryGetValue(start, out var tracked) && (tracked.Screen is not null || tracked.Manual))
            {
                Sender.Tell(new Rejected("overlaps-tracked-time", $"The segment at {start:O} already has time."));
                return;
            }
        }

        PersistChangingBilling(new ManualTimeAdded(command.From, command.To, command.Memo, segments));
    }

    private void MarkIdleSpan(MarkIdle command)
    {
        // Accepted after the lock too (the tracker notices idleness a timeout late, possibly after the week ended):
        // only segments without input become idle, and those were never billable, so the figures do not move.
        // Only the segments this week owns; the tracker sends each week its own part.
        var (from, to) = (command.From, command.To);
        var segments = from < to
            ? SegmentSlots.Covering(from, to, _opened!.SegmentMinutes)
                .Where(s => OwnsSegmentOf(s) && !(_segments.TryGetValue(s, out var known) && known.Idle))
                .ToList()
            : [];
        if (segments.Count == 0)
        {
            Sender.Tell(Accepted.Instance);
            return;
        }

        PersistChangingBilling(new IdleSpanRecorded(from, to, segments));
    }

    /// <summary>Persists an event that may change billing, then any limit alert it crosses, then replies.</summary>
    private void PersistChangingBilling(object @event, object? reply = null)
    {
        var limitBefore = _limitMinutes;
        // Alerts need the share of a limit: without one (before or after) the week need not be evaluated.
        var before = limitBefore is null ? 0 : Evaluate().BillableMinutes;
        Persist(@event, _ =>
        {
            var limit = _limitMinutes;
            if (limit is null)
            {
                Sender.Tell(reply ?? Accepted.Instance);
                return;
            }

            var after = Evaluate().BillableMinutes;
            PersistAll(WeekBilling.ThresholdsCrossed(before, limitBefore, after, limit).Select(p => new LimitThresholdReached(p, after, limit!.Value)));
            Sender.Tell(reply ?? Accepted.Instance);
        });
    }

    private Rejected? RefuseChange(DateTimeOffset at)
    {
        if (RefuseLocked() is { } locked)
        {
            return locked;
        }

        if (at > Now + _clockSkewTolerance)
        {
            return new Rejected("capture-in-future", $"{at:O} is in the future; check the computer's clock.");
        }

        return OwnsSegmentOf(at) ? null : new Rejected("wrong-week", $"{at:O} is not in week {_opened!.Week}.");
    }

    /// <summary>
    /// A segment belongs to the week its start falls in (segments are UTC-aligned, weeks start at midnight in the
    /// week zone, so a slot can straddle the boundary; it must be billed in exactly one week).
    /// </summary>
    private bool OwnsSegmentOf(DateTimeOffset at)
    {
        var start = SegmentSlots.StartOf(at, _opened!.SegmentMinutes);
        return start >= _opened.StartsAt && start < _opened.EndsAt;
    }

    private Rejected? RefuseLocked() =>
        _locked ? new Rejected("week-locked", $"Week {_opened!.Week} is locked; its time can no longer change.") : null;

    private Capture? FindCapture(string captureId)
    {
        if (_captures.TryGetValue(captureId, out var capture))
        {
            return capture;
        }

        Sender.Tell(new Rejected("not-found", $"No capture {captureId} in this week."));
        return null;
    }

    private Segment SegmentAt(DateTimeOffset start)
    {
        if (!_segments.TryGetValue(start, out var segment))
        {
            segment = new Segment(start);
            _segments[start] = segment;
        }

        return segment;
    }

    /// <summary>The week's billing, computed once per change (every applied event invalidates it).</summary>
    private WeekEvaluation Evaluate() => _evaluation ??= EvaluateNow();

    private WeekEvaluation EvaluateNow() =>
        WeekBilling.Evaluate(_segments.Values.Select(s => s.Facts()), _opened!.SegmentMinutes, _limitMinutes);

    private WeekTotals Totals(DateOnly day)
    {
        var evaluation = Evaluate();
        var (zone, opened) = (_weekZone!, _opened!);
        var dayMinutes = evaluation.Segments
            .Where(s => s.Billable && DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(s.Start, zone).DateTime) == day)
            .Sum(_ => opened.SegmentMinutes);
        return new WeekTotals(
            IsoWeek.Parse(opened.Week), day, dayMinutes, evaluation.BillableMinutes,
            Money.AmountCents(evaluation.BillableMinutes, opened.HourlyRateCents));
    }

    /// <summary>Refunds are an operator's decision on a locked week, so the lock does not stop them; repeats change nothing.</summary>
    private void Refund(RefundSegments command)
    {
        var fresh = command.SegmentStarts.Where(s => !(_segments.TryGetValue(s, out var known) && known.Refunded)).Distinct().Order().ToList();
        if (fresh.Any(s => !_segments.ContainsKey(s)))
        {
            Sender.Tell(new Rejected("not-found", "Only recorded segments of the week can be refunded."));
        }
        else if (fresh.Count == 0)
        {
            Sender.Tell(Accepted.Instance);
        }
        else
        {
            Persist(new SegmentsRefunded(fresh), _ => Sender.Tell(Accepted.Instance));
        }
    }

    /// <summary>The timesheet: the contract's status and deadlines with this week's days and totals.</summary>
    private TimesheetView Timesheet(DescribeTimesheet facts)
    {
        var evaluation = Evaluate();
        var (zone, opened) = (_weekZone!, _opened!);
        var week = IsoWeek.Parse(opened.Week);
        var monday = DateOnly.FromDateTime(System.Globalization.ISOWeek.ToDateTime(week.Year, week.Week, DayOfWeek.Monday));
        var minutesByDay = evaluation.Segments
            .Where(s => s.Billable)
            .GroupBy(s => DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(s.Start, zone).DateTime))
            .ToDictionary(g => g.Key, g => g.Count() * opened.SegmentMinutes);
        return new TimesheetView(
            opened.ContractId, week, facts.Status,
            [.. Enumerable.Range(0, 7).Select(d => monday.AddDays(d)).Select(day => new TimesheetDay(day, minutesByDay.GetValueOrDefault(day)))],
            evaluation.BillableMinutes, Money.AmountCents(evaluation.BillableMinutes, opened.HourlyRateCents),
            facts.LocksAt, facts.SubmitsAt, facts.ReviewEndsAt, facts.AvailableAt, facts.ChargedCents, facts.DisputeId, facts.FailureReasons);
    }

    private WeekDiary Diary()
    {
        var evaluation = Evaluate();
        var segments = evaluation.Segments.Select(billed =>
        {
            var s = _segments[billed.Start];
            return new DiarySegment(
                s.Start, billed.Status, billed.Billable, billed.Unprotected, s.ActiveMinutes,
                [.. s.Minutes.Values.OrderBy(m => m.MinuteUtc)], s.Screen?.Id, s.Camera is { Deleted: false } camera ? camera.Id : null, s.Screen?.Black ?? false,
                s.Memo, s.ActivityLabel, s.Screen?.Comment, s.Screen?.AppName, s.Screen?.WindowTitle, s.Screen?.CapturedAt, s.Screen?.ReviewRequested ?? false);
        }).ToList();
        return new WeekDiary(
            _opened!.ContractId, IsoWeek.Parse(_opened.Week), _locked, _limitMinutes, evaluation.BillableMinutes,
            Money.AmountCents(evaluation.BillableMinutes, _opened.HourlyRateCents), segments);
    }

    private sealed class Segment(DateTimeOffset start)
    {
        public DateTimeOffset Start { get; } = start;

        public Capture? Screen { get; set; }

        public Capture? Camera { get; set; }

        public bool Manual { get; set; }

        public bool Idle { get; set; }

        public bool Refunded { get; set; }

        public string? Memo { get; set; }

        public string? ActivityLabel { get; set; }

        public Dictionary<DateTimeOffset, ActivityMinute> Minutes { get; } = [];

        public int ActiveMinutes => Minutes.Values.Count(m => m.Active);

        public SegmentFacts Facts() => new()
        {
            Start = Start,
            ActiveMinutes = ActiveMinutes,
            HasScreenCapture = Screen is not null,
            BlackCapture = Screen?.Black ?? false,
            CaptureDeleted = Screen?.Deleted ?? false,
            Rejected = Screen?.Rejected ?? false,
            Manual = Manual,
            // The tracker judges idleness from when activity arrives; an agent that was offline uploads its
            // minutes late, and recorded input in the segment proves it was not idle.
            Idle = Idle && ActiveMinutes == 0,
            Memo = Memo,
            Refunded = Refunded,
        };
    }

    private sealed class Capture(string id, DateTimeOffset segmentStart, CaptureKind kind, bool black)
    {
        public string Id { get; } = id;

        public DateTimeOffset SegmentStart { get; } = segmentStart;

        public CaptureKind Kind { get; } = kind;

        public bool Black { get; } = black;

        public bool Deleted { get; set; }

        public bool Rejected { get; set; }

        public bool ReviewRequested { get; set; }

        public DateTimeOffset CapturedAt { get; init; }

        public string BlobKey { get; init; } = string.Empty;

        public string? ThumbnailKey { get; init; }

        public string? AppName { get; init; }

        public string? WindowTitle { get; init; }

        public string? Comment { get; set; }
    }
}
