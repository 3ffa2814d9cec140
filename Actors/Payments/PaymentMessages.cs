using LiveTracker.Actors.Serialization;

namespace LiveTracker.Actors.Payments;

[System.Text.Json.Serialization.JsonConverter(typeof(System.Text.Json.Serialization.JsonStringEnumConverter<PaymentMethodKind>))]
public enum PaymentMethodKind
{
    Card,
    PayPal,

    /// <summary>The client's prepaid account balance (deposits minus what was charged to it).</summary>
    Balance,
}

// ---------------------------------------------------------------- commands (to the client's BillingAccount)

/// <summary>
/// Adds a payment method. Card and PayPal carry the gateway's token (checked by the gateway before it is kept);
/// the balance needs no token. Answered <see cref="PaymentMethodAccepted"/> or <c>Rejected</c>.
/// A method added while there is no default becomes the default unless it is made the backup. Adding a method
/// that is already kept (the same token, or the balance again) answers its id and moves the roles asked for.
/// </summary>
public sealed record AddPaymentMethod(PaymentMethodKind Kind, string? Token, bool MakeDefault, bool MakeBackup);

public sealed record PaymentMethodAccepted(string MethodId);

/// <summary>
/// Adds money to the balance, charged to the card or PayPal method (the backup first, else the default).
/// Answered <c>Accepted</c>, or <c>Rejected</c> (<c>deposit-declined</c> when the gateway declined). Idempotent by <see cref="DepositId"/>.
/// </summary>
public sealed record DepositFunds(string DepositId, long AmountCents);

/// <summary>
/// Charges the client: the default method first, the backup when the default declines or (balance) falls short.
/// Idempotent by <see cref="ChargeId"/>: asking again gives the recorded outcome without charging twice.
/// Answered <see cref="ChargeSucceeded"/> or <see cref="ChargeDeclined"/>, or <c>Rejected</c> for bad input.
/// A decline is recorded like a success (a retry needs a new id), except <c>no-default-payment-method</c>: nothing was tried.
/// </summary>
public sealed record ChargeClient(string ChargeId, string ContractId, long AmountCents, string Currency, string Description);

public sealed record ChargeSucceeded(string ChargeId, string MethodId, PaymentMethodKind Kind, long AmountCents, string Reference);

public sealed record ChargeDeclined(string ChargeId, IReadOnlyList<string> Reasons);

/// <summary>Returns (part of) a successful charge to where it came from. Idempotent by <see cref="RefundId"/>.</summary>
public sealed record RefundCharge(string RefundId, string ChargeId, long AmountCents);

public sealed record RefundSucceeded(string RefundId, string ChargeId, long AmountCents);

public sealed record GetBillingAccount;

public sealed record PaymentMethodView(string MethodId, PaymentMethodKind Kind, string Label, bool IsDefault, bool IsBackup);

/// <summary>
/// The account as its owner sees it. <see cref="NotReadyReasons"/> lists what keeps the payment setup from being
/// usable for Work View (no default, a balance default without a card or PayPal backup); empty when usable.
/// </summary>
public sealed record BillingAccountView(
    string ClientId,
    IReadOnlyList<PaymentMethodView> Methods,
    long BalanceCents,
    IReadOnlyList<string> NotReadyReasons,
    IReadOnlyList<AccountLedgerLine> Ledger);

/// <summary>
/// One money movement of the account, oldest first. <see cref="Kind"/> is <see cref="Deposit"/>, <see cref="Charge"/>
/// or <see cref="Refund"/>; <see cref="Reference"/> is the command's id (DepositId, ChargeId, RefundId);
/// <see cref="Method"/> is where the money was taken from or returned to. <see cref="AmountCents"/> is signed from the
/// client's side: charges are negative, deposits and refunds positive. The balance is the sum of the deposit lines
/// and of the lines whose <see cref="Method"/> is <see cref="PaymentMethodKind.Balance"/>.
/// </summary>
public sealed record AccountLedgerLine(DateTimeOffset At, string Kind, string Reference, long AmountCents, string? ContractId, PaymentMethodKind Method)
{
    public const string Deposit = "deposit";
    public const string Charge = "charge";
    public const string Refund = "refund";
}

// ---------------------------------------------------------------- gateway

/// <summary>A charge as the gateway sees it: <see cref="MethodAttempt"/> counts charges on this method, from 1.</summary>
public sealed record GatewayCharge(string IdempotencyKey, PaymentMethodKind Kind, string Token, long AmountCents, string Currency, int MethodAttempt);

public sealed record GatewayRefund(string IdempotencyKey, string ChargeReference, long AmountCents, string Currency);

/// <summary>What the gateway answered: a reference on success, a stable decline code otherwise.</summary>
public sealed record GatewayResult(bool Succeeded, string? Reference, string? DeclineCode, string Message)
{
    public static GatewayResult Success(string reference) => new(true, reference, null, "approved");

    public static GatewayResult Declined(string code, string message) => new(false, null, code, message);
}

/// <summary>A payment provider. Calls never throw for a decline; they throw only when the provider cannot be reached.</summary>
public interface IPaymentGateway
{
    /// <summary>Checks a token when a method is added; a decline here means the method is not kept.</summary>
    Task<GatewayResult> VerifyAsync(PaymentMethodKind kind, string token, CancellationToken cancellationToken = default);

    Task<GatewayResult> ChargeAsync(GatewayCharge charge, CancellationToken cancellationToken = default);

    Task<GatewayResult> RefundAsync(GatewayRefund refund, CancellationToken cancellationToken = default);
}
