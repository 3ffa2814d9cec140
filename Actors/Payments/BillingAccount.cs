using Akka.Actor;
using LiveTracker.Actors.Contracts;
using LiveTracker.Actors.Hosting;
using Microsoft.Extensions.Logging;

namespace LiveTracker.Actors.Payments;

/// <summary>
/// A client's payment setup and money movements: card, PayPal and balance methods with one default and one
/// backup, charges that fall back from the default to the backup, deposits into the balance and refunds.
/// A gateway call is a message: its answer is piped back to the account, which meanwhile stashes other commands, so
/// the account handles one money movement at a time and every balance check sees the movements before it; a call
/// that does not answer within the gateway timeout is answered <c>payment-provider-unavailable</c> and may be asked
/// again. Each gateway call starts only once the events before it are durable, and its idempotency key is fixed by
/// the command, so a command retried after a crash or a timeout gets the gateway's first answer instead of a second
/// charge.
/// </summary>
public sealed partial class BillingAccount : SnapshottingEntity, IWithTimers
{
    public const string RegionType = "billing-accounts";
    public const string PersistenceIdPrefix = "billing-account-";

    /// <summary>The only currency charged for now.</summary>
    public const string SupportedCurrency = "USD";

    /// <summary>A plausibility cap (1 billion dollars) that also keeps sums of amounts far from overflowing.</summary>
    public const long MaxAmountCents = 100_000_000_000;

    private const string DefaultRole = "default";
    private const string BackupRole = "backup";
    private const string GatewayTimer = "gateway";

    private readonly string _clientId;
    private readonly IPaymentGateway _gateway;
    private readonly TimeProvider _time;
    private readonly ILogger _log;
    private readonly TimeSpan _gatewayTimeout;
    private readonly List<string> _methodOrder = [];
    private readonly Dictionary<string, PaymentMethodState> _methods = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ChargeState> _charges = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DepositState> _deposits = new(StringComparer.Ordinal);
    private readonly Dictionary<string, RefundState> _refunds = new(StringComparer.Ordinal);
    private readonly List<AccountLedgerLine> _ledger = [];
    private string? _defaultId;
    private string? _backupId;
    private long _gatewayCalls;

    public BillingAccount(
        string clientId, IPaymentGateway gateway, TimeProvider time, ILogger<BillingAccount> log, int snapshotEvery, TimeSpan gatewayTimeout)
        : base(PersistenceIdPrefix + clientId, snapshotEvery)
    {
        _clientId = clientId;
        _gateway = gateway ?? throw new ArgumentNullException(nameof(gateway));
        _time = time;
        _log = log;
        _gatewayTimeout = gatewayTimeout;

        Recovers<PaymentMethodAdded>();
        Recovers<PaymentRolesSet>();
        Recovers<ChargeAttemptStarted>();
        Recovers<ChargeAttempted>();
        Recovers<ChargeFailed>();
        Recovers<DepositAttempted>();
        Recovers<ChargeRefunded>();

        Command<GetBillingAccount>(_ => Sender.Tell(View()));
        Command<CompleteContractView>(complete =>
        {
            // Work View readiness: the contract's own reasons plus what this payment setup lacks.
            var reasons = NotReadyReasons().Concat(complete.View.NotReadyReasons).Distinct(StringComparer.Ordinal).ToList();
            Sender.Tell(complete.View with { WorkViewReady = reasons.Count == 0, NotReadyReasons = reasons });
        });
        Command<AddPaymentMethod>(Add);
        Command<ChargeClient>(Charge);
        Command<DepositFunds>(Deposit);
        Command<RefundCharge>(Refund);
        // A late answer of a gateway call that already timed out: the retry asks the gateway again with the same key.
        Command<GatewayAnswered>(_ => { });
        Command<GatewayFailed>(_ => { });
        Command<GatewayTimedOut>(_ => { });
    }

    public ITimerScheduler Timers { get; set; } = null!;

    /// <summary>
    /// Summed from the ledger on every use rather than kept as a number of its own, so it is always exactly what
    /// the recorded movements say (an account's ledger is small next to the cost of a gateway call).
    /// </summary>
    private long BalanceCents => _ledger
        .Where(l => l.Kind == AccountLedgerLine.Deposit || l.Method == PaymentMethodKind.Balance)
        .Sum(l => l.AmountCents);

    /// <summary>
    /// Calls the gateway without blocking the mailbox: the answer comes back as a message (with the command's sender),
    /// commands arriving meanwhile wait in the stash, and <paramref name="then"/> runs with the answer as if in the
    /// command. No answer within the timeout, or a failed call, answers the sender that the provider is unavailable.
    /// </summary>
    private void AwaitGateway<T>(Task<T> call, Action<T> then) where T : notnull
    {
        var callId = ++_gatewayCalls;
        var asker = Sender;
        call.PipeTo(Self, asker, answer => new GatewayAnswered(callId, answer), error => new GatewayFailed(callId, error.GetBaseException().Message));
        Timers.StartSingleTimer(GatewayTimer, new GatewayTimedOut(callId), _gatewayTimeout);
        BecomeStacked(() =>
        {
            Command<GatewayAnswered>(answered => answered.CallId == callId, answered =>
            {
                Resume();
                then((T)answered.Answer);
            });
            Command<GatewayFailed>(failed => failed.CallId == callId, failed =>
            {
                Resume();
                LogGatewayUnavailable(_log, _clientId, failed.Reason);
                asker.Tell(new Rejected("payment-provider-unavailable", "The payment provider did not answer; try again (no money moved twice)."));
            });
            Command<GatewayTimedOut>(timedOut => timedOut.CallId == callId, _ =>
            {
                Resume();
                LogGatewayUnavailable(_log, _clientId, $"no answer within {_gatewayTimeout}");
                asker.Tell(new Rejected("payment-provider-unavailable", "The payment provider did not answer in time; try again (no money moved twice)."));
            });
            // A late answer of an earlier call that already timed out.
            Command<GatewayAnswered>(_ => { });
            Command<GatewayFailed>(_ => { });
            Command<GatewayTimedOut>(_ => { });
            CommandAny(_ => Stash.Stash());
        });

        void Resume()
        {
            Timers.Cancel(GatewayTimer);
            UnbecomeStacked();
            Stash.UnstashAll();
        }
    }

    // Sent by the account to itself only, so never serialized (not even under serialize-messages in tests).
    private sealed record GatewayAnswered(long CallId, object Answer) : INoSerializationVerificationNeeded;

    private sealed record GatewayFailed(long CallId, string Reason) : INoSerializationVerificationNeeded;

    private sealed record GatewayTimedOut(long CallId) : INoSerializationVerificationNeeded;

    protected override void ApplyEvent(object @event)
    {
        switch (@event)
        {
            case PaymentMethodAdded added:
                _methods[added.MethodId] = new PaymentMethodState(added.MethodId, added.Kind, added.Token, added.Label, added.AddedAt, 0);
                _methodOrder.Add(added.MethodId);
                break;
            case PaymentRolesSet roles:
                _defaultId = roles.DefaultMethodId;
                _backupId = roles.BackupMethodId;
                break;
            case ChargeAttemptStarted started:
                CountAttempt(started.MethodId);
                var inFlight = new ChargeInFlight(started.Role, started.MethodId, started.MethodAttempt);
                _charges[started.ChargeId] = _charges.TryGetValue(started.ChargeId, out var starting)
                    ? starting with { InFlight = inFlight }
                    : new ChargeState(started.ChargeId, started.ContractId, started.AmountCents, started.Currency, [], null, 0, inFlight);
                break;
            case ChargeAttempted attempt:
                var known = _charges.GetValueOrDefault(attempt.ChargeId);
                if (known?.InFlight?.MethodId != attempt.MethodId)
                {
                    CountAttempt(attempt.MethodId); // a balance attempt: no gateway call was started for it
                }

                var tried = new ChargeAttemptState(attempt.Role, attempt.MethodId, attempt.Kind, attempt.Approved, attempt.Reference, attempt.DeclineCode);
                _charges[attempt.ChargeId] = known is not null
                    ? known with { Attempts = [.. known.Attempts, tried], InFlight = null }
                    : new ChargeState(attempt.ChargeId, attempt.ContractId, attempt.AmountCents, attempt.Currency, [tried], null, 0);
                if (attempt.Approved)
                {
                    _ledger.Add(new AccountLedgerLine(attempt.At, AccountLedgerLine.Charge, attempt.ChargeId, -attempt.AmountCents, attempt.ContractId, attempt.Kind));
                }

                break;
            case ChargeFailed failed:
                _charges[failed.ChargeId] = _charges.TryGetValue(failed.ChargeId, out var failing)
                    ? failing with { DeclineReasons = failed.Reasons }
                    : new ChargeState(failed.ChargeId, failed.ContractId ?? string.Empty, failed.AmountCents, failed.Currency ?? string.Empty, [], failed.Reasons, 0);
                break;
            case DepositAttempted deposit:
                CountAttempt(deposit.MethodId);
                _deposits[deposit.DepositId] = new DepositState(
                    deposit.DepositId, deposit.AmountCents, deposit.MethodId, deposit.Kind, deposit.Approved, deposit.Reference, deposit.DeclineCode);
                if (deposit.Approved)
                {
                    _ledger.Add(new AccountLedgerLine(deposit.At, AccountLedgerLine.Deposit, deposit.DepositId, deposit.AmountCents, null, deposit.Kind));
                }

                break;
            case ChargeRefunded refund:
                var refunded = _charges[refund.ChargeId];
                _charges[refund.ChargeId] = refunded with { RefundedCents = refunded.RefundedCents + refund.AmountCents };
                _refunds[refund.RefundId] = new RefundState(refund.RefundId, refund.ChargeId, refund.AmountCents);
                _ledger.Add(new AccountLedgerLine(refund.At, AccountLedgerLine.Refund, refund.RefundId, refund.AmountCents, refunded.ContractId, refund.Kind));
                break;
        }
    }

    protected override object CreateSnapshot() => new BillingAccountSnapshot(
        [.. _methodOrder.Select(id => _methods[id])],
        _defaultId,
        _backupId,
        [.. _charges.Values],
        [.. _deposits.Values],
        [.. _refunds.Values],
        [.. _ledger]);

    protected override void ApplySnapshot(object snapshot)
    {
        var state = (BillingAccountSnapshot)snapshot;
        foreach (var method in state.Methods)
        {
            _methods[method.MethodId] = method;
            _methodOrder.Add(method.MethodId);
        }

        _defaultId = state.DefaultMethodId;
        _backupId = state.BackupMethodId;
        foreach (var charge in state.Charges)
        {
            _charges[charge.ChargeId] = charge;
        }

        foreach (var deposit in state.Deposits)
        {
            _deposits[deposit.DepositId] = deposit;
        }

        foreach (var refund in state.Refunds)
        {
            _refunds[refund.RefundId] = refund;
        }

        _ledger.AddRange(state.Ledger);
    }

    // ------------------------------------------------------------------ methods

    private void Add(AddPaymentMethod add)
    {
        if (add.MakeDefault && add.MakeBackup)
        {
            Sender.Tell(new Rejected("invalid-roles", "A payment method cannot be both the default and the backup."));
            return;
        }

        if (!Enum.IsDefined(add.Kind))
        {
            Sender.Tell(new Rejected("invalid-payment-method", $"Unknown payment method kind {add.Kind}."));
            return;
        }

        if (add.Kind == PaymentMethodKind.Balance)
        {
            if (add.Token is not null)
            {
                Sender.Tell(new Rejected("invalid-payment-method", "The balance takes no token."));
                return;
            }

            if (_methods.Values.FirstOrDefault(m => m.Kind == PaymentMethodKind.Balance) is { } balance)
            {
                AcceptExisting(balance, add);
                return;
            }

            AcceptNew(add, null, "Account balance");
            return;
        }

        if (string.IsNullOrWhiteSpace(add.Token))
        {
            Sender.Tell(new Rejected("invalid-payment-method", $"A {KindName(add.Kind)} method needs the gateway's token."));
            return;
        }

        // The same token again is the same method (e.g. a retried request): answered with it, not kept twice.
        if (_methods.Values.FirstOrDefault(m => m.Kind == add.Kind && m.Token == add.Token) is { } existing)
        {
            AcceptExisting(existing, add);
            return;
        }

        var token = add.Token;
        AwaitGateway(_gateway.VerifyAsync(add.Kind, token), verified =>
        {
            if (verified.Succeeded)
            {
                AcceptNew(add, token, (add.Kind == PaymentMethodKind.Card ? "Card" : "PayPal") + $" ({token})");
                return;
            }

            LogMethodDeclined(_log, _clientId, add.Kind, verified.DeclineCode);
            Sender.Tell(new Rejected("payment-method-declined", $"{verified.DeclineCode}: {verified.Message}"));
        });
    }

    private void AcceptNew(AddPaymentMethod add, string? token, string label)
    {
        var methodId = "pm_" + Guid.NewGuid().ToString("N")[..16];
        var roles = RolesAfter(methodId, add, isNew: true);
        RecordAll([new PaymentMethodAdded(methodId, add.Kind, token, label, _time.GetUtcNow()), roles], () => Sender.Tell(new PaymentMethodAccepted(methodId)));
    }

    private void AcceptExisting(PaymentMethodState method, AddPaymentMethod add)
    {
        var roles = RolesAfter(method.MethodId, add, isNew: false);
        if (roles.DefaultMethodId == _defaultId && roles.BackupMethodId == _backupId)
        {
            Sender.Tell(new PaymentMethodAccepted(method.MethodId));
            return;
        }

        Record(roles, _ => Sender.Tell(new PaymentMethodAccepted(method.MethodId)));
    }

    /// <summary>
    /// Moving a role to a method takes it from the method that had it, and a method gives up the other role; a new
    /// method becomes the default when there is none, unless it was added as the backup.
    /// </summary>
    private PaymentRolesSet RolesAfter(string methodId, AddPaymentMethod add, bool isNew)
    {
        var (defaultId, backupId) = (_defaultId, _backupId);
        if (add.MakeDefault || (isNew && defaultId is null && !add.MakeBackup))
        {
            defaultId = methodId;
            backupId = backupId == methodId ? null : backupId;
        }
        else if (add.MakeBackup)
        {
            backupId = methodId;
            defaultId = defaultId == methodId ? null : defaultId;
        }

        return new PaymentRolesSet(defaultId, backupId);
    }

    // ------------------------------------------------------------------ charges

    private void Charge(ChargeClient charge)
    {
        if (Invalid(charge.ChargeId, charge.AmountCents, charge.Currency) is { } invalid)
        {
            Sender.Tell(invalid);
            return;
        }

        if (string.IsNullOrWhiteSpace(charge.ContractId))
        {
            Sender.Tell(new Rejected("invalid-id", "A charge names its contract."));
            return;
        }

        if (!_charges.TryGetValue(charge.ChargeId, out var recorded))
        {
            ContinueCharge(charge);
            return;
        }

        if (recorded.ContractId != charge.ContractId || recorded.AmountCents != charge.AmountCents || recorded.Currency != charge.Currency)
        {
            Sender.Tell(new Rejected("charge-id-conflict", $"Charge {charge.ChargeId} was made for another contract or amount."));
        }
        else if (recorded.Attempts.FirstOrDefault(a => a.Approved) is { } approved)
        {
            Sender.Tell(new ChargeSucceeded(charge.ChargeId, approved.MethodId, approved.Kind, recorded.AmountCents, approved.Reference!));
        }
        else if (recorded.DeclineReasons is { } reasons)
        {
            Sender.Tell(new ChargeDeclined(charge.ChargeId, reasons));
        }
        else
        {
            // Interrupted between the default and the backup: carry on where it stopped.
            ContinueCharge(charge);
        }
    }

    /// <summary>Tries the next method of the charge, or records that every method declined.</summary>
    private void ContinueCharge(ChargeClient charge)
    {
        var state = _charges.GetValueOrDefault(charge.ChargeId);
        if (state?.InFlight is { } inFlight)
        {
            // A call that was cut off (a crash): the same method and key again, whatever the roles are now.
            CallGateway(charge, inFlight.Role, _methods[inFlight.MethodId], inFlight.MethodAttempt);
            return;
        }

        var attempts = state?.Attempts ?? [];
        if (NextMethod(attempts) is not { } next)
        {
            // Recorded even when nothing could be tried, so this charge id never gets another answer.
            IReadOnlyList<string> reasons = attempts.Count == 0
                ? ["no-default-payment-method"]
                : [.. attempts.Select(a => $"{a.Role} {KindName(a.Kind)}: {a.DeclineCode}")];
            Record(new ChargeFailed(charge.ChargeId, reasons, _time.GetUtcNow(), charge.ContractId, charge.AmountCents, charge.Currency), _ =>
            {
                LogChargeDeclined(_log, _clientId, charge.ChargeId, charge.AmountCents, string.Join("; ", reasons));
                Sender.Tell(new ChargeDeclined(charge.ChargeId, reasons));
            });
            return;
        }

        var (role, method) = next;
        var methodAttempt = method.Attempts + 1;
        if (method.Kind == PaymentMethodKind.Balance)
        {
            // The balance pays the whole amount or nothing: a part-payment would leave the rest to charge elsewhere.
            var enough = BalanceCents >= charge.AmountCents;
            RecordAttempt(charge, role, method, methodAttempt, enough
                ? GatewayResult.Success("balance:" + charge.ChargeId)
                : GatewayResult.Declined("insufficient-balance", "The balance is short of the amount."));
            return;
        }

        Record(
            new ChargeAttemptStarted(
                charge.ChargeId, charge.ContractId, charge.AmountCents, charge.Currency, role, method.MethodId, method.Kind, methodAttempt,
                _time.GetUtcNow()),
            _ => CallGateway(charge, role, method, methodAttempt));
    }

    private void CallGateway(ChargeClient charge, string role, PaymentMethodState method, int methodAttempt)
    {
        var request = new GatewayCharge(
            $"{_clientId}/charge/{charge.ChargeId}/{method.MethodId}", method.Kind, method.Token!, charge.AmountCents, charge.Currency, methodAttempt);
        AwaitGateway(_gateway.ChargeAsync(request), result => RecordAttempt(charge, role, method, methodAttempt, result));
    }

    private void RecordAttempt(ChargeClient charge, string role, PaymentMethodState method, int methodAttempt, GatewayResult result)
    {
        var attempt = new ChargeAttempted(
            charge.ChargeId, charge.ContractId, charge.AmountCents, charge.Currency, charge.Description, role, method.MethodId, method.Kind,
            methodAttempt, result.Succeeded, result.Reference, result.Succeeded ? null : result.DeclineCode ?? "declined", _time.GetUtcNow());
        Record(attempt, recorded =>
        {
            if (recorded.Approved)
            {
                LogCharged(_log, _clientId, charge.ChargeId, charge.AmountCents, role, method.Kind);
                Sender.Tell(new ChargeSucceeded(charge.ChargeId, method.MethodId, method.Kind, charge.AmountCents, recorded.Reference!));
            }
            else
            {
                // The next gateway call starts only now that this decline is durable.
                ContinueCharge(charge);
            }
        });
    }

    /// <summary>The default, then the backup, skipping a role or a method this charge already tried.</summary>
    private (string Role, PaymentMethodState Method)? NextMethod(IReadOnlyList<ChargeAttemptState> attempts)
    {
        foreach (var (role, id) in new[] { (DefaultRole, _defaultId), (BackupRole, _backupId) })
        {
            if (id is not null && !attempts.Any(a => a.Role == role || a.MethodId == id))
            {
                return (role, _methods[id]);
            }
        }

        return null;
    }

    // ------------------------------------------------------------------ deposits

    private void Deposit(DepositFunds deposit)
    {
        if (Invalid(deposit.DepositId, deposit.AmountCents, SupportedCurrency) is { } invalid)
        {
            Sender.Tell(invalid);
            return;
        }

        if (_deposits.TryGetValue(deposit.DepositId, out var recorded))
        {
            Sender.Tell(recorded.AmountCents != deposit.AmountCents
                ? new Rejected("deposit-id-conflict", $"Deposit {deposit.DepositId} was made for another amount.")
                : DepositReply(recorded.Approved, recorded.Kind, recorded.DeclineCode));
            return;
        }

        var source = new[] { _backupId, _defaultId }
            .Select(id => id is null ? null : _methods[id])
            .FirstOrDefault(m => m is not null && m.Kind != PaymentMethodKind.Balance);
        if (source is null)
        {
            Sender.Tell(new Rejected("no-card-or-paypal", "Deposits are charged to a card or PayPal method set as the backup or the default."));
            return;
        }

        var methodAttempt = source.Attempts + 1;
        var request = new GatewayCharge(
            $"{_clientId}/deposit/{deposit.DepositId}", source.Kind, source.Token!, deposit.AmountCents, SupportedCurrency, methodAttempt);
        AwaitGateway(_gateway.ChargeAsync(request), result => Record(
            new DepositAttempted(
                deposit.DepositId, deposit.AmountCents, SupportedCurrency, source.MethodId, source.Kind, methodAttempt, result.Succeeded,
                result.Reference, result.Succeeded ? null : result.DeclineCode ?? "declined", _time.GetUtcNow()),
            recorded =>
            {
                LogDeposit(_log, _clientId, deposit.DepositId, deposit.AmountCents, recorded.Approved);
                Sender.Tell(DepositReply(recorded.Approved, recorded.Kind, recorded.DeclineCode));
            }));
    }

    private static object DepositReply(bool approved, PaymentMethodKind kind, string? declineCode) =>
        approved ? Accepted.Instance : new Rejected("deposit-declined", $"{KindName(kind)}: {declineCode}");

    // ------------------------------------------------------------------ refunds

    private void Refund(RefundCharge refund)
    {
        if (Invalid(refund.RefundId, refund.AmountCents, SupportedCurrency) is { } invalid)
        {
            Sender.Tell(invalid);
            return;
        }

        if (_refunds.TryGetValue(refund.RefundId, out var recorded))
        {
            Sender.Tell(recorded.ChargeId == refund.ChargeId && recorded.AmountCents == refund.AmountCents
                ? new RefundSucceeded(refund.RefundId, refund.ChargeId, refund.AmountCents)
                : new Rejected("refund-id-conflict", $"Refund {refund.RefundId} was made for another charge or amount."));
            return;
        }

        if (!_charges.TryGetValue(refund.ChargeId ?? string.Empty, out var charge))
        {
            Sender.Tell(new Rejected("not-found", $"There is no charge {refund.ChargeId}."));
            return;
        }

        if (charge.Attempts.FirstOrDefault(a => a.Approved) is not { } paid)
        {
            Sender.Tell(new Rejected("charge-not-succeeded", $"Charge {refund.ChargeId} took no money, so there is nothing to refund."));
            return;
        }

        if (charge.RefundedCents + refund.AmountCents > charge.AmountCents)
        {
            Sender.Tell(new Rejected(
                "refund-exceeds-charge", $"{charge.AmountCents - charge.RefundedCents} cents of charge {charge.ChargeId} are left to refund."));
            return;
        }

        if (paid.Kind == PaymentMethodKind.Balance)
        {
            RecordRefund(refund, paid, "balance:" + refund.RefundId);
            return;
        }

        var request = new GatewayRefund($"{_clientId}/refund/{refund.RefundId}", paid.Reference!, refund.AmountCents, charge.Currency);
        AwaitGateway(_gateway.RefundAsync(request), result =>
        {
            if (result.Succeeded)
            {
                RecordRefund(refund, paid, result.Reference!);
                return;
            }

            // Nothing moved, so nothing is recorded: the same refund may be asked again.
            LogRefundDeclined(_log, _clientId, refund.RefundId, result.DeclineCode);
            Sender.Tell(new Rejected("refund-declined", $"{result.DeclineCode}: {result.Message}"));
        });
    }

    private void RecordRefund(RefundCharge refund, ChargeAttemptState paid, string reference) =>
        Record(
            new ChargeRefunded(refund.RefundId, refund.ChargeId, refund.AmountCents, paid.MethodId, paid.Kind, reference, _time.GetUtcNow()),
            _ => Sender.Tell(new RefundSucceeded(refund.RefundId, refund.ChargeId, refund.AmountCents)));

    // ------------------------------------------------------------------ view and helpers

    private BillingAccountView View() => new(
        _clientId,
        [.. _methodOrder.Select(id => _methods[id]).Select(m => new PaymentMethodView(m.MethodId, m.Kind, m.Label, m.MethodId == _defaultId, m.MethodId == _backupId))],
        BalanceCents,
        NotReadyReasons(),
        [.. _ledger]);

    private List<string> NotReadyReasons()
    {
        if (_defaultId is null)
        {
            return ["no-default-payment-method"];
        }

        // The balance runs out; without a card or PayPal behind it a charge would simply fail.
        return _methods[_defaultId].Kind == PaymentMethodKind.Balance
            && (_backupId is null || _methods[_backupId].Kind == PaymentMethodKind.Balance)
            ? ["balance-needs-backup"]
            : [];
    }

    private static Rejected? Invalid(string id, long amountCents, string currency)
    {
        if (string.IsNullOrWhiteSpace(id))
        {
            return new Rejected("invalid-id", "An id is required, so that asking again cannot move money twice.");
        }

        if (amountCents is <= 0 or > MaxAmountCents)
        {
            return new Rejected("invalid-amount", $"The amount must be between 1 and {MaxAmountCents} cents.");
        }

        return currency == SupportedCurrency ? null : new Rejected("unsupported-currency", $"Only {SupportedCurrency} is supported.");
    }

    private void CountAttempt(string methodId)
    {
        var method = _methods[methodId];
        _methods[methodId] = method with { Attempts = method.Attempts + 1 };
    }

    private static string KindName(PaymentMethodKind kind) => kind switch
    {
        PaymentMethodKind.Card => "card",
        PaymentMethodKind.PayPal => "paypal",
        _ => "balance",
    };

    [LoggerMessage(Level = LogLevel.Warning, Message = "Client {ClientId}: the payment gateway is unavailable ({Reason})")]
    private static partial void LogGatewayUnavailable(ILogger logger, string clientId, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Client {ClientId}: {Kind} method declined by the gateway ({DeclineCode})")]
    private static partial void LogMethodDeclined(ILogger logger, string clientId, PaymentMethodKind kind, string? declineCode);

    [LoggerMessage(Level = LogLevel.Information, Message = "Client {ClientId}: charge {ChargeId} of {AmountCents} cents paid by the {Role} {Kind} method")]
    private static partial void LogCharged(ILogger logger, string clientId, string chargeId, long amountCents, string role, PaymentMethodKind kind);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Client {ClientId}: charge {ChargeId} of {AmountCents} cents declined ({Reasons})")]
    private static partial void LogChargeDeclined(ILogger logger, string clientId, string chargeId, long amountCents, string reasons);

    [LoggerMessage(Level = LogLevel.Information, Message = "Client {ClientId}: deposit {DepositId} of {AmountCents} cents approved: {Approved}")]
    private static partial void LogDeposit(ILogger logger, string clientId, string depositId, long amountCents, bool approved);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Client {ClientId}: refund {RefundId} declined by the gateway ({DeclineCode})")]
    private static partial void LogRefundDeclined(ILogger logger, string clientId, string refundId, string? declineCode);
}
