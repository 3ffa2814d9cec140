using LiveTracker.Actors.Payments;
using Xunit;

namespace LiveTracker.Actors.Tests.Payments;

/// <summary>The sandbox's token table: what the demo, the docs and the account tests rely on.</summary>
public sealed class SandboxPaymentGatewayTests
{
    private readonly SandboxPaymentGateway _gateway = new();

    [Theory]
    [InlineData(PaymentMethodKind.Card, SandboxPaymentGateway.CardOk, null)]
    [InlineData(PaymentMethodKind.Card, SandboxPaymentGateway.CardDeclined, null)]
    [InlineData(PaymentMethodKind.Card, SandboxPaymentGateway.CardInsufficientFunds, null)]
    [InlineData(PaymentMethodKind.Card, SandboxPaymentGateway.CardFailsOnce, null)]
    [InlineData(PaymentMethodKind.Card, SandboxPaymentGateway.CardExpired, "expired-card")]
    [InlineData(PaymentMethodKind.PayPal, SandboxPaymentGateway.PayPalOk, null)]
    [InlineData(PaymentMethodKind.PayPal, SandboxPaymentGateway.PayPalDeclined, null)]
    [InlineData(PaymentMethodKind.Card, "4242424242424242", "invalid-payment-token")]
    [InlineData(PaymentMethodKind.Card, "", "invalid-payment-token")]
    [InlineData(PaymentMethodKind.Card, SandboxPaymentGateway.PayPalOk, "token-kind-mismatch")]
    [InlineData(PaymentMethodKind.PayPal, SandboxPaymentGateway.CardOk, "token-kind-mismatch")]
    [InlineData(PaymentMethodKind.Balance, SandboxPaymentGateway.CardOk, "unsupported-method")]
    public async Task Verification_follows_the_token_table(PaymentMethodKind kind, string token, string? declineCode)
    {
        var result = await _gateway.VerifyAsync(kind, token);

        Assert.Equal((declineCode is null, declineCode), (result.Succeeded, result.DeclineCode));
    }

    [Theory]
    [InlineData(PaymentMethodKind.Card, SandboxPaymentGateway.CardOk, 1, null)]
    [InlineData(PaymentMethodKind.Card, SandboxPaymentGateway.CardDeclined, 1, "card-declined")]
    [InlineData(PaymentMethodKind.Card, SandboxPaymentGateway.CardDeclined, 2, "card-declined")]
    [InlineData(PaymentMethodKind.Card, SandboxPaymentGateway.CardInsufficientFunds, 1, "insufficient-funds")]
    [InlineData(PaymentMethodKind.Card, SandboxPaymentGateway.CardFailsOnce, 1, "processing-error")]
    [InlineData(PaymentMethodKind.Card, SandboxPaymentGateway.CardFailsOnce, 2, null)]
    [InlineData(PaymentMethodKind.Card, SandboxPaymentGateway.CardExpired, 1, "expired-card")]
    [InlineData(PaymentMethodKind.PayPal, SandboxPaymentGateway.PayPalOk, 1, null)]
    [InlineData(PaymentMethodKind.PayPal, SandboxPaymentGateway.PayPalDeclined, 1, "paypal-declined")]
    [InlineData(PaymentMethodKind.Card, "sandbox-card-unknown", 1, "invalid-payment-token")]
    [InlineData(PaymentMethodKind.PayPal, SandboxPaymentGateway.CardOk, 1, "token-kind-mismatch")]
    [InlineData(PaymentMethodKind.Balance, "", 1, "unsupported-method")]
    public async Task Charges_follow_the_token_table(PaymentMethodKind kind, string token, int methodAttempt, string? declineCode)
    {
        var result = await _gateway.ChargeAsync(new GatewayCharge("key-1", kind, token, 500, "USD", methodAttempt));

        Assert.Equal((declineCode is null, declineCode), (result.Succeeded, result.DeclineCode));
        Assert.Equal(declineCode is null, result.Reference?.StartsWith("sbx_ch_", StringComparison.Ordinal) ?? false);
    }

    [Fact]
    public async Task References_derive_from_the_idempotency_key_and_a_repeated_key_answers_the_first_result()
    {
        var first = await _gateway.ChargeAsync(new GatewayCharge("k-fails", PaymentMethodKind.Card, SandboxPaymentGateway.CardFailsOnce, 500, "USD", 1));
        var repeated = await _gateway.ChargeAsync(new GatewayCharge("k-fails", PaymentMethodKind.Card, SandboxPaymentGateway.CardFailsOnce, 500, "USD", 2));
        var approved = await _gateway.ChargeAsync(new GatewayCharge("k-ok", PaymentMethodKind.Card, SandboxPaymentGateway.CardOk, 500, "USD", 1));
        var elsewhere = await new SandboxPaymentGateway().ChargeAsync(new GatewayCharge("k-ok", PaymentMethodKind.Card, SandboxPaymentGateway.CardOk, 500, "USD", 1));
        var otherKey = await _gateway.ChargeAsync(new GatewayCharge("k-ok-2", PaymentMethodKind.Card, SandboxPaymentGateway.CardOk, 500, "USD", 1));

        Assert.Equal(first, repeated);
        Assert.Equal("processing-error", repeated.DeclineCode);
        Assert.Equal(approved, elsewhere);
        Assert.NotEqual(approved.Reference, otherKey.Reference);
    }

    [Fact]
    public async Task Refunds_succeed_for_references_the_sandbox_issued_even_after_a_restart_and_only_for_those()
    {
        var charge = await _gateway.ChargeAsync(new GatewayCharge("k1", PaymentMethodKind.PayPal, SandboxPaymentGateway.PayPalOk, 900, "USD", 1));
        var afterRestart = new SandboxPaymentGateway();

        var refund = await _gateway.RefundAsync(new GatewayRefund("r1", charge.Reference!, 400, "USD"));
        var repeated = await _gateway.RefundAsync(new GatewayRefund("r1", charge.Reference!, 400, "USD"));
        var fresh = await afterRestart.RefundAsync(new GatewayRefund("r2", charge.Reference!, 100, "USD"));
        var forged = await _gateway.RefundAsync(new GatewayRefund("r3", "sbx_ch_0123456789abcdef0000", 100, "USD"));
        var foreign = await _gateway.RefundAsync(new GatewayRefund("r4", "ch_3Nabc", 100, "USD"));

        Assert.True(refund.Succeeded);
        Assert.StartsWith("sbx_rf_", refund.Reference, StringComparison.Ordinal);
        Assert.Equal(refund, repeated);
        Assert.True(fresh.Succeeded);
        Assert.Equal(("unknown-charge", "unknown-charge"), (forged.DeclineCode, foreign.DeclineCode));
    }

    [Fact]
    public async Task Concurrent_charges_with_one_key_all_get_the_same_result()
    {
        var charges = Enumerable.Range(1, 64).Select(attempt => Task.Run(() =>
            _gateway.ChargeAsync(new GatewayCharge("same", PaymentMethodKind.Card, SandboxPaymentGateway.CardFailsOnce, 500, "USD", (attempt % 2) + 1))));

        var results = await Task.WhenAll(charges);

        Assert.Single(results.Distinct());
    }
}
