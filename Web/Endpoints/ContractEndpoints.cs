using LiveTracker.Actors.Accounts;
using LiveTracker.Actors.Configuration;
using LiveTracker.Actors.Contracts;
using LiveTracker.Actors.Payments;
using LiveTracker.Web.Api;
using LiveTracker.Web.Security;

namespace LiveTracker.Web.Endpoints;

/// <summary>Contracts: create, list, read, weekly limit, payment methods, end. Only parties see a contract (404 otherwise).</summary>
public static class ContractEndpoints
{
    public static IEndpointRouteBuilder MapContractEndpoints(this IEndpointRouteBuilder endpoints)
    {
        var contracts = endpoints.MapGroup("/api/contracts").RequireAuthorization(Policies.SignedIn).WithTags("Contracts");
        contracts.MapPost("", CreateAsync).RequireAuthorization(Policies.Client);
        contracts.MapGet("", ListAsync);
        contracts.MapGet("/{id}", GetAsync);
        contracts.MapPut("/{id}/weekly-limit", SetWeeklyLimitAsync).RequireAuthorization(Policies.Client);
        contracts.MapPost("/{id}/payment-methods", AddPaymentMethodAsync).RequireAuthorization(Policies.Client);
        contracts.MapPost("/{id}/end", EndAsync);
        contracts.MapGet("/{id}/ledger", LedgerAsync);
        return endpoints;
    }

    public sealed record CreateContractRequest(
        string? FreelancerEmail, string? Title, string? Kind, long? HourlyRateCents, string? Currency, double? WeeklyLimitHours,
        int? SegmentMinutes, int? IdleTimeoutMinutes);

    public sealed record CreatedContract(string ContractId);

    public sealed record WeeklyLimitRequest(double? Hours);

    public sealed record PaymentMethodRequest(string? Kind, string? Token, bool MakeDefault, bool MakeBackup);

    public sealed record PaymentMethodCreated(string MethodId);

    private static async Task<IResult> CreateAsync(
        CreateContractRequest request, HttpContext context, DomainClient domain, LiveTrackerSettings settings, CancellationToken cancellationToken)
    {
        var client = context.User();
        ContractKind? kind = request.Kind?.ToLowerInvariant() switch { "hourly" => ContractKind.Hourly, "fixed" => ContractKind.Fixed, _ => null };
        if (kind is null)
        {
            return ApiProblems.Invalid("invalid-contract", "kind is hourly or fixed.");
        }

        if (string.IsNullOrWhiteSpace(request.Title) || request.Title.Length > 200)
        {
            return ApiProblems.Invalid("invalid-contract", "title is 1 to 200 characters.");
        }

        if (kind == ContractKind.Hourly && request.HourlyRateCents is null)
        {
            return ApiProblems.Invalid("invalid-contract", "An hourly contract needs hourlyRateCents.");
        }

        if (request.WeeklyLimitHours is < 0 or > 168 || request.WeeklyLimitHours is { } h && double.IsNaN(h))
        {
            return ApiProblems.Invalid("invalid-contract", "weeklyLimitHours is between 0 and 168.");
        }

        if (string.IsNullOrWhiteSpace(request.FreelancerEmail)
            || await domain.UserAsync(UserIds.ForEmail(request.FreelancerEmail), new GetUser(), cancellationToken) is not UserView { Role: UserRole.Freelancer } freelancer)
        {
            return ApiProblems.Invalid("freelancer-not-found", "No freelancer account has that e-mail address.");
        }

        var contractId = ApiIds.NewContractId();
        var created = await domain.ContractAsync(contractId, new CreateContract(
            client.UserId, freelancer.UserId, request.Title.Trim(), kind.Value, kind == ContractKind.Hourly ? request.HourlyRateCents!.Value : 0,
            request.Currency ?? "USD", request.WeeklyLimitHours is { } hours ? (int)Math.Round(hours * 60) : null,
            request.SegmentMinutes ?? settings.Domain.SegmentMinutes, request.IdleTimeoutMinutes ?? settings.Domain.IdleTimeoutMinutes), cancellationToken);
        if (created is not Accepted)
        {
            return ApiProblems.Unexpected(created);
        }

        // The contract tells both accounts itself (durably); asking here too makes it listed before this answer.
        await Task.WhenAll(
            domain.UserAsync(client.UserId, new JoinContract(contractId), cancellationToken),
            domain.UserAsync(freelancer.UserId, new JoinContract(contractId), cancellationToken));
        return Results.Created($"/api/contracts/{contractId}", new CreatedContract(contractId));
    }

    private static async Task<IResult> ListAsync(HttpContext context, DomainClient domain, CancellationToken cancellationToken)
    {
        var user = context.User();
        if (await domain.UserAsync(user.UserId, new GetUser(), cancellationToken) is not UserView account)
        {
            return Results.Ok(Array.Empty<ContractResponse>());
        }

        var views = await Task.WhenAll(account.Contracts.Select(id => domain.ContractForPartyAsync(id, user, cancellationToken)));
        return Results.Ok(views.OfType<ContractView>().Select(v => v.ToApi()).ToList());
    }

    private static async Task<IResult> GetAsync(string id, HttpContext context, DomainClient domain, CancellationToken cancellationToken) =>
        await domain.ContractForPartyAsync(id, context.User(), cancellationToken) is { } view ? Results.Ok(view.ToApi()) : ApiProblems.NotFound("contract");

    private static async Task<IResult> SetWeeklyLimitAsync(
        string id, WeeklyLimitRequest request, HttpContext context, DomainClient domain, CancellationToken cancellationToken)
    {
        var user = context.User();
        if (await domain.ContractForPartyAsync(id, user, cancellationToken) is not { } view)
        {
            return ApiProblems.NotFound("contract");
        }

        if (view.ClientId != user.UserId)
        {
            return ApiProblems.Forbidden("Only the contract's client sets its weekly limit.");
        }

        if (request.Hours is < 0 or > 168)
        {
            return ApiProblems.Invalid("invalid-limit", "hours is between 0 and 168, or null for no limit.");
        }

        var reply = await domain.ContractAsync(id, new SetContractWeeklyLimit(request.Hours is { } h ? (int)Math.Round(h * 60) : null), cancellationToken);
        return reply is Accepted && await domain.ContractForPartyAsync(id, user, cancellationToken) is { } updated
            ? Results.Ok(updated.ToApi())
            : ApiProblems.Unexpected(reply);
    }

    private static async Task<IResult> AddPaymentMethodAsync(
        string id, PaymentMethodRequest request, HttpContext context, DomainClient domain, CancellationToken cancellationToken)
    {
        var user = context.User();
        if (await domain.ContractForPartyAsync(id, user, cancellationToken) is not { } view)
        {
            return ApiProblems.NotFound("contract");
        }

        if (view.ClientId != user.UserId)
        {
            return ApiProblems.Forbidden("Only the contract's client adds payment methods.");
        }

        PaymentMethodKind? kind = request.Kind?.ToLowerInvariant() switch
        {
            "card" => PaymentMethodKind.Card,
            "paypal" => PaymentMethodKind.PayPal,
            "balance" => PaymentMethodKind.Balance,
            _ => null,
        };
        if (kind is null)
        {
            return ApiProblems.Invalid("invalid-payment-method", "kind is card, paypal or balance.");
        }

        var reply = await domain.BillingAsync(
            user.UserId, new AddPaymentMethod(kind.Value, request.Token, request.MakeDefault, request.MakeBackup), cancellationToken);
        return reply is PaymentMethodAccepted accepted
            ? Results.Created($"/api/contracts/{id}", new PaymentMethodCreated(accepted.MethodId))
            : ApiProblems.Unexpected(reply);
    }

    private static async Task<IResult> EndAsync(string id, HttpContext context, DomainClient domain, CancellationToken cancellationToken)
    {
        var user = context.User();
        if (await domain.ContractForPartyAsync(id, user, cancellationToken) is null)
        {
            return ApiProblems.NotFound("contract");
        }

        var reply = await domain.ContractAsync(id, new EndContract(user.UserId), cancellationToken);
        return reply is Accepted && await domain.ContractForPartyAsync(id, user, cancellationToken) is { } ended
            ? Results.Ok(ended.ToApi())
            : ApiProblems.Unexpected(reply);
    }

    private static async Task<IResult> LedgerAsync(string id, HttpContext context, DomainClient domain, CancellationToken cancellationToken)
    {
        if (await domain.ContractForPartyAsync(id, context.User(), cancellationToken) is null)
        {
            return ApiProblems.NotFound("contract");
        }

        var reply = await domain.ContractAsync(id, new GetLedger(), cancellationToken);
        return reply is ContractLedger ledger ? Results.Ok(ledger.ToApi()) : ApiProblems.Unexpected(reply);
    }
}
