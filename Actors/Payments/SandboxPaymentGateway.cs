using System.Collections.Concurrent;
using System.Collections.Frozen;
using System.Security.Cryptography;
using System.Text;

namespace LiveTracker.Actors.Payments;

/// <summary>
/// A payment gateway that moves no money, for the demo, development and tests. Like the test card numbers of card
/// networks, the token alone decides the outcome:
/// <list type="table">
/// <listheader><term>Token</term><description>Outcome</description></listheader>
/// <item><term><c>sandbox-card-ok</c></term><description>Card; every charge is approved.</description></item>
/// <item><term><c>sandbox-card-declined</c></term><description>Card; verifies, every charge declines with <c>card-declined</c>.</description></item>
/// <item><term><c>sandbox-card-insufficient-funds</c></term><description>Card; verifies, every charge declines with <c>insufficient-funds</c>.</description></item>
/// <item><term><c>sandbox-card-fails-once</c></term><description>Card; the first charge on the method (MethodAttempt 1) declines with <c>processing-error</c>, later ones are approved.</description></item>
/// <item><term><c>sandbox-card-expired</c></term><description>Card; refused when added (<c>expired-card</c>).</description></item>
/// <item><term><c>sandbox-paypal-ok</c></term><description>PayPal; every charge is approved.</description></item>
/// <item><term><c>sandbox-paypal-declined</c></term><description>PayPal; verifies, every charge declines with <c>paypal-declined</c>.</description></item>
/// </list>
/// Any other token is refused with <c>invalid-payment-token</c>; a token of the other kind (a PayPal token given as a
/// card) with <c>token-kind-mismatch</c>; the balance, which never reaches a gateway, with <c>unsupported-method</c>.
/// References derive from the idempotency key, and a repeated key answers the first result, as real gateways do.
/// Refunds are approved for any charge reference the sandbox issued (it carries a check suffix, so this holds
/// across restarts) and declined with <c>unknown-charge</c> otherwise. Thread-safe; each instance remembers its own keys.
/// </summary>
public sealed class SandboxPaymentGateway : IPaymentGateway
{
    public const string CardOk = "sandbox-card-ok";
    public const string CardDeclined = "sandbox-card-declined";
    public const string CardInsufficientFunds = "sandbox-card-insufficient-funds";
    public const string CardFailsOnce = "sandbox-card-fails-once";
    public const string CardExpired = "sandbox-card-expired";
    public const string PayPalOk = "sandbox-paypal-ok";
    public const string PayPalDeclined = "sandbox-paypal-declined";

    private const string ChargePrefix = "sbx_ch_";
    private const string RefundPrefix = "sbx_rf_";
    private const int ReferenceHashLength = 16;
    private const int CheckLength = 4;

    private static readonly FrozenDictionary<string, TestToken> Tokens = new Dictionary<string, TestToken>(StringComparer.Ordinal)
    {
        [CardOk] = new(PaymentMethodKind.Card, VerifyDecline: null, ChargeDecline: null, FailsFirstCharge: false),
        [CardDeclined] = new(PaymentMethodKind.Card, null, "card-declined", false),
        [CardInsufficientFunds] = new(PaymentMethodKind.Card, null, "insufficient-funds", false),
        [CardFailsOnce] = new(PaymentMethodKind.Card, null, null, FailsFirstCharge: true),
        [CardExpired] = new(PaymentMethodKind.Card, "expired-card", "expired-card", false),
        [PayPalOk] = new(PaymentMethodKind.PayPal, null, null, false),
        [PayPalDeclined] = new(PaymentMethodKind.PayPal, null, "paypal-declined", false),
    }.ToFrozenDictionary(StringComparer.Ordinal);

    private readonly ConcurrentDictionary<string, GatewayResult> _charges = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, GatewayResult> _refunds = new(StringComparer.Ordinal);

    public Task<GatewayResult> VerifyAsync(PaymentMethodKind kind, string token, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(token);
        cancellationToken.ThrowIfCancellationRequested();
        var refused = Check(kind, token, out var testToken) ?? (testToken!.VerifyDecline is { } code ? Declined(code) : null);
        return Task.FromResult(refused ?? GatewayResult.Success("sbx_pm_" + Hash("method|" + token)));
    }

    public Task<GatewayResult> ChargeAsync(GatewayCharge charge, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(charge);
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(_charges.GetOrAdd(charge.IdempotencyKey, static (_, c) => DecideCharge(c), charge));
    }

    public Task<GatewayResult> RefundAsync(GatewayRefund refund, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(refund);
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(_refunds.GetOrAdd(refund.IdempotencyKey, static (_, r) => DecideRefund(r), refund));
    }

    private static GatewayResult DecideCharge(GatewayCharge charge)
    {
        if (charge.AmountCents <= 0)
        {
            return Declined("invalid-amount");
        }

        if (Check(charge.Kind, charge.Token, out var token) is { } refused)
        {
            return refused;
        }

        if (token!.ChargeDecline is { } code)
        {
            return Declined(code);
        }

        return token.FailsFirstCharge && charge.MethodAttempt <= 1
            ? Declined("processing-error")
            : GatewayResult.Success(ChargeReference(charge.IdempotencyKey));
    }

    private static GatewayResult DecideRefund(GatewayRefund refund)
    {
        if (refund.AmountCents <= 0)
        {
            return Declined("invalid-amount");
        }

        return IsIssuedChargeReference(refund.ChargeReference)
            ? GatewayResult.Success(RefundPrefix + Hash("refund|" + refund.IdempotencyKey))
            : Declined("unknown-charge");
    }

    /// <summary>Why a token cannot be used as <paramref name="kind"/> at all, or null when it can.</summary>
    private static GatewayResult? Check(PaymentMethodKind kind, string token, out TestToken? testToken)
    {
        testToken = null;
        if (kind == PaymentMethodKind.Balance)
        {
            return Declined("unsupported-method");
        }

        if (!Tokens.TryGetValue(token, out testToken))
        {
            return Declined("invalid-payment-token");
        }

        return testToken.Kind == kind ? null : Declined("token-kind-mismatch");
    }

    // The check suffix lets a fresh instance (after a restart of the demo) recognise references an earlier one issued.
    private static string ChargeReference(string idempotencyKey)
    {
        var body = Hash("charge|" + idempotencyKey);
        return ChargePrefix + body + Hash("check|" + body)[..CheckLength];
    }

    private static bool IsIssuedChargeReference(string reference) =>
        reference.Length == ChargePrefix.Length + ReferenceHashLength + CheckLength
        && reference.StartsWith(ChargePrefix, StringComparison.Ordinal)
        && string.Equals(
            Hash("check|" + reference.Substring(ChargePrefix.Length, ReferenceHashLength))[..CheckLength],
            reference[^CheckLength..],
            StringComparison.Ordinal);

    private static string Hash(string value) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(value)))[..ReferenceHashLength];

    private static GatewayResult Declined(string code) => GatewayResult.Declined(code, "Sandbox: " + code);

    private sealed record TestToken(PaymentMethodKind Kind, string? VerifyDecline, string? ChargeDecline, bool FailsFirstCharge);
}
