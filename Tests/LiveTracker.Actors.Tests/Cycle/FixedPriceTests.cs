using System.Globalization;
using LiveTracker.Actors.Configuration;
using LiveTracker.Actors.Contracts;
using LiveTracker.Actors.Payments;
using LiveTracker.Actors.Tests.Hosting;
using LiveTracker.Actors.Tests.Databases;
using LiveTracker.Testing;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace LiveTracker.Actors.Tests.Cycle;

/// <summary>Fixed-price milestones: escrow funding, submission, approval, changes, disputes and the security period.</summary>
public abstract class FixedPriceTests : IAsyncLifetime
{
    private FakeTimeProvider Clock { get; } = new(new DateTimeOffset(2026, 11, 16, 9, 0, 0, TimeSpan.Zero));

    private readonly string _contractId = "fixed-" + Guid.NewGuid().ToString("N");
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
        await Contract<Accepted>(new CreateContract(_clientId, _freelancerId, "Logo design", ContractKind.Fixed, 0, "USD", null, 10, 24));
    }

    async Task IAsyncLifetime.DisposeAsync() => await Node.DisposeAsync();

    [Fact]
    public async Task A_milestone_is_funded_submitted_revised_approved_and_paid_after_the_security_period()
    {
        await Pays("sandbox-card-ok");
        var added = await Contract<MilestoneView>(new AddMilestone(_clientId, "First drafts", 50_000, new DateOnly(2026, 11, 30)));
        var id = added.MilestoneId;
        Assert.Equal((MilestoneStatus.Pending, 0L), (added.Status, added.EscrowCents));
        Assert.Equal("milestone-not-funded", (await Contract<Rejected>(new ApproveMilestone(_clientId, id))).Code);
        Assert.Equal("milestone-not-funded", (await Contract<Rejected>(new SubmitMilestone(_freelancerId, id, "done"))).Code);

        var funded = await Contract<MilestoneView>(new FundMilestone(_clientId, id));
        Assert.Equal((MilestoneStatus.Funded, 50_000L), (funded.Status, funded.EscrowCents));
        Assert.Equal("already-funded", (await Contract<Rejected>(new FundMilestone(_clientId, id))).Code);

        await Contract<MilestoneView>(new SubmitMilestone(_freelancerId, id, "Three drafts attached"));
        var back = await Contract<MilestoneView>(new RequestMilestoneChanges(_clientId, id, "Bolder colours, please"));
        Assert.Equal((MilestoneStatus.Funded, "Bolder colours, please"), (back.Status, back.LastMessage));
        await Contract<MilestoneView>(new SubmitMilestone(_freelancerId, id, "Bolder now"));
        var approved = await Contract<MilestoneView>(new ApproveMilestone(_clientId, id));

        Assert.Equal((MilestoneStatus.Released, 0L, 50_000L, false), (approved.Status, approved.EscrowCents, approved.ReleasedCents, approved.EarningsAvailable));
        Assert.Equal(Clock.GetUtcNow().AddDays(10), approved.AvailableAt);
        Assert.Equal("already-released", (await Contract<Rejected>(new ApproveMilestone(_clientId, id))).Code);
        var ledger = await Contract<ContractLedger>(new GetLedger());
        Assert.Equal((50_000L, 0L, 50_000L, 0L), (ledger.ClientPaidCents, ledger.EscrowCents, ledger.FreelancerPendingCents, ledger.FreelancerAvailableCents));

        Clock.Advance(TimeSpan.FromDays(10));
        await AwaitAssertions.AwaitAssertAsync(
            async () => Assert.True((await Contract<List<MilestoneView>>(new GetMilestones())).Single().EarningsAvailable), AkkaTestNode.AskTimeout);
        var paid = await Contract<ContractLedger>(new GetLedger());
        Assert.Equal((0L, 50_000L), (paid.FreelancerPendingCents, paid.FreelancerAvailableCents));
    }

    [Fact]
    public async Task A_disputed_milestone_freezes_payments_until_an_operator_splits_its_escrow()
    {
        await Pays("sandbox-card-ok");
        var first = (await Contract<MilestoneView>(new AddMilestone(_clientId, "Website", 20_000, null))).MilestoneId;
        var second = (await Contract<MilestoneView>(new AddMilestone(_clientId, "Hosting setup", 5_000, null))).MilestoneId;
        await Contract<MilestoneView>(new FundMilestone(_clientId, first));
        await Contract<MilestoneView>(new SubmitMilestone(_freelancerId, first, "Live at the staging address"));

        var disputed = await Contract<MilestoneView>(new DisputeMilestone(_freelancerId, first, "The client stopped answering"));

        Assert.Equal(MilestoneStatus.Disputed, disputed.Status);
        Assert.Contains("dispute-open", (await Contract<ContractView>(new GetContract())).NotReadyReasons);
        Assert.Equal("milestone-disputed", (await Contract<Rejected>(new ApproveMilestone(_clientId, first))).Code);
        Assert.Equal("payments-frozen", (await Contract<Rejected>(new FundMilestone(_clientId, second))).Code);
        Assert.Equal("invalid-resolution", (await Contract<Rejected>(new ResolveMilestoneDispute(disputed.DisputeId!, 20_001, "too much"))).Code);

        var resolved = await Contract<MilestoneView>(new ResolveMilestoneDispute(disputed.DisputeId!, 15_000, "Most of the work was delivered"));

        Assert.Equal((MilestoneStatus.Released, 15_000L, 5_000L, 0L), (resolved.Status, resolved.ReleasedCents, resolved.RefundedCents, resolved.EscrowCents));
        await AwaitAssertions.AwaitAssertAsync(
            async () => Assert.Contains((await Contract<ContractLedger>(new GetLedger())).Lines, l => l.Kind == "milestone-refund" && l.Party == LedgerParty.Client),
            AkkaTestNode.AskTimeout);
        var ledger = await Contract<ContractLedger>(new GetLedger());
        Assert.Equal((15_000L, 0L, 15_000L), (ledger.ClientPaidCents, ledger.EscrowCents, ledger.FreelancerPendingCents));
        Assert.True((await Contract<ContractView>(new GetContract())).WorkViewReady);
        Assert.Equal(MilestoneStatus.Funded, (await Contract<MilestoneView>(new FundMilestone(_clientId, second))).Status);
        var account = await Billing<BillingAccountView>(new GetBillingAccount());
        Assert.Contains(account.Ledger, l => l.Kind == AccountLedgerLine.Refund && l.AmountCents == 5_000);
    }

    [Fact]
    public async Task A_declined_funding_leaves_the_milestone_pending_with_the_reason()
    {
        await Pays("sandbox-card-declined");
        var id = (await Contract<MilestoneView>(new AddMilestone(_clientId, "Icons", 9_900, null))).MilestoneId;

        Assert.Equal("payment-declined", (await Contract<Rejected>(new FundMilestone(_clientId, id))).Code);

        var pending = (await Contract<List<MilestoneView>>(new GetMilestones())).Single();
        Assert.Equal(MilestoneStatus.Pending, pending.Status);
        Assert.NotEmpty(pending.FailureReasons);
        await Billing<PaymentMethodAccepted>(new AddPaymentMethod(PaymentMethodKind.PayPal, "sandbox-paypal-ok", MakeDefault: true, MakeBackup: false));
        Assert.Equal(MilestoneStatus.Funded, (await Contract<MilestoneView>(new FundMilestone(_clientId, id))).Status);
    }

    [Fact]
    public async Task Bad_milestone_input_is_refused_with_typed_reasons()
    {
        Assert.Equal("invalid-amount", (await Contract<Rejected>(new AddMilestone(_clientId, "Nothing", 0, null))).Code);
        Assert.Equal("invalid-amount", (await Contract<Rejected>(new AddMilestone(_clientId, "Less than nothing", -500, null))).Code);
        Assert.Equal("invalid-milestone", (await Contract<Rejected>(new AddMilestone(_clientId, " ", 500, null))).Code);
        Assert.Equal("not-your-contract", (await Contract<Rejected>(new AddMilestone(_freelancerId, "Mine", 500, null))).Code);
        Assert.Equal("not-found", (await Contract<Rejected>(new FundMilestone(_clientId, "other-contract~m1"))).Code);
        Assert.Equal("not-your-contract", (await Contract<Rejected>(new DisputeMilestone("stranger", _contractId + "~m1", "why not"))).Code);
        Assert.Equal("not-found", (await Node.Contract<Rejected>("no-such-contract", new AddMilestone(_clientId, "x", 500, null))).Code);
        Assert.Equal("not-hourly", (await Contract<Rejected>(new ForWeek(Clock.GetUtcNow(), new GetDiary()))).Code);

        var hourly = "hourly-" + Guid.NewGuid().ToString("N");
        await Node.Contract<Accepted>(hourly, new CreateContract(_clientId, _freelancerId, "Hours", ContractKind.Hourly, 5000, "USD", null, 10, 24));
        Assert.Equal("not-fixed-price", (await Node.Contract<Rejected>(hourly, new AddMilestone(_clientId, "x", 500, null))).Code);
        Assert.Empty((await Contract<ContractLedger>(new GetLedger())).Lines);
    }

    [Fact]
    public async Task Both_parties_list_the_contract_and_ending_it_stops_tracking_and_new_milestones()
    {
        // Both accounts confirmed the contract: the deadline that asks them again is gone.
        await AwaitAssertions.AwaitAssertAsync(
            async () => Assert.Null(await Node.ContractDeadline(_contractId, "parties")),
            AkkaTestNode.AskTimeout);

        Assert.Equal("not-your-contract", (await Contract<Rejected>(new EndContract("stranger"))).Code);
        await Contract<Accepted>(new EndContract(_freelancerId));

        Assert.True((await Contract<ContractView>(new GetContract())).Ended);
        Assert.Equal("contract-ended", (await Contract<Rejected>(new AddMilestone(_clientId, "More", 500, null))).Code);
        await Contract<Accepted>(new EndContract(_clientId));
    }

    private Task<T> Contract<T>(object command) => Node.Contract<T>(_contractId, command);

    private Task<T> Billing<T>(object command) => Node.Billing<T>(_clientId, command);

    private Task Pays(string token) =>
        Billing<PaymentMethodAccepted>(new AddPaymentMethod(PaymentMethodKind.Card, token, MakeDefault: true, MakeBackup: false));
}

public sealed class SqliteFixedPriceTests(SqliteDatabaseFixture database) : FixedPriceTests, IClassFixture<SqliteDatabaseFixture>
{
    protected override Func<PersistenceSettings, PersistenceSettings> AkkaDatabase => AkkaTestNode.OnSqlite(database.DatabaseFile);
}

public sealed class PostgresFixedPriceTests(PostgresDatabaseFixture database) : FixedPriceTests, IClassFixture<PostgresDatabaseFixture>
{
    protected override Func<PersistenceSettings, PersistenceSettings> AkkaDatabase => AkkaTestNode.OnPostgres(database.ConnectionString);
}
