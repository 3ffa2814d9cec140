using LiveTracker.Actors.Billing;
using Xunit;

namespace LiveTracker.Actors.Tests.Billing;

/// <summary>
/// Invariants over many random weeks (seeded, so a failure names its seed and reproduces): money is never
/// billed past the limit or for removed time, and nothing depends on the order facts arrived in.
/// </summary>
public sealed class WeekBillingPropertyTests
{
    public static TheoryData<int> Seeds()
    {
        var seeds = new TheoryData<int>();
        for (var seed = 1; seed <= 200; seed++)
        {
            seeds.Add(seed);
        }

        return seeds;
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Random_weeks_keep_every_billing_invariant(int seed)
    {
        var random = new Random(seed);
        var segmentMinutes = new[] { 5, 10, 12, 15, 30 }[random.Next(5)];
        int? limit = random.Next(4) == 0 ? null : random.Next(0, 20) * 30;
        var segments = RandomWeek(random, segmentMinutes);

        var week = WeekBilling.Evaluate(segments, segmentMinutes, limit);

        var byStart = segments.ToDictionary(s => s.Start);
        Assert.True(limit is null || week.BillableMinutes <= limit, $"seed {seed}: billed {week.BillableMinutes} over limit {limit}");
        Assert.Equal(week.Segments.Count(s => s.Billable) * segmentMinutes, week.BillableMinutes);
        foreach (var billed in week.Segments.Where(s => s.Billable))
        {
            var facts = byStart[billed.Start];
            Assert.False(facts.CaptureDeleted || facts.Rejected || facts.Idle, $"seed {seed}: removed time billed at {billed.Start}");
            Assert.True(facts.Manual || (facts.ActiveMinutes > 0 && facts.HasScreenCapture && !facts.BlackCapture), $"seed {seed}");
        }

        var shuffled = segments.OrderBy(_ => random.Next()).ToList();
        Assert.Equal(week, WeekBilling.Evaluate(shuffled, segmentMinutes, limit), WeekComparer.Instance);

        var raised = WeekBilling.Evaluate(segments, segmentMinutes, limit is null ? null : limit + (segmentMinutes * random.Next(1, 5)));
        Assert.True(raised.BillableMinutes >= week.BillableMinutes, $"seed {seed}: raising the limit billed less");
    }

    private static List<SegmentFacts> RandomWeek(Random random, int segmentMinutes)
    {
        var monday = new DateTimeOffset(2026, 11, 16, 0, 0, 0, TimeSpan.Zero);
        var slots = 7 * 24 * 60 / segmentMinutes;
        return Enumerable.Range(0, slots)
            .Where(_ => random.Next(6) == 0)
            .Select(slot => new SegmentFacts
            {
                Start = monday.AddMinutes(slot * segmentMinutes),
                ActiveMinutes = random.Next(0, segmentMinutes + 1),
                HasScreenCapture = random.Next(10) != 0,
                BlackCapture = random.Next(20) == 0,
                CaptureDeleted = random.Next(15) == 0,
                Rejected = random.Next(15) == 0,
                Idle = random.Next(10) == 0,
                Manual = random.Next(25) == 0,
                Memo = random.Next(5) == 0 ? null : "task",
            })
            .ToList();
    }

    private sealed class WeekComparer : IEqualityComparer<WeekEvaluation>
    {
        public static readonly WeekComparer Instance = new();

        public bool Equals(WeekEvaluation? x, WeekEvaluation? y) =>
            x is not null && y is not null && x.BillableMinutes == y.BillableMinutes && x.LimitMinutes == y.LimitMinutes
            && x.Segments.SequenceEqual(y.Segments);

        public int GetHashCode(WeekEvaluation obj) => obj.BillableMinutes;
    }
}
