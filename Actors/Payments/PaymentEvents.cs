using LiveTracker.Actors.Serialization;

namespace LiveTracker.Actors.Payments;

// Events of a client's BillingAccount. They record what the gateway answered (or the balance allowed), never a
// balance: the balance is the sum of the money movements, so it cannot drift from them.

/// <summary>A method the gateway accepted (the balance needs no gateway). <see cref="Token"/> is the gateway's token, never a card number.</summary>
[Manifest("billing-account.payment-method-added.v1")]
public sealed record PaymentMethodAdded(string MethodId, PaymentMethodKind Kind, string? Token, string Label, DateTimeOffset AddedAt);

/// <summary>The default and backup after a change, in full (either may be none).</summary>
[Manifest("billing-account.payment-roles-set.v1")]
public sealed record PaymentRolesSet(string? DefaultMethodId, string? BackupMethodId);

/// <summary>
/// One try of one method for a charge, approved or declined. <see cref="Role"/> is the role the method had when it
/// was tried ("default" or "backup"); <see cref="MethodAttempt"/> is what the gateway was told.
/// </summary>
[Manifest("billing-account.charge-attempted.v1")]
public sealed record ChargeAttempted(
    string ChargeId, string ContractId, long AmountCents, string Currency, string Description, string Role, string MethodId,
    PaymentMethodKind Kind, int MethodAttempt, bool Approved, string? Reference, string? DeclineCode, DateTimeOffset At);

/// <summary>
/// Every method tried for the charge declined (or there was none to try); asking again with its id answers these
/// reasons, so a charge id has one final answer. The terms are given when no attempt recorded them.
/// </summary>
[Manifest("billing-account.charge-failed.v1")]
public sealed record ChargeFailed(
    string ChargeId, IReadOnlyList<string> Reasons, DateTimeOffset At, string? ContractId = null, long AmountCents = 0, string? Currency = null);

/// <summary>
/// A gateway call for the charge is about to be made with this method and attempt number. Written first, so a
/// crash during the call resumes with the same method and idempotency key instead of charging another method.
/// </summary>
[Manifest("billing-account.charge-attempt-started.v1")]
public sealed record ChargeAttemptStarted(
    string ChargeId, string ContractId, long AmountCents, string Currency, string Role, string MethodId, PaymentMethodKind Kind,
    int MethodAttempt, DateTimeOffset At);

/// <summary>A deposit charged to a card or PayPal method; when approved the balance grows by the amount.</summary>
[Manifest("billing-account.deposit-attempted.v1")]
public sealed record DepositAttempted(
    string DepositId, long AmountCents, string Currency, string MethodId, PaymentMethodKind Kind, int MethodAttempt,
    bool Approved, string? Reference, string? DeclineCode, DateTimeOffset At);

/// <summary>Part of a successful charge given back to the method it came from (to the balance for a balance charge).</summary>
[Manifest("billing-account.charge-refunded.v1")]
public sealed record ChargeRefunded(
    string RefundId, string ChargeId, long AmountCents, string MethodId, PaymentMethodKind Kind, string Reference, DateTimeOffset At);

/// <summary>The account's whole state, so recovery replays only the events after it. The balance is not in it: it is summed from the ledger.</summary>
[Manifest("billing-account.snapshot.v1")]
public sealed record BillingAccountSnapshot(
    IReadOnlyList<PaymentMethodState> Methods,
    string? DefaultMethodId,
    string? BackupMethodId,
    IReadOnlyList<ChargeState> Charges,
    IReadOnlyList<DepositState> Deposits,
    IReadOnlyList<RefundState> Refunds,
    IReadOnlyList<AccountLedgerLine> Ledger);

/// <summary>A kept method; <see cref="Attempts"/> counts every charge and deposit tried on it (for the next MethodAttempt).</summary>
public sealed record PaymentMethodState(string MethodId, PaymentMethodKind Kind, string? Token, string Label, DateTimeOffset AddedAt, int Attempts);

/// <summary>
/// A charge: its terms, the methods tried, and <see cref="DeclineReasons"/> once every method declined. Neither
/// approved nor declined means a restart interrupted it between methods; asking again continues it.
/// </summary>
public sealed record ChargeState(
    string ChargeId, string ContractId, long AmountCents, string Currency, IReadOnlyList<ChargeAttemptState> Attempts,
    IReadOnlyList<string>? DeclineReasons, long RefundedCents, ChargeInFlight? InFlight = null);

/// <summary>A gateway call started and not yet answered (see <see cref="ChargeAttemptStarted"/>).</summary>
public sealed record ChargeInFlight(string Role, string MethodId, int MethodAttempt);

public sealed record ChargeAttemptState(string Role, string MethodId, PaymentMethodKind Kind, bool Approved, string? Reference, string? DeclineCode);

public sealed record DepositState(string DepositId, long AmountCents, string MethodId, PaymentMethodKind Kind, bool Approved, string? Reference, string? DeclineCode);

public sealed record RefundState(string RefundId, string ChargeId, long AmountCents);
