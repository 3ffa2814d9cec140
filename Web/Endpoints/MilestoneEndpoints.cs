using LiveTracker.Actors.Contracts;
using LiveTracker.Web.Api;
using LiveTracker.Web.Security;

namespace LiveTracker.Web.Endpoints;

/// <summary>Fixed-price milestones: add and list on the contract; fund, submit, approve, request changes, dispute by id.</summary>
public static class MilestoneEndpoints
{
    public static IEndpointRouteBuilder MapMilestoneEndpoints(this IEndpointRouteBuilder endpoints)
    {
        var onContract = endpoints.MapGroup("/api/contracts/{id}/milestones").RequireAuthorization(Policies.SignedIn).WithTags("Milestones");
        onContract.MapPost("", AddAsync).RequireAuthorization(Policies.Client);
        onContract.MapGet("", ListAsync);
        var milestones = endpoints.MapGroup("/api/milestones/{milestoneId}").RequireAuthorization(Policies.SignedIn).WithTags("Milestones");
        milestones.MapPost("/fund", (string milestoneId, HttpContext c, DomainClient d, CancellationToken t) =>
            ActAsync(milestoneId, c, d, user => new FundMilestone(user, milestoneId), t));
        milestones.MapPost("/submit", (string milestoneId, MessageRequest? body, HttpContext c, DomainClient d, CancellationToken t) =>
            ActAsync(milestoneId, c, d, user => new SubmitMilestone(user, milestoneId, body?.Message ?? string.Empty), t));
        milestones.MapPost("/approve", (string milestoneId, HttpContext c, DomainClient d, CancellationToken t) =>
            ActAsync(milestoneId, c, d, user => new ApproveMilestone(user, milestoneId), t));
        milestones.MapPost("/request-changes", (string milestoneId, MessageRequest? body, HttpContext c, DomainClient d, CancellationToken t) =>
            ActAsync(milestoneId, c, d, user => new RequestMilestoneChanges(user, milestoneId, body?.Message ?? string.Empty), t));
        milestones.MapPost("/dispute", (string milestoneId, ReasonRequest? body, HttpContext c, DomainClient d, CancellationToken t) =>
            ActAsync(milestoneId, c, d, user => new DisputeMilestone(user, milestoneId, body?.Reason ?? string.Empty), t));
        return endpoints;
    }

    public sealed record AddMilestoneRequest(string? Title, long AmountCents, DateOnly? DueDate);

    public sealed record MilestoneCreated(string MilestoneId);

    public sealed record MessageRequest(string? Message);

    public sealed record ReasonRequest(string? Reason);

    private static async Task<IResult> AddAsync(string id, AddMilestoneRequest request, HttpContext context, DomainClient domain, CancellationToken cancellationToken)
    {
        var user = context.User();
        if (await domain.ContractForPartyAsync(id, user, cancellationToken) is null)
        {
            return ApiProblems.NotFound("contract");
        }

        var reply = await domain.ContractAsync(id, new AddMilestone(user.UserId, request.Title ?? string.Empty, request.AmountCents, request.DueDate), cancellationToken);
        return reply is MilestoneView view
            ? Results.Created($"/api/milestones/{view.MilestoneId}", new MilestoneCreated(view.MilestoneId))
            : ApiProblems.Unexpected(reply);
    }

    private static async Task<IResult> ListAsync(string id, HttpContext context, DomainClient domain, CancellationToken cancellationToken)
    {
        if (await domain.ContractForPartyAsync(id, context.User(), cancellationToken) is null)
        {
            return ApiProblems.NotFound("contract");
        }

        var reply = await domain.ContractAsync(id, new GetMilestones(), cancellationToken);
        return reply is List<MilestoneView> list ? Results.Ok(list.Select(m => m.ToApi()).ToList()) : ApiProblems.Unexpected(reply);
    }

    /// <summary>A milestone id is its contract's id, "~m" and a number; only the contract's parties reach it.</summary>
    private static async Task<IResult> ActAsync(
        string milestoneId, HttpContext context, DomainClient domain, Func<string, object> command, CancellationToken cancellationToken)
    {
        var user = context.User();
        var separator = milestoneId.LastIndexOf("~m", StringComparison.Ordinal);
        if (separator <= 0 || await domain.ContractForPartyAsync(milestoneId[..separator], user, cancellationToken) is null)
        {
            return ApiProblems.NotFound("milestone");
        }

        var reply = await domain.ContractAsync(milestoneId[..separator], command(user.UserId), cancellationToken);
        return reply is MilestoneView view ? Results.Ok(view.ToApi()) : ApiProblems.Unexpected(reply);
    }
}
