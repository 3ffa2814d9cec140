using LiveTracker.Actors.Billing;
using LiveTracker.Actors.Configuration;
using LiveTracker.Actors.Contracts;
using LiveTracker.Actors.Sessions;
using LiveTracker.Web.Api;
using LiveTracker.Web.Security;

namespace LiveTracker.Web.Endpoints;

/// <summary>The agent's side: tracking on/off, memo, per-minute activity, and the three views of time.</summary>
public static class TrackingEndpoints
{
    public static IEndpointRouteBuilder MapTrackingEndpoints(this IEndpointRouteBuilder endpoints)
    {
        var contract = endpoints.MapGroup("/api/contracts/{id}").RequireAuthorization(Policies.Freelancer).WithTags("Tracking");
        contract.MapPost("/tracking/start", StartAsync);
        contract.MapPost("/tracking/stop", StopAsync);
        contract.MapPut("/tracking/memo", MemoAsync);
        contract.MapPost("/activity", ActivityAsync);
        endpoints.MapGet("/api/me/tracking", MyTrackingAsync).RequireAuthorization(Policies.Freelancer).WithTags("Tracking");
        return endpoints;
    }

    public sealed record StartRequest(string? Memo, string? ActivityLabel, string? DeviceId, bool TakeOver = false);

    public sealed record StartResponse(string SessionId);

    public sealed record StopRequest(string? DeviceId);

    public sealed record MemoRequest(string? Memo, string? ActivityLabel);

    public sealed record ActivityItem(DateTimeOffset MinuteUtc, int Keystrokes, int MouseClicks, int Scrolls, string? AppName, string? WindowTitle);

    public sealed record MyTracking(
        bool Active, string? ContractId, string? DeviceId, string? Memo, string? ActivityLabel, DateTimeOffset? SessionStartedAt,
        string? LastStopReason, int TodayMinutes, int WeekMinutes, long WeekAmountCents);

    private static async Task<IResult> StartAsync(string id, StartRequest request, HttpContext context, DomainClient domain, CancellationToken cancellationToken)
    {
        var user = context.User();
        if (await domain.ContractForPartyAsync(id, user, cancellationToken) is not { } view)
        {
            return ApiProblems.NotFound("contract");
        }

        if (string.IsNullOrWhiteSpace(request.DeviceId) || request.DeviceId.Length > 100)
        {
            return ApiProblems.Invalid("invalid-device", "deviceId names the computer tracking (1 to 100 characters).");
        }

        if (request.Memo is null || request.Memo.Length > 1000 || request.ActivityLabel?.Length > 100)
        {
            return ApiProblems.Invalid("invalid-memo", "memo (what you are working on) is required, at most 1000 characters.");
        }

        var reply = await domain.ContractAsync(
            view.ContractId, new StartContractTracking(user.UserId, request.DeviceId, request.Memo, request.ActivityLabel, request.TakeOver), cancellationToken);
        return reply is TrackingSession session ? Results.Ok(new StartResponse(session.SessionId)) : ApiProblems.Unexpected(reply);
    }

    private static async Task<IResult> StopAsync(string id, StopRequest? request, HttpContext context, DomainClient domain, CancellationToken cancellationToken)
    {
        var user = context.User();
        if (await domain.ContractForPartyAsync(id, user, cancellationToken) is null)
        {
            return ApiProblems.NotFound("contract");
        }

        // Without a device: the session on this contract, wherever it runs.
        var tracking = await domain.TrackerAsync(user.UserId, new GetTracking(), cancellationToken) as TrackingView;
        var device = request?.DeviceId ?? (tracking?.ContractId == id ? tracking.DeviceId : null);
        if (device is null)
        {
            return Results.Ok();
        }

        var reply = await domain.TrackerAsync(user.UserId, new StopTracking(device), cancellationToken);
        return reply is Accepted ? Results.Ok() : ApiProblems.Unexpected(reply);
    }

    private static async Task<IResult> MemoAsync(string id, MemoRequest request, HttpContext context, DomainClient domain, CancellationToken cancellationToken)
    {
        var user = context.User();
        if (await domain.ContractForPartyAsync(id, user, cancellationToken) is null)
        {
            return ApiProblems.NotFound("contract");
        }

        if (request.Memo is null || request.Memo.Length > 1000 || request.ActivityLabel?.Length > 100)
        {
            return ApiProblems.Invalid("invalid-memo", "memo is required, at most 1000 characters.");
        }

        if (await domain.TrackerAsync(user.UserId, new GetTracking(), cancellationToken) is not TrackingView { Active: true } tracking
            || tracking.ContractId != id)
        {
            return ApiProblems.Problem(StatusCodes.Status409Conflict, "not-tracking", "Tracking is off on this contract.");
        }

        var reply = await domain.TrackerAsync(user.UserId, new ChangeMemo(request.Memo, request.ActivityLabel), cancellationToken);
        return reply is Accepted ? Results.Ok() : ApiProblems.Unexpected(reply);
    }

    /// <summary>
    /// While tracking on this contract the minutes go through the tracker (idleness is judged there); minutes
    /// an agent uploads late from its outbox, after tracking stopped, go straight to the contract's weeks.
    /// </summary>
    private static async Task<IResult> ActivityAsync(
        string id, List<ActivityItem> items, HttpContext context, DomainClient domain, CancellationToken cancellationToken)
    {
        var user = context.User();
        if (await domain.ContractForPartyAsync(id, user, cancellationToken) is null)
        {
            return ApiProblems.NotFound("contract");
        }

        if (items is null or { Count: 0 or > 1440 } || items.Any(i => i is null))
        {
            return ApiProblems.Invalid("invalid-activity", "Send 1 to 1440 minutes of activity.");
        }

        var minutes = items.Select(i => new ActivityMinute(i.MinuteUtc.ToUniversalTime(), i.Keystrokes, i.MouseClicks, i.Scrolls)).ToList();
        var tracking = await domain.TrackerAsync(user.UserId, new GetTracking(), cancellationToken) as TrackingView;
        var reply = tracking is { Active: true } && tracking.ContractId == id
            ? await domain.TrackerAsync(user.UserId, new ReportActivity(tracking.DeviceId!, minutes, id), cancellationToken)
            : null;
        // Not (or no longer: stopped or switched since the look above) tracking on this contract: straight to its weeks.
        if (reply is null or Rejected { Code: "not-tracking" })
        {
            reply = await domain.ContractAsync(id, new RecordTrackedActivity(minutes), cancellationToken);
        }
        return reply is Accepted ? Results.Accepted() : ApiProblems.Unexpected(reply);
    }

    private static async Task<IResult> MyTrackingAsync(
        string? contractId, HttpContext context, DomainClient domain, LiveTrackerSettings settings, TimeProvider time, CancellationToken cancellationToken)
    {
        var user = context.User();
        var tracking = await domain.TrackerAsync(user.UserId, new GetTracking(), cancellationToken) as TrackingView;
        var shown = contractId ?? (tracking?.Active == true ? tracking.ContractId : null);
        var (today, week, amount) = (0, 0, 0L);
        if (shown is not null && await domain.ContractForPartyAsync(shown, user, cancellationToken) is not null)
        {
            var now = time.GetUtcNow();
            var day = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(now, settings.Domain.WeekZone).DateTime);
            if (await domain.ContractAsync(shown, new ForWeek(now, new GetTotals(day)), cancellationToken) is WeekTotals totals)
            {
                (today, week, amount) = (totals.DayBillableMinutes, totals.WeekBillableMinutes, totals.WeekAmountCents);
            }
        }

        var active = tracking?.Active == true;
        return Results.Ok(new MyTracking(
            active, active ? tracking!.ContractId : null, active ? tracking!.DeviceId : null, active ? tracking!.Memo : null,
            active ? tracking!.ActivityLabel : null, active ? tracking!.StartedAt : null, tracking?.LastStopReason, today, week, amount));
    }
}
