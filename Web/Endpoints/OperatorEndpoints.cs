using LiveTracker.Actors.Operations;
using LiveTracker.Web.Api;
using LiveTracker.Web.Security;

namespace LiveTracker.Web.Endpoints;

/// <summary>Operators' views (open disputes, support reports) and the support form every user has.</summary>
public static class OperatorEndpoints
{
    public static IEndpointRouteBuilder MapOperatorEndpoints(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/api/disputes", OpenDisputesAsync).RequireAuthorization(Policies.Operator).WithTags("Operators");
        var support = endpoints.MapGroup("/api/support/reports").WithTags("Support");
        support.MapPost("", FileReportAsync).RequireAuthorization(Policies.SignedIn).RequireRateLimiting(ScreenshotEndpoints.UploadRateLimit);
        support.MapGet("", ReportsAsync).RequireAuthorization(Policies.Operator);
        return endpoints;
    }

    public sealed record ReportRequest(string? Kind, string? Description, string? LogExcerpt);

    public sealed record ReportCreated(string ReportId);

    private static async Task<IResult> OpenDisputesAsync(DomainClient domain, CancellationToken cancellationToken)
    {
        var reply = await domain.DisputeDeskAsync(new GetOpenDisputes(), cancellationToken);
        return reply is OpenDisputes open
            ? Results.Ok(open.Disputes.Select(d => new { d.DisputeId, d.ContractId, d.Kind, d.Subject, d.Reason, d.OpenedAt }).ToList())
            : ApiProblems.Unexpected(reply);
    }

    private static async Task<IResult> FileReportAsync(ReportRequest request, HttpContext context, DomainClient domain, CancellationToken cancellationToken)
    {
        var user = context.User();
        if (request.Kind is not ("problem" or "feedback"))
        {
            return ApiProblems.Invalid("invalid-report", "kind is problem or feedback.");
        }

        if (string.IsNullOrWhiteSpace(request.Description) || request.Description.Length > 5000 || request.LogExcerpt?.Length > 64 * 1024)
        {
            return ApiProblems.Invalid("invalid-report", "A description of 1 to 5000 characters is required; a log excerpt is at most 64 KiB.");
        }

        var reportId = "rep_" + Guid.NewGuid().ToString("N");
        var reply = await domain.SupportDeskAsync(
            new FileSupportReport(reportId, user.UserId, user.Email, request.Kind, request.Description, request.LogExcerpt), cancellationToken);
        return reply is Actors.Contracts.Accepted ? Results.Created("/api/support/reports", new ReportCreated(reportId)) : ApiProblems.Unexpected(reply);
    }

    private static async Task<IResult> ReportsAsync(DomainClient domain, CancellationToken cancellationToken)
    {
        var reply = await domain.SupportDeskAsync(new GetSupportReports(), cancellationToken);
        return reply is SupportReports reports ? Results.Ok(reports.Reports) : ApiProblems.Unexpected(reply);
    }
}
