namespace LiveTracker.Agent.Tracking;

/// <summary>
/// When the next capture is taken. Each segment of the contract's grid (<see cref="SegmentSchedule"/>) gets one capture
/// at a uniformly random instant in what is left of it when it is planned: from the segment's start, or from when
/// tracking started or resumed in it, to its end minus the margin. A segment the outbox already holds a capture of (a
/// restart, a resumed display) gets none. A capture is tried once; an idle pause or a lost display cancels it.
/// </summary>
internal sealed class CaptureScheduler(Outbox.Outbox outbox, Random random)
{
    /// <summary>The segment the plan is for.</summary>
    public DateTimeOffset SegmentStart { get; private set; }

    /// <summary>The instant of this segment's capture; null when none is to be taken.</summary>
    public DateTimeOffset? Due { get; private set; }

    /// <summary>Whether <paramref name="now"/> is in another segment than the one planned (a new one, or the machine slept).</summary>
    public bool IsNewSegment(DateTimeOffset now, int segmentMinutes) => SegmentSchedule.StartOf(now, segmentMinutes) != SegmentStart;

    /// <summary>Plans the capture of the segment <paramref name="now"/> is in, for the contract being tracked.</summary>
    public void Plan(string? contractId, DateTimeOffset now, int segmentMinutes)
    {
        SegmentStart = SegmentSchedule.StartOf(now, segmentMinutes);
        Due = contractId is not null && outbox.HasCapture(contractId, SegmentStart)
            ? null
            : SegmentSchedule.CaptureMoment(now, segmentMinutes, random);
    }

    public bool IsDue(DateTimeOffset now) => Due is { } at && now >= at;

    /// <summary>No capture in this segment (any more): it was taken, or tracking paused.</summary>
    public void Cancel() => Due = null;
}
