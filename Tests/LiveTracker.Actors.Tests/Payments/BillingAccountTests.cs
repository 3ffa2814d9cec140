using System.Collections.Concurrent;
using System.Text.Json;
using LiveTracker.Actors.Configuration;
using LiveTracker.Actors.Contracts;
using LiveTracker.Actors.Hosting;
using LiveTracker.Actors.Payments;
using LiveTracker.Actors.Tests.Hosting;
using LiveTracker.Actors.Tests.Databases;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace LiveTracker.Actors.Tests.Payments;

/// <summary>
/// A client's billing account on the sandbox gateway, driven through its shard region on a node as production wires
/// it, on each back-end; a restart is a second node on the same database.
/// </summary>
public abstract class BillingAccountTests : IAsyncLifetime
{
    private const string ContractId = "contract-1";

    private readonly string _clientId = "client-" + Guid.NewGuid().ToString("N");
    private AkkaTestNode? _node;

    /// <summary>The back-end's database, shared by the tests of a class (each test is its own client).</summary>
    protected abstract Func<PersistenceSettings, PersistenceSettings> Database(int? snapshotEvery = null);

    private FakeTimeProvider Clock { get; } = new(new DateTimeOffset(2026, 11, 16, 9, 0, 0, TimeSpan.Zero));

    private CountingGateway Gateway { get; } = new(new SandboxPaymentGateway());

    Task IAsyncLifetime.InitializeAsync()
    {
        _node = AkkaTestNode.Start(Clock, Gateway, Database());
        return Task.CompletedTask;
    }

    Task IAsyncLifetime.DisposeAsync()
    {
        _node?.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task A_new_account_is_not_ready_until_its_first_method_which_becomes_the_default()
    {
        Assert.Equal(["no-default-payment-method"], (await View()).NotReadyReasons);
        Assert.Equal(["no-default-payment-method"], (await Ask<ChargeDeclined>(new ChargeClient("ch-1", ContractId, 100, "USD", "w47"))).Reasons);

        var card = await Add(PaymentMethodKind.Card, SandboxPaymentGateway.CardOk);

        var view = await View();
        Assert.StartsWith("pm_", card, StringComparison.Ordinal);
        Assert.Equal([new PaymentMethodView(card, PaymentMethodKind.Card, "Card (sandbox-card-ok)", true, false)], view.Methods);
        Assert.Empty(view.NotReadyReasons);

        // A charge id has one final answer, even a decline for want of a method: the payer asks again with a new id.
        Assert.Equal(["no-default-payment-method"], (await Ask<ChargeDeclined>(new ChargeClient("ch-1", ContractId, 100, "USD", "w47"))).Reasons);
        Assert.Equal(card, (await Ask<ChargeSucceeded>(new ChargeClient("ch-2", ContractId, 100, "USD", "w47"))).MethodId);
    }

    [Fact]
    public async Task Methods_the_gateway_refuses_are_not_kept()
    {
        var expired = await Ask<Rejected>(new AddPaymentMethod(PaymentMethodKind.Card, SandboxPaymentGateway.CardExpired, false, false));
        var unknown = await Ask<Rejected>(new AddPaymentMethod(PaymentMethodKind.Card, "4111111111111111", false, false));
        var wrongKind = await Ask<Rejected>(new AddPaymentMethod(PaymentMethodKind.Card, SandboxPaymentGateway.PayPalOk, false, false));
        var noToken = await Ask<Rejected>(new AddPaymentMethod(PaymentMethodKind.PayPal, null, false, false));
        var tokenForBalance = await Ask<Rejected>(new AddPaymentMethod(PaymentMethodKind.Balance, "x", false, false));

        Assert.Equal(("payment-method-declined", "payment-method-declined", "payment-method-declined"), (expired.Code, unknown.Code, wrongKind.Code));
        Assert.StartsWith("expired-card", expired.Detail, StringComparison.Ordinal);
        Assert.StartsWith("invalid-payment-token", unknown.Detail, StringComparison.Ordinal);
        Assert.StartsWith("token-kind-mismatch", wrongKind.Detail, StringComparison.Ordinal);
        Assert.Equal(("invalid-payment-method", "invalid-payment-method"), (noToken.Code, tokenForBalance.Code));
        Assert.Empty((await View()).Methods);
    }

    [Fact]
    public async Task Default_and_backup_roles_move_and_one_method_never_holds_both()
    {
        var first = await Add(PaymentMethodKind.Card, SandboxPaymentGateway.CardOk);
        var paypal = await Add(PaymentMethodKind.PayPal, SandboxPaymentGateway.PayPalOk, makeBackup: true);
        var second = await Add(PaymentMethodKind.Card, SandboxPaymentGateway.CardFailsOnce, makeDefault: true);
        Assert.Equal([(first, false, false), (paypal, false, true), (second, true, false)], await Roles());

        // The same token again is the same method: answered with its id, moving the role asked for.
        Assert.Equal(first, await Add(PaymentMethodKind.Card, SandboxPaymentGateway.CardOk, makeBackup: true));
        Assert.Equal([(first, false, true), (paypal, false, false), (second, true, false)], await Roles());
        Assert.Equal(first, await Add(PaymentMethodKind.Card, SandboxPaymentGateway.CardOk, makeDefault: true));
        Assert.Equal([(first, true, false), (paypal, false, false), (second, false, false)], await Roles());

        Assert.Equal("invalid-roles", (await Ask<Rejected>(new AddPaymentMethod(PaymentMethodKind.Card, SandboxPaymentGateway.CardOk, true, true))).Code);
        Assert.Equal(3, (await View()).Methods.Count);
    }

    [Fact]
    public async Task A_declined_default_falls_back_to_the_backup()
    {
        await Add(PaymentMethodKind.Card, SandboxPaymentGateway.CardDeclined);
        var paypal = await Add(PaymentMethodKind.PayPal, SandboxPaymentGateway.PayPalOk, makeBackup: true);

        var charged = await Ask<ChargeSucceeded>(new ChargeClient("ch-1", ContractId, 12_345, "USD", "week 47"));

        Assert.Equal((paypal, PaymentMethodKind.PayPal, 12_345L), (charged.MethodId, charged.Kind, charged.AmountCents));
        Assert.StartsWith("sbx_ch_", charged.Reference, StringComparison.Ordinal);
        var line = Assert.Single((await View()).Ledger);
        Assert.Equal((AccountLedgerLine.Charge, "ch-1", -12_345L, ContractId, PaymentMethodKind.PayPal), (line.Kind, line.Reference, line.AmountCents, line.ContractId, line.Method));
    }

    [Fact]
    public async Task When_the_default_and_the_backup_decline_the_charge_is_declined_with_both_reasons()
    {
        await Add(PaymentMethodKind.Card, SandboxPaymentGateway.CardInsufficientFunds);
        await Add(PaymentMethodKind.PayPal, SandboxPaymentGateway.PayPalDeclined, makeBackup: true);

        var declined = await Ask<ChargeDeclined>(new ChargeClient("ch-1", ContractId, 500, "USD", "week 47"));

        Assert.Equal(["default card: insufficient-funds", "backup paypal: paypal-declined"], declined.Reasons);
        Assert.Empty((await View()).Ledger);
    }

    [Fact]
    public async Task A_card_that_fails_once_declines_the_first_charge_and_approves_the_next()
    {
        var card = await Add(PaymentMethodKind.Card, SandboxPaymentGateway.CardFailsOnce);

        var first = await Ask<ChargeDeclined>(new ChargeClient("ch-1", ContractId, 500, "USD", "week 46"));
        var second = await Ask<ChargeSucceeded>(new ChargeClient("ch-2", ContractId, 500, "USD", "week 47"));

        Assert.Equal(["default card: processing-error"], first.Reasons);
        Assert.Equal(card, second.MethodId);
        Assert.Equal([1, 2], Gateway.Charges.Select(c => c.MethodAttempt));
    }

    [Fact]
    public async Task A_card_that_failed_once_before_a_restart_is_on_its_second_attempt_after_it()
    {
        await Add(PaymentMethodKind.Card, SandboxPaymentGateway.CardFailsOnce);
        await Ask<ChargeDeclined>(new ChargeClient("ch-1", ContractId, 500, "USD", "week 46"));

        // A fresh sandbox remembers nothing: only the account's recorded attempts can make this the second one.
        var gateway = new CountingGateway(new SandboxPaymentGateway());
        Restart(gateway);

        await Ask<ChargeSucceeded>(new ChargeClient("ch-2", ContractId, 500, "USD", "week 47"));
        Assert.Equal(2, Assert.Single(gateway.Charges).MethodAttempt);
    }

    [Fact]
    public async Task Asking_again_with_a_charge_id_answers_the_recorded_outcome_without_calling_the_gateway()
    {
        await Add(PaymentMethodKind.Card, SandboxPaymentGateway.CardFailsOnce);
        var declined = await Ask<ChargeDeclined>(new ChargeClient("ch-1", ContractId, 500, "USD", "week 46"));
        var charged = await Ask<ChargeSucceeded>(new ChargeClient("ch-2", ContractId, 500, "USD", "week 47"));

        var declinedAgain = await Ask<ChargeDeclined>(new ChargeClient("ch-1", ContractId, 500, "USD", "week 46"));
        var chargedAgain = await Ask<ChargeSucceeded>(new ChargeClient("ch-2", ContractId, 500, "USD", "week 47"));

        Assert.Equal(declined.Reasons, declinedAgain.Reasons);
        Assert.Equal(charged, chargedAgain);
        Assert.Equal(2, Gateway.Charges.Count);
        Assert.Single((await View()).Ledger);
    }

    [Fact]
    public async Task A_charge_cut_off_between_the_default_and_the_backup_goes_on_with_the_backup_when_asked_again()
    {
        await Add(PaymentMethodKind.Card, SandboxPaymentGateway.CardDeclined);
        var paypal = await Add(PaymentMethodKind.PayPal, SandboxPaymentGateway.PayPalOk, makeBackup: true);
        Gateway.UnreachableToken = SandboxPaymentGateway.PayPalOk;
        var charge = new ChargeClient("ch-1", ContractId, 800, "USD", "week 47");

        Assert.Equal("payment-provider-unavailable", (await Ask<Rejected>(charge)).Code);
        Gateway.UnreachableToken = null;
        Restart(Gateway);
        var charged = await Ask<ChargeSucceeded>(charge);

        // The default's decline was recorded before the backup was called, so the default is not charged again.
        Assert.Equal(paypal, charged.MethodId);
        Assert.Equal(
            [SandboxPaymentGateway.CardDeclined, SandboxPaymentGateway.PayPalOk, SandboxPaymentGateway.PayPalOk],
            Gateway.Charges.Select(c => c.Token));
    }

    [Fact]
    public async Task A_charge_cut_off_during_its_gateway_call_resumes_with_the_same_method_even_after_the_default_changed()
    {
        var card = await Add(PaymentMethodKind.Card, SandboxPaymentGateway.CardOk);
        Gateway.UnreachableToken = SandboxPaymentGateway.CardOk;
        var charge = new ChargeClient("ch-1", ContractId, 800, "USD", "week 47");
        Assert.Equal("payment-provider-unavailable", (await Ask<Rejected>(charge)).Code);
        Gateway.UnreachableToken = null;
        Restart(Gateway);
        await Ask<PaymentMethodAccepted>(new AddPaymentMethod(PaymentMethodKind.PayPal, SandboxPaymentGateway.PayPalOk, true, false));

        var charged = await Ask<ChargeSucceeded>(charge);

        // The gateway may have charged the card before the crash: only the card, with the same key, is asked again.
        Assert.Equal(card, charged.MethodId);
        Assert.Equal(2, Gateway.Charges.Count);
        Assert.Equal(Gateway.Charges[0].IdempotencyKey, Gateway.Charges[1].IdempotencyKey);
        Assert.Equal(Gateway.Charges[0].MethodAttempt, Gateway.Charges[1].MethodAttempt);
    }

    [Fact]
    public async Task A_charge_id_reused_for_another_amount_or_contract_is_a_conflict()
    {
        await Add(PaymentMethodKind.Card, SandboxPaymentGateway.CardOk);
        await Ask<ChargeSucceeded>(new ChargeClient("ch-1", ContractId, 500, "USD", "week 47"));

        var otherAmount = await Ask<Rejected>(new ChargeClient("ch-1", ContractId, 501, "USD", "week 47"));
        var otherContract = await Ask<Rejected>(new ChargeClient("ch-1", "contract-2", 500, "USD", "week 47"));

        Assert.Equal(("charge-id-conflict", "charge-id-conflict"), (otherAmount.Code, otherContract.Code));
        Assert.Single(Gateway.Charges);
    }

    [Fact]
    public async Task Invalid_charges_deposits_and_refunds_are_refused_with_their_codes()
    {
        await Add(PaymentMethodKind.Card, SandboxPaymentGateway.CardOk);

        Assert.Equal("invalid-amount", (await Ask<Rejected>(new ChargeClient("ch-1", ContractId, 0, "USD", "w"))).Code);
        Assert.Equal("invalid-amount", (await Ask<Rejected>(new ChargeClient("ch-1", ContractId, -100, "USD", "w"))).Code);
        Assert.Equal("unsupported-currency", (await Ask<Rejected>(new ChargeClient("ch-1", ContractId, 100, "EUR", "w"))).Code);
        Assert.Equal("invalid-id", (await Ask<Rejected>(new ChargeClient(" ", ContractId, 100, "USD", "w"))).Code);
        Assert.Equal("invalid-amount", (await Ask<Rejected>(new DepositFunds("d-1", 0))).Code);
        Assert.Equal("invalid-amount", (await Ask<Rejected>(new RefundCharge("r-1", "ch-1", -1))).Code);
        Assert.Equal("not-found", (await Ask<Rejected>(new RefundCharge("r-1", "ch-unknown", 100))).Code);
        Assert.Empty(Gateway.Charges);

        // A refused charge id was never recorded: it is still free for a valid charge.
        await Ask<ChargeSucceeded>(new ChargeClient("ch-1", ContractId, 100, "USD", "w"));
    }

    [Fact]
    public async Task A_balance_default_pays_when_it_covers_the_amount_and_a_short_balance_falls_to_the_backup()
    {
        var balance = await Add(PaymentMethodKind.Balance, null);
        var card = await Add(PaymentMethodKind.Card, SandboxPaymentGateway.CardOk, makeBackup: true);
        await Ask<Accepted>(new DepositFunds("d-1", 10_000));

        var fromBalance = await Ask<ChargeSucceeded>(new ChargeClient("ch-1", ContractId, 6_000, "USD", "week 46"));
        var fromCard = await Ask<ChargeSucceeded>(new ChargeClient("ch-2", ContractId, 6_000, "USD", "week 47"));

        Assert.Equal((balance, PaymentMethodKind.Balance), (fromBalance.MethodId, fromBalance.Kind));
        Assert.Equal((card, PaymentMethodKind.Card), (fromCard.MethodId, fromCard.Kind));
        var view = await View();
        Assert.Equal(4_000, view.BalanceCents);
        Assert.Equal(
            [(AccountLedgerLine.Deposit, 10_000L, PaymentMethodKind.Card), (AccountLedgerLine.Charge, -6_000L, PaymentMethodKind.Balance), (AccountLedgerLine.Charge, -6_000L, PaymentMethodKind.Card)],
            view.Ledger.Select(l => (l.Kind, l.AmountCents, l.Method)));

        // The balance is never sent to the gateway: the deposit and the card charge are its only calls.
        Assert.Equal([PaymentMethodKind.Card, PaymentMethodKind.Card], Gateway.Charges.Select(c => c.Kind));
    }

    [Fact]
    public async Task A_balance_default_without_a_card_or_paypal_backup_is_not_ready()
    {
        var balance = await Add(PaymentMethodKind.Balance, null);
        Assert.Equal(["balance-needs-backup"], (await View()).NotReadyReasons);
        Assert.Equal("no-card-or-paypal", (await Ask<Rejected>(new DepositFunds("d-1", 5_000))).Code);
        Assert.Equal(["default balance: insufficient-balance"], (await Ask<ChargeDeclined>(new ChargeClient("ch-1", ContractId, 100, "USD", "w"))).Reasons);

        // Adding the balance again is the same method; it cannot be kept twice.
        Assert.Equal(balance, await Add(PaymentMethodKind.Balance, null));
        await Add(PaymentMethodKind.PayPal, SandboxPaymentGateway.PayPalOk, makeBackup: true);

        var view = await View();
        Assert.Empty(view.NotReadyReasons);
        Assert.Equal(2, view.Methods.Count);
    }

    [Fact]
    public async Task Deposits_are_charged_to_the_backup_card_and_grow_the_balance_once_per_deposit_id()
    {
        await Add(PaymentMethodKind.Card, SandboxPaymentGateway.CardDeclined);
        await Add(PaymentMethodKind.PayPal, SandboxPaymentGateway.PayPalOk, makeBackup: true);

        await Ask<Accepted>(new DepositFunds("d-1", 2_500));
        await Ask<Accepted>(new DepositFunds("d-1", 2_500));
        await Ask<Accepted>(new DepositFunds("d-2", 1_000));
        var conflict = await Ask<Rejected>(new DepositFunds("d-2", 1_001));

        Assert.Equal("deposit-id-conflict", conflict.Code);
        Assert.Equal(3_500, (await View()).BalanceCents);
        Assert.Equal([PaymentMethodKind.PayPal, PaymentMethodKind.PayPal], Gateway.Charges.Select(c => c.Kind));

        // A backup that declines: the deposit is refused and adds nothing (the default is not tried).
        await Add(PaymentMethodKind.Card, SandboxPaymentGateway.CardInsufficientFunds, makeBackup: true);
        var declined = await Ask<Rejected>(new DepositFunds("d-3", 1_000));
        Assert.Equal(("deposit-declined", "card: insufficient-funds"), (declined.Code, declined.Detail));
        Assert.Equal(3_500, (await View()).BalanceCents);
    }

    [Fact]
    public async Task Refunds_give_back_at_most_what_was_charged_to_where_it_came_from()
    {
        await Add(PaymentMethodKind.Balance, null);
        await Add(PaymentMethodKind.Card, SandboxPaymentGateway.CardOk, makeBackup: true);
        await Ask<Accepted>(new DepositFunds("d-1", 5_000));
        await Ask<ChargeSucceeded>(new ChargeClient("from-balance", ContractId, 3_000, "USD", "week 46"));
        await Ask<ChargeSucceeded>(new ChargeClient("from-card", ContractId, 4_000, "USD", "week 47"));
        Assert.Equal(2_000, (await View()).BalanceCents);

        await Ask<RefundSucceeded>(new RefundCharge("r-1", "from-balance", 1_000));
        await Ask<RefundSucceeded>(new RefundCharge("r-1", "from-balance", 1_000));
        var overRefund = await Ask<Rejected>(new RefundCharge("r-2", "from-balance", 2_001));
        await Ask<RefundSucceeded>(new RefundCharge("r-3", "from-balance", 2_000));
        await Ask<RefundSucceeded>(new RefundCharge("r-4", "from-card", 1_500));
        var idConflict = await Ask<Rejected>(new RefundCharge("r-4", "from-card", 1_000));

        Assert.Equal(("refund-exceeds-charge", "refund-id-conflict"), (overRefund.Code, idConflict.Code));
        var view = await View();
        Assert.Equal(5_000, view.BalanceCents);
        Assert.Equal(
            [("r-1", 1_000L, PaymentMethodKind.Balance), ("r-3", 2_000L, PaymentMethodKind.Balance), ("r-4", 1_500L, PaymentMethodKind.Card)],
            view.Ledger.Where(l => l.Kind == AccountLedgerLine.Refund).Select(l => (l.Reference, l.AmountCents, l.Method)));
        Assert.Equal(ContractId, view.Ledger[^1].ContractId);
    }

    [Fact]
    public async Task A_declined_charge_cannot_be_refunded()
    {
        await Add(PaymentMethodKind.Card, SandboxPaymentGateway.CardDeclined);
        await Ask<ChargeDeclined>(new ChargeClient("ch-1", ContractId, 500, "USD", "w"));

        Assert.Equal("charge-not-succeeded", (await Ask<Rejected>(new RefundCharge("r-1", "ch-1", 100))).Code);
    }

    [Fact]
    public async Task Charges_fallbacks_deposits_and_refunds_are_the_same_after_the_actor_system_restarts()
    {
        await Add(PaymentMethodKind.Card, SandboxPaymentGateway.CardFailsOnce);
        await Add(PaymentMethodKind.PayPal, SandboxPaymentGateway.PayPalOk, makeBackup: true);
        await Ask<Accepted>(new DepositFunds("d-1", 7_000));
        var fellBack = await Ask<ChargeSucceeded>(new ChargeClient("ch-1", ContractId, 1_200, "USD", "week 46"));
        Clock.Advance(TimeSpan.FromDays(7));
        var onCard = await Ask<ChargeSucceeded>(new ChargeClient("ch-2", ContractId, 1_300, "USD", "week 47"));
        await Ask<RefundSucceeded>(new RefundCharge("r-1", "ch-2", 300));
        var before = await View();
        var callsBefore = Gateway.Charges.Count;

        Restart(Gateway);
        var after = await View();
        var fellBackAgain = await Ask<ChargeSucceeded>(new ChargeClient("ch-1", ContractId, 1_200, "USD", "week 46"));

        Assert.Equal(PaymentMethodKind.PayPal, fellBack.Kind);
        Assert.Equal(PaymentMethodKind.Card, onCard.Kind);
        Assert.Equal(JsonSerializer.Serialize(before), JsonSerializer.Serialize(after));
        Assert.Equal(fellBack, fellBackAgain);
        Assert.Equal(callsBefore, Gateway.Charges.Count);
    }

    [Fact]
    public async Task An_account_recovers_from_its_snapshot_without_the_events_before_it()
    {
        _node!.Dispose();
        _node = AkkaTestNode.Start(Clock, Gateway, Database(snapshotEvery: 3));
        await Ask<PaymentMethodAccepted>(new AddPaymentMethod(PaymentMethodKind.Balance, null, false, false));
        await Ask<PaymentMethodAccepted>(new AddPaymentMethod(PaymentMethodKind.Card, SandboxPaymentGateway.CardFailsOnce, false, true));
        Assert.Equal("deposit-declined", (await Ask<Rejected>(new DepositFunds("d-0", 1_000))).Code);
        await Ask<Accepted>(new DepositFunds("d-1", 1_000));
        for (var i = 0; i < 5; i++)
        {
            await Ask<ChargeSucceeded>(new ChargeClient("ch-" + i, ContractId, 400, "USD", "w"));
        }

        await Ask<RefundSucceeded>(new RefundCharge("r-1", "ch-0", 100));
        var before = await View();
        var persistenceId = BillingAccount.PersistenceIdPrefix + _clientId;
        await AkkaJournal.DeleteEventsUpToLatestSnapshotAsync(_node.System, persistenceId);

        var gateway = new CountingGateway(new SandboxPaymentGateway());
        Restart(gateway);
        var after = await View();
        await Ask<ChargeSucceeded>(new ChargeClient("ch-next", ContractId, 5_000, "USD", "w"));

        Assert.Equal(JsonSerializer.Serialize(before), JsonSerializer.Serialize(after));
        Assert.Equal(1_000 - (2 * 400) + 100, before.BalanceCents);

        // The card declined a deposit once, then took one and paid three charges the balance could not cover.
        Assert.Equal(6, Assert.Single(gateway.Charges).MethodAttempt);
    }

    [Fact]
    public async Task A_gateway_that_does_not_answer_is_reported_unavailable_and_commands_behind_the_charge_wait_for_it()
    {
        _node!.Dispose();
        _node = AkkaTestNode.Start(Clock, Gateway, Database(), askTimeout: TimeSpan.FromSeconds(2));
        var card = await Add(PaymentMethodKind.Card, SandboxPaymentGateway.CardOk);
        Gateway.HangingToken = SandboxPaymentGateway.CardOk;
        var charge = new ChargeClient("ch-1", ContractId, 900, "USD", "week 47");
        var clock = System.Diagnostics.Stopwatch.StartNew();

        var charging = Ask<Rejected>(charge);
        var viewing = View().ContinueWith(t => (View: t.Result, After: clock.Elapsed), TaskScheduler.Default);
        var unavailable = await charging;
        var (view, viewAfter) = await viewing;
        Gateway.ReleaseHanging();
        Gateway.HangingToken = null;
        var charged = await Ask<ChargeSucceeded>(charge);

        // Within the caller's own timeout it hears why; the view asked meanwhile waited for the charge's outcome (the
        // gateway timeout is 80% of the 2 s ask timeout) instead of seeing the account half-way through it.
        Assert.Equal("payment-provider-unavailable", unavailable.Code);
        Assert.True(viewAfter >= TimeSpan.FromSeconds(1.5), $"the view was answered after {viewAfter}, during the gateway call");
        Assert.Empty(view.Ledger);
        // The retry asked the gateway again with the same key, so the provider can answer it without charging twice.
        Assert.Equal(2, Gateway.Charges.Count);
        Assert.Equal(Gateway.Charges[0].IdempotencyKey, Gateway.Charges[1].IdempotencyKey);
        Assert.Equal(card, charged.MethodId);
        Assert.Equal(-900, Assert.Single((await View()).Ledger).AmountCents);
    }

    /// <summary>Stops this node and starts another on the same database, with payments through <paramref name="gateway"/>.</summary>
    private void Restart(IPaymentGateway gateway)
    {
        var snapshotEvery = _node!.Settings.Persistence.SnapshotEvery;
        _node.Dispose();
        _node = AkkaTestNode.Start(Clock, gateway, Database(snapshotEvery));
    }

    private Task<T> Ask<T>(object command) => _node!.AskAsync<BillingRegion, T>(_clientId, command);

    private Task<BillingAccountView> View() => Ask<BillingAccountView>(new GetBillingAccount());

    private async Task<string> Add(PaymentMethodKind kind, string? token, bool makeDefault = false, bool makeBackup = false) =>
        (await Ask<PaymentMethodAccepted>(new AddPaymentMethod(kind, token, makeDefault, makeBackup))).MethodId;

    private async Task<List<(string, bool, bool)>> Roles() =>
        [.. (await View()).Methods.Select(m => (m.MethodId, m.IsDefault, m.IsBackup))];

    /// <summary>The real sandbox, with its charge requests recorded so tests can see how often and how it was called.</summary>
    private sealed class CountingGateway(IPaymentGateway inner) : IPaymentGateway
    {
        private readonly ConcurrentQueue<GatewayCharge> _charges = new();
        private volatile string? _unreachableToken;
        private volatile string? _hangingToken;
        private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public IReadOnlyList<GatewayCharge> Charges => [.. _charges];

        /// <summary>Charges of this token fail as if the provider could not be reached (counted all the same).</summary>
        public string? UnreachableToken
        {
            get => _unreachableToken;
            set => _unreachableToken = value;
        }

        /// <summary>Charges of this token get no answer until <see cref="ReleaseHanging"/> (counted all the same).</summary>
        public string? HangingToken
        {
            get => _hangingToken;
            set => _hangingToken = value;
        }

        public void ReleaseHanging() => _release.TrySetResult();

        public Task<GatewayResult> VerifyAsync(PaymentMethodKind kind, string token, CancellationToken cancellationToken = default) =>
            inner.VerifyAsync(kind, token, cancellationToken);

        public Task<GatewayResult> ChargeAsync(GatewayCharge charge, CancellationToken cancellationToken = default)
        {
            _charges.Enqueue(charge);
            if (charge.Token == _hangingToken)
            {
                return _release.Task.ContinueWith(_ => inner.ChargeAsync(charge, cancellationToken), TaskScheduler.Default).Unwrap();
            }

            return charge.Token == _unreachableToken
                ? Task.FromException<GatewayResult>(new HttpRequestException("The sandbox is out of reach (simulated)."))
                : inner.ChargeAsync(charge, cancellationToken);
        }

        public Task<GatewayResult> RefundAsync(GatewayRefund refund, CancellationToken cancellationToken = default) =>
            inner.RefundAsync(refund, cancellationToken);
    }
}

public sealed class SqliteBillingAccountTests(SqliteDatabaseFixture database) : BillingAccountTests, IClassFixture<SqliteDatabaseFixture>
{
    protected override Func<PersistenceSettings, PersistenceSettings> Database(int? snapshotEvery = null) =>
        AkkaTestNode.OnSqlite(database.DatabaseFile, snapshotEvery);
}

public sealed class PostgresBillingAccountTests(PostgresDatabaseFixture database) : BillingAccountTests, IClassFixture<PostgresDatabaseFixture>
{
    protected override Func<PersistenceSettings, PersistenceSettings> Database(int? snapshotEvery = null) =>
        AkkaTestNode.OnPostgres(database.ConnectionString, snapshotEvery);
}
