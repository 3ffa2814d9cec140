using System.Globalization;
using LiveTracker.Actors.Billing;
using LiveTracker.Actors.Configuration;
using LiveTracker.Actors.Contracts;
using LiveTracker.Actors.Payments;
using LiveTracker.Actors.Tests.Hosting;
using LiveTracker.Actors.Tests.Databases;
using LiveTracker.Testing;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace LiveTracker.Actors.Tests.Cycle;

/// <summary>
/// The weekly cycle of an hourly contract through the real regions, reminders and sandbox gateway, on a manual
/// clock that runs through two weeks in milliseconds: lock, submission, review, dispute, charge and payout.
/// </summary>
public abstract class WeeklyCycleTests : IAsyncLifetime
{
    private FakeTimeProvider Clock { get; } = new(new DateTimeOffset(2026, 11, 16, 9, 0, 0, TimeSpan.Zero));

    // The clock starts Monday 2026-11-16 09:00 UTC, in ISO week 2026-W47.
    private static readonly IsoWeek W47 = IsoWeek.Parse("2026-W47");
    private static readonly IsoWeek W48 = IsoWeek.Parse("2026-W48");

    private readonly string _contractId = "c-" + Guid.NewGuid().ToString("N");
    private readonly string _clientId = "client-" + Guid.NewGuid().ToString("N");
    private readonly string _freelancerId = "freelancer-" + Guid.NewGuid().ToString("N");
    private readonly SandboxPaymentGateway _gateway = new();
    private CycleNode? _node;

    /// <summary>The test class's database.</summary>
    protected abstract Func<PersistenceSettings, PersistenceSettings> AkkaDatabase { get; }

    private CycleNode Node => _node!;

    async Task IAsyncLifetime.InitializeAsync()
    {
        _node = await CycleNode.StartAsync(Clock, null, _gateway, AkkaDatabase);
    }

    async Task IAsyncLifetime.DisposeAsync() => await Node.DisposeAsync();

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Two_weeks_run_through_lock_review_dispute_charge_and_payout(bool restartBetweenSteps)
    {
        await Pays("sandbox-card-ok");
        await CreateHourlyContract();
        Clock.SetUtcNow(At("2026-11-16T09:30:00Z"));
        await Work(At("2026-11-16T09:00:00Z"), "a");
        await Work(At("2026-11-16T09:10:00Z"), "b");
        await Work(At("2026-11-16T09:20:00Z"), "c");

        var open = await Timesheet(W47);
        Assert.Equal((TimesheetStatus.Open, 30, 3000L), (open.Status, open.BillableMinutes, open.AmountCents));
        Assert.Equal(new TimesheetDay(new DateOnly(2026, 11, 16), 30), open.Days[0]);
        Assert.Equal(At("2026-11-28T04:59:00Z"), open.ReviewEndsAt);
        Assert.True((await Contract<ContractView>(new GetContract())).WorkViewReady);

        // Sunday 24:00 UTC: the week locks; a late upload for it is refused.
        await MoveTo(At("2026-11-23T00:00:30Z"), restartBetweenSteps);
        await AwaitStatus(W47, TimesheetStatus.Locked);
        var late = await Contract<Rejected>(new ForWeek(At("2026-11-22T23:55:00Z"), Capture("late", At("2026-11-22T23:55:00Z"))));
        Assert.Equal("week-locked", late.Code);

        // Monday morning of the second week: two segments of work.
        await MoveTo(At("2026-11-23T10:30:00Z"), restartBetweenSteps);
        await Work(At("2026-11-23T10:00:00Z"), "d");
        await Work(At("2026-11-23T10:10:00Z"), "e");

        // Monday 07:00 New York: the first week's timesheet is submitted for review.
        await MoveTo(At("2026-11-23T12:00:00Z"), restartBetweenSteps);
        await AwaitStatus(W47, TimesheetStatus.InReview);

        // Friday 23:59 New York: the review ends and the week is charged to the card.
        await MoveTo(At("2026-11-28T05:00:00Z"), restartBetweenSteps);
        var charged = await AwaitStatus(W47, TimesheetStatus.Charged);
        Assert.Equal(3000, charged.ChargedCents);
        var afterCharge = await Contract<ContractLedger>(new GetLedger());
        Assert.Equal((3000L, 3000L, 0L), (afterCharge.ClientPaidCents, afterCharge.FreelancerPendingCents, afterCharge.FreelancerAvailableCents));
        Assert.Equal(
            [(LedgerParty.Client, "timesheet-charge", -3000L), (LedgerParty.FreelancerPending, "earnings-pending", 3000L)],
            afterCharge.Lines.Select(l => (l.Party, l.Kind, l.AmountCents)));

        // The second week locks and is submitted while the node is down or in one jump: both steps catch up.
        await MoveTo(At("2026-11-30T12:00:00Z"), restartBetweenSteps);
        await AwaitStatus(W48, TimesheetStatus.InReview);

        // The client disputes one segment: the week is disputed and the contract's payments freeze.
        await MoveTo(At("2026-12-01T10:00:00Z"), restartBetweenSteps);
        var dispute = await Contract<DisputeOpened>(new DisputeTimesheet(_clientId, W48, [At("2026-11-23T10:00:00Z")], "Not my project"));
        await AwaitStatus(W48, TimesheetStatus.Disputed);
        await AwaitAssertions.AwaitAssertAsync(async () => Assert.Contains(await OpenDisputes(), d => d.DisputeId == dispute.DisputeId && d.Subject == "2026-W48"), AkkaTestNode.AskTimeout);
        var disputed = await Contract<ContractView>(new GetContract());
        Assert.False(disputed.WorkViewReady);
        Assert.Contains("dispute-open", disputed.NotReadyReasons);

        // The first week's earnings would be available now, but the freeze holds them: no reminder is pending.
        await MoveTo(At("2026-12-03T00:30:00Z"), restartBetweenSteps);
        Assert.Equal(TimesheetStatus.Charged, (await Timesheet(W47)).Status);
        await AwaitAssertions.AwaitAssertAsync(async () => Assert.Null(await Node.ContractDeadline(_contractId, "timesheet:" + W47)), AkkaTestNode.AskTimeout);

        // The operator refunds the disputed segment: the rest is charged, and the held payout goes out.
        await MoveTo(At("2026-12-03T10:00:00Z"), restartBetweenSteps);
        await Contract<Accepted>(new ResolveTimesheetDispute(dispute.DisputeId, [At("2026-11-23T10:00:00Z")], "Client is right about 10:00"));
        var resolved = await AwaitStatus(W48, TimesheetStatus.Charged);
        Assert.Equal((1000L, 10, 1000L), (resolved.ChargedCents!.Value, resolved.BillableMinutes, resolved.AmountCents));
        await AwaitStatus(W47, TimesheetStatus.PaidOut);
        await AwaitAssertions.AwaitAssertAsync(async () => Assert.DoesNotContain(await OpenDisputes(), d => d.DisputeId == dispute.DisputeId), AkkaTestNode.AskTimeout);
        var diary = await Contract<WeekDiary>(new ForWeek(At("2026-11-23T10:00:00Z"), new GetDiary()));
        Assert.Equal(
            [(SegmentStatus.Refunded, false), (SegmentStatus.Logged, true)],
            diary.Segments.Select(s => (s.Status, s.Billable)));
        Assert.True((await Contract<ContractView>(new GetContract())).WorkViewReady);
        var afterDispute = await Contract<ContractLedger>(new GetLedger());
        Assert.Equal((4000L, 1000L, 3000L), (afterDispute.ClientPaidCents, afterDispute.FreelancerPendingCents, afterDispute.FreelancerAvailableCents));

        // Ten days after the second week ended its earnings are available too, and nothing is left to remind.
        await MoveTo(At("2026-12-10T00:00:01Z"), restartBetweenSteps);
        await AwaitStatus(W48, TimesheetStatus.PaidOut);
        var final = await Contract<ContractLedger>(new GetLedger());
        Assert.Equal((4000L, 0L, 4000L, 0L), (final.ClientPaidCents, final.FreelancerPendingCents, final.FreelancerAvailableCents, final.EscrowCents));
        Assert.Equal(8, final.Lines.Count);
        await AwaitAssertions.AwaitAssertAsync(async () => Assert.Null(await Node.ContractDeadline(_contractId, "timesheet:" + W48)), AkkaTestNode.AskTimeout);
        var account = await Billing<BillingAccountView>(new GetBillingAccount());
        Assert.Equal([-3000L, -1000L], account.Ledger.Where(l => l.ContractId == _contractId).Select(l => l.AmountCents));
    }

    [Fact]
    public async Task A_declined_default_card_is_charged_to_the_paypal_backup()
    {
        await Pays("sandbox-card-declined", backup: "sandbox-paypal-ok");
        await CreateHourlyContract();
        await WorkOneSegment();

        await MoveTo(At("2026-11-28T05:00:00Z"), restart: false);

        var charged = await AwaitStatus(W47, TimesheetStatus.Charged);
        Assert.Equal(1000, charged.ChargedCents);
        var account = await Billing<BillingAccountView>(new GetBillingAccount());
        Assert.Equal(PaymentMethodKind.PayPal, Assert.Single(account.Ledger, l => l.ContractId == _contractId).Method);
        Assert.True((await Contract<ContractView>(new GetContract())).WorkViewReady);
    }

    [Fact]
    public async Task When_both_methods_decline_the_week_fails_until_the_client_pays_it_by_hand()
    {
        await Pays("sandbox-card-declined", backup: "sandbox-paypal-declined");
        await CreateHourlyContract();
        await WorkOneSegment();

        await MoveTo(At("2026-11-28T05:00:00Z"), restart: false);

        var failed = await AwaitStatus(W47, TimesheetStatus.PaymentFailed);
        Assert.Equal(2, failed.FailureReasons.Count);
        var notReady = await Contract<ContractView>(new GetContract());
        Assert.Equal((false, true), (notReady.WorkViewReady, notReady.NotReadyReasons.Contains("payment-failed")));
        Assert.Equal("payment-declined", (await Contract<Rejected>(new PayTimesheet(_clientId, W47))).Code);

        await Billing<PaymentMethodAccepted>(new AddPaymentMethod(PaymentMethodKind.Card, "sandbox-card-ok", MakeDefault: true, MakeBackup: false));
        await Contract<Accepted>(new PayTimesheet(_clientId, W47));

        Assert.Equal(1000, (await AwaitStatus(W47, TimesheetStatus.Charged)).ChargedCents);
        Assert.True((await Contract<ContractView>(new GetContract())).WorkViewReady);
        Assert.Equal("nothing-to-pay", (await Contract<Rejected>(new PayTimesheet(_clientId, W47))).Code);
        Assert.Equal(1000, (await Contract<ContractLedger>(new GetLedger())).ClientPaidCents);
    }

    [Fact]
    public async Task A_card_that_fails_the_first_time_is_paid_by_hand_on_the_second_attempt()
    {
        await Pays("sandbox-card-fails-once");
        await CreateHourlyContract();
        await WorkOneSegment();

        await MoveTo(At("2026-11-28T05:00:00Z"), restart: false);
        await AwaitStatus(W47, TimesheetStatus.PaymentFailed);
        Assert.Equal("not-your-contract", (await Contract<Rejected>(new PayTimesheet(_freelancerId, W47))).Code);

        await Contract<Accepted>(new PayTimesheet(_clientId, W47));

        await AwaitStatus(W47, TimesheetStatus.Charged);
        await MoveTo(At("2026-12-03T00:00:00Z"), restart: true);
        await AwaitStatus(W47, TimesheetStatus.PaidOut);
        Assert.Equal(1000, (await Contract<ContractLedger>(new GetLedger())).FreelancerAvailableCents);
    }

    [Fact]
    public async Task Disputes_outside_the_review_period_or_by_others_are_refused_with_reasons()
    {
        await Pays("sandbox-card-ok");
        await CreateHourlyContract();
        var segment = await WorkOneSegment();

        Assert.Equal("outside-review-period", (await Contract<Rejected>(new DisputeTimesheet(_clientId, W47, [segment], "too early"))).Code);

        await MoveTo(At("2026-11-24T12:00:00Z"), restart: false);
        await AwaitStatus(W47, TimesheetStatus.InReview);
        // Nor can time be added to an earlier week nobody worked in: it locked when it ended.
        var pastWeek = await Contract<Rejected>(new ForWeek(At("2026-11-10T09:00:00Z"), new AddManualTime(At("2026-11-10T09:00:00Z"), At("2026-11-10T19:00:00Z"), "backdated")));
        Assert.Equal("week-locked", pastWeek.Code);
        Assert.Equal("invalid-contract", (await Node.Contract<Rejected>("eur-" + _contractId, new CreateContract(_clientId, _freelancerId, "Euro", ContractKind.Hourly, 6000, "EUR", null, 10, 24))).Code);
        Assert.Equal("not-your-contract", (await Contract<Rejected>(new DisputeTimesheet("someone-else", W47, [segment], "mine?"))).Code);
        Assert.Equal("invalid-dispute", (await Contract<Rejected>(new DisputeTimesheet(_clientId, W47, [segment.AddMinutes(10)], "unbilled"))).Code);
        Assert.Equal("invalid-dispute", (await Contract<Rejected>(new DisputeTimesheet(_clientId, W47, [segment], " "))).Code);
        Assert.Equal("not-found", (await Contract<Rejected>(new ResolveTimesheetDispute(_contractId + "~d9", [], "no such"))).Code);

        await MoveTo(At("2026-11-28T05:00:00Z"), restart: false);
        await AwaitStatus(W47, TimesheetStatus.Charged);
        Assert.Equal("outside-review-period", (await Contract<Rejected>(new DisputeTimesheet(_clientId, W47, [segment], "too late"))).Code);
        Assert.Equal("not-found", (await Node.Contract<Rejected>("no-such-contract", new GetTimesheet(W47))).Code);
    }

    [Fact]
    public async Task A_week_nobody_worked_in_follows_the_calendar_with_nothing_to_pay()
    {
        await CreateHourlyContract();

        var empty = await Timesheet(IsoWeek.Parse("2026-W40"));

        Assert.Equal((TimesheetStatus.PaidOut, 0, 0L), (empty.Status, empty.BillableMinutes, empty.AmountCents));
        Assert.Equal(7, empty.Days.Count);
        Assert.Equal(TimesheetStatus.Open, (await Timesheet(W47)).Status);
    }

    // ---------------------------------------------------------------- helpers

    private static DateTimeOffset At(string text) => DateTimeOffset.Parse(text, CultureInfo.InvariantCulture);

    private Task<T> Contract<T>(object command) => Node.Contract<T>(_contractId, command);

    private Task<T> Billing<T>(object command) => Node.Billing<T>(_clientId, command);

    private Task<IReadOnlyList<Operations.OpenDispute>> OpenDisputes() => Node.OpenDisputes();

    private Task<TimesheetView> Timesheet(IsoWeek week) => Contract<TimesheetView>(new GetTimesheet(week));

    private async Task Pays(string token, string? backup = null)
    {
        await Billing<PaymentMethodAccepted>(new AddPaymentMethod(PaymentMethodKind.Card, token, MakeDefault: true, MakeBackup: false));
        if (backup is not null)
        {
            await Billing<PaymentMethodAccepted>(new AddPaymentMethod(PaymentMethodKind.PayPal, backup, MakeDefault: false, MakeBackup: true));
        }
    }

    private Task CreateHourlyContract() =>
        Contract<Accepted>(new CreateContract(_clientId, _freelancerId, "Build the thing", ContractKind.Hourly, 6000, "USD", null, 10, 24));

    private static RecordCapture Capture(string key, DateTimeOffset at) =>
        new(key, at, CaptureKind.Screen, "blob-" + key, 1000, Memo: "Building the thing");

    /// <summary>A billable segment: a screen capture and a minute with input.</summary>
    private async Task Work(DateTimeOffset segmentStart, string key)
    {
        await Contract<CaptureAccepted>(new ForWeek(segmentStart.AddMinutes(4), Capture(key, segmentStart.AddMinutes(4))));
        await Contract<Accepted>(new ForWeek(segmentStart.AddMinutes(3), new RecordActivity([new ActivityMinute(segmentStart.AddMinutes(3), 30, 2, 1)])));
    }

    private async Task<DateTimeOffset> WorkOneSegment()
    {
        Clock.SetUtcNow(At("2026-11-16T09:30:00Z"));
        await Work(At("2026-11-16T09:00:00Z"), "only");
        return At("2026-11-16T09:00:00Z");
    }

    /// <summary>Moves the clock; when restarting, the node is down while it moves, so what fell due is caught up on start.</summary>
    private async Task MoveTo(DateTimeOffset at, bool restart)
    {
        if (!restart)
        {
            Clock.SetUtcNow(at);
            return;
        }

        await Node.DisposeAsync();
        Clock.SetUtcNow(at);
        _node = await CycleNode.StartAsync(Clock, null, _gateway, AkkaDatabase);
    }

    private async Task<TimesheetView> AwaitStatus(IsoWeek week, TimesheetStatus status)
    {
        TimesheetView? last = null;
        await AwaitAssertions.AwaitAssertAsync(
            async () =>
            {
                last = await Timesheet(week);
                Assert.Equal(status, last.Status);
            },
            AkkaTestNode.AskTimeout);
        return last!;
    }
}

public sealed class SqliteWeeklyCycleTests(SqliteDatabaseFixture database) : WeeklyCycleTests, IClassFixture<SqliteDatabaseFixture>
{
    protected override Func<PersistenceSettings, PersistenceSettings> AkkaDatabase => AkkaTestNode.OnSqlite(database.DatabaseFile);
}

public sealed class PostgresWeeklyCycleTests(PostgresDatabaseFixture database) : WeeklyCycleTests, IClassFixture<PostgresDatabaseFixture>
{
    protected override Func<PersistenceSettings, PersistenceSettings> AkkaDatabase => AkkaTestNode.OnPostgres(database.ConnectionString);
}
