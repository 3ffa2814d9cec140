using System.Globalization;
using System.Text;
using LiveTracker.Actors.Billing;
using LiveTracker.Actors.Contracts;
using LiveTracker.Web.Api;
using LiveTracker.Web.Security;

namespace LiveTracker.Web.Endpoints;

/// <summary>Weekly timesheets (JSON and CSV), disputes and their resolution, and paying a failed week by hand.</summary>
public static class TimesheetEndpoints
{
    public static IEndpointRouteBuilder MapTimesheetEndpoints(this IEndpointRouteBuilder endpoints)
    {
        var timesheets = endpoints.MapGroup("/api/contracts/{id}/timesheets").RequireAuthorization(Policies.SignedIn).WithTags("Timesheets");
        timesheets.MapGet("/{week}.csv", CsvAsync);
        timesheets.MapGet("/{week}", GetAsync);
        timesheets.MapPost("/{week}/disputes", DisputeAsync).RequireAuthorization(Policies.Client);
        timesheets.MapPost("/{week}/pay", PayAsync).RequireAuthorization(Policies.Client);
        endpoints.MapPost("/api/disputes/{disputeId}/resolve", ResolveAsync).RequireAuthorization(Policies.Operator).WithTags("Timesheets");
        return endpoints;
    }

    public sealed record DisputeRequest(List<DateTimeOffset>? SegmentStarts, string? Reason);

    public sealed record DisputeCreated(string DisputeId);

    /// <summary>For a week: the refunded segments. For a milestone: the cents released to the freelancer (the rest is refunded).</summary>
    public sealed record ResolveRequest(List<DateTimeOffset>? RefundSegmentStarts, long? ReleaseCents, string? Note);

    private static async Task<IResult> GetAsync(string id, string week, HttpContext context, DomainClient domain, CancellationToken cancellationToken)
    {
        if (await domain.ContractForPartyAsync(id, context.User(), cancellationToken) is null)
        {
            return ApiProblems.NotFound("contract");
        }

        if (!ApiIds.TryParseWeek(week, out var isoWeek))
        {
            return ApiProblems.Invalid("invalid-week", "A week is written like 2026-W47 (years 2000 to 2099).");
        }

        var reply = await domain.ContractAsync(id, new GetTimesheet(isoWeek), cancellationToken);
        return reply is TimesheetView view ? Results.Ok(view.ToApi()) : ApiProblems.Unexpected(reply);
    }

    private static async Task<IResult> CsvAsync(string id, string week, HttpContext context, DomainClient domain, CancellationToken cancellationToken)
    {
        if (await domain.ContractForPartyAsync(id, context.User(), cancellationToken) is not { } contract)
        {
            return ApiProblems.NotFound("contract");
        }

        if (!ApiIds.TryParseWeek(week, out var isoWeek))
        {
            return ApiProblems.Invalid("invalid-week", "A week is written like 2026-W47 (years 2000 to 2099).");
        }

        var diary = await domain.WeekAsync(id, isoWeek, new GetDiary(), cancellationToken);
        if (diary is not WeekDiary weekDiary || weekDiary.Week != isoWeek)
        {
            return diary is Rejected rejected ? ApiProblems.From(rejected) : ApiProblems.NotFound("week");
        }

        var csv = new StringBuilder("segment_start_utc,status,billable,unprotected,active_minutes,keystrokes,mouse_clicks,scrolls,memo,activity_label,app_name,window_title\n");
        foreach (var s in weekDiary.Segments)
        {
            csv.AppendJoin(',', [
                s.Start.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture), ApiModels.Kebab(s.Status),
                s.Billable ? "yes" : "no", s.Unprotected ? "yes" : "no", s.ActiveMinutes.ToString(CultureInfo.InvariantCulture),
                s.Activity.Sum(a => a.Keystrokes).ToString(CultureInfo.InvariantCulture), s.Activity.Sum(a => a.MouseClicks).ToString(CultureInfo.InvariantCulture),
                s.Activity.Sum(a => a.Scrolls).ToString(CultureInfo.InvariantCulture), Field(s.Memo), Field(s.ActivityLabel), Field(s.AppName), Field(s.WindowTitle)]);
            csv.Append('\n');
        }

        return Results.File(
            Encoding.UTF8.GetBytes(csv.ToString()), "text/csv; charset=utf-8", $"timesheet-{contract.ContractId}-{isoWeek}.csv");
    }

    /// <summary>RFC 4180 quoting; a leading = + - @ is neutralised so a spreadsheet never runs a memo as a formula.</summary>
    private static string Field(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return string.Empty;
        }

        var safe = value[0] is '=' or '+' or '-' or '@' ? "'" + value : value;
        return "\"" + safe.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
    }

    private static async Task<IResult> DisputeAsync(
        string id, string week, DisputeRequest request, HttpContext context, DomainClient domain, CancellationToken cancellationToken)
    {
        var user = context.User();
        if (await domain.ContractForPartyAsync(id, user, cancellationToken) is null)
        {
            return ApiProblems.NotFound("contract");
        }

        if (!ApiIds.TryParseWeek(week, out var isoWeek))
        {
            return ApiProblems.Invalid("invalid-week", "A week is written like 2026-W47 (years 2000 to 2099).");
        }

        var reply = await domain.ContractAsync(
            id, new DisputeTimesheet(user.UserId, isoWeek, [.. (request.SegmentStarts ?? []).Select(s => s.ToUniversalTime())], request.Reason ?? string.Empty),
            cancellationToken);
        return reply is DisputeOpened opened
            ? Results.Created($"/api/contracts/{id}/timesheets/{isoWeek}", new DisputeCreated(opened.DisputeId))
            : ApiProblems.Unexpected(reply);
    }

    private static async Task<IResult> PayAsync(string id, string week, HttpContext context, DomainClient domain, CancellationToken cancellationToken)
    {
        var user = context.User();
        if (await domain.ContractForPartyAsync(id, user, cancellationToken) is null)
        {
            return ApiProblems.NotFound("contract");
        }

        if (!ApiIds.TryParseWeek(week, out var isoWeek))
        {
            return ApiProblems.Invalid("invalid-week", "A week is written like 2026-W47 (years 2000 to 2099).");
        }

        var reply = await domain.ContractAsync(id, new PayTimesheet(user.UserId, isoWeek), cancellationToken);
        return reply is Accepted && await domain.ContractAsync(id, new GetTimesheet(isoWeek), cancellationToken) is TimesheetView view
            ? Results.Ok(view.ToApi())
            : ApiProblems.Unexpected(reply);
    }

    private static async Task<IResult> ResolveAsync(string disputeId, ResolveRequest request, DomainClient domain, CancellationToken cancellationToken)
    {
        // A dispute id is the contract's id, "~d" and a number: the contract that holds it is known without an index.
        var separator = disputeId.LastIndexOf("~d", StringComparison.Ordinal);
        if (!ApiIds.IsValid(disputeId) || separator <= 0)
        {
            return ApiProblems.NotFound("dispute");
        }

        var contractId = disputeId[..separator];
        object command = request.ReleaseCents is { } release
            ? new ResolveMilestoneDispute(disputeId, release, request.Note ?? string.Empty)
            : new ResolveTimesheetDispute(disputeId, [.. (request.RefundSegmentStarts ?? []).Select(s => s.ToUniversalTime())], request.Note ?? string.Empty);
        var reply = await domain.ContractAsync(contractId, command, cancellationToken);
        return reply switch
        {
            Accepted => Results.Ok(),
            MilestoneView milestone => Results.Ok(milestone.ToApi()),
            _ => ApiProblems.Unexpected(reply),
        };
    }
}
