using LiveTracker.Actors.Billing;
using LiveTracker.Actors.Contracts;
using LiveTracker.Web.Api;
using LiveTracker.Web.Security;

namespace LiveTracker.Web.Endpoints;

/// <summary>The Work Diary: a day's segments, and what each party may do to them.</summary>
public static class DiaryEndpoints
{
    public static IEndpointRouteBuilder MapDiaryEndpoints(this IEndpointRouteBuilder endpoints)
    {
        var contract = endpoints.MapGroup("/api/contracts/{id}").RequireAuthorization(Policies.SignedIn).WithTags("Work Diary");
        contract.MapGet("/diary", DayAsync);
        contract.MapPut("/segments/{segmentStart}/memo", EditMemoAsync).RequireAuthorization(Policies.Freelancer);
        contract.MapPost("/manual-time", ManualTimeAsync).RequireAuthorization(Policies.Freelancer);
        var screenshots = endpoints.MapGroup("/api/screenshots/{captureId}").RequireAuthorization(Policies.SignedIn).WithTags("Work Diary");
        screenshots.MapDelete("", (string captureId, HttpContext c, DomainClient d, CancellationToken t) =>
            OnCaptureAsync(captureId, c, d, freelancer: true, new DeleteCapture(captureId), Results.NoContent(), t));
        screenshots.MapPost("/reject", (string captureId, ReasonRequest? body, HttpContext c, DomainClient d, CancellationToken t) =>
            string.IsNullOrWhiteSpace(body?.Reason) || body.Reason.Length > 2000
                ? Task.FromResult(ApiProblems.Invalid("invalid-reason", "Say why the screenshot is not your work (at most 2000 characters)."))
                : OnCaptureAsync(captureId, c, d, freelancer: false, new RejectCapture(captureId, body.Reason), Results.Ok(), t));
        screenshots.MapPost("/review-request", (string captureId, MessageRequest? body, HttpContext c, DomainClient d, CancellationToken t) =>
            OnCaptureAsync(captureId, c, d, freelancer: true, new RequestReview(captureId, body?.Message ?? string.Empty), Results.Ok(), t));
        screenshots.MapPut("/comment", (string captureId, CommentRequest? body, HttpContext c, DomainClient d, CancellationToken t) =>
            body?.Comment is not { Length: <= 2000 } comment
                ? Task.FromResult(ApiProblems.Invalid("invalid-comment", "A comment has at most 2000 characters."))
                : OnCaptureAsync(captureId, c, d, freelancer: true, new CommentOnCapture(captureId, comment), Results.Ok(), t));
        return endpoints;
    }

    public sealed record ReasonRequest(string? Reason);

    public sealed record MessageRequest(string? Message);

    public sealed record CommentRequest(string? Comment);

    public sealed record MemoRequest(string? Memo, string? ActivityLabel);

    public sealed record ManualTimeRequest(DateTimeOffset From, DateTimeOffset To, string? Memo);

    public sealed record MinuteResponse(DateTimeOffset MinuteUtc, int Keystrokes, int MouseClicks, int Scrolls);

    public sealed record ScreenshotResponse(string Id, DateTimeOffset? CapturedAt, string Url, string ThumbUrl, bool Black, bool ReviewRequested);

    public sealed record CameraResponse(string Id, string Url, string ThumbUrl);

    public sealed record SegmentResponse(
        DateTimeOffset SegmentStart, string Status, bool Billable, bool Unprotected, int ActiveMinutes, IReadOnlyList<MinuteResponse> Activity,
        string? Memo, string? ActivityLabel, string? Comment, string? AppName, string? WindowTitle, ScreenshotResponse? Screenshot, CameraResponse? Camera);

    public sealed record DayResponse(string ContractId, DateOnly Date, int SegmentMinutes, IReadOnlyList<SegmentResponse> Segments);

    /// <summary>The segments of one UTC day; a day may touch two weeks (a week zone other than UTC), both are read.</summary>
    private static async Task<IResult> DayAsync(string id, string? date, HttpContext context, DomainClient domain, CancellationToken cancellationToken)
    {
        if (await domain.ContractForPartyAsync(id, context.User(), cancellationToken) is not { } contract)
        {
            return ApiProblems.NotFound("contract");
        }

        if (!DateOnly.TryParseExact(date, "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out var day)
            || !ApiIds.IsPlausibleDay(day))
        {
            return ApiProblems.Invalid("invalid-date", "date is a UTC day written like 2026-11-16 (years 2000 to 2099).");
        }

        var from = new DateTimeOffset(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        var to = from.AddDays(1);
        var segments = new Dictionary<DateTimeOffset, SegmentResponse>();
        foreach (var at in new[] { from, to.AddTicks(-1) })
        {
            var reply = await domain.ContractAsync(id, new ForWeek(at, new GetDiary()), cancellationToken);
            if (reply is not WeekDiary diary)
            {
                return ApiProblems.Unexpected(reply);
            }

            foreach (var s in diary.Segments.Where(s => s.Start >= from && s.Start < to))
            {
                segments[s.Start] = ToApi(s, contract.SegmentMinutes);
            }
        }

        return Results.Ok(new DayResponse(id, day, contract.SegmentMinutes, [.. segments.Values.OrderBy(s => s.SegmentStart)]));
    }

    private static SegmentResponse ToApi(DiarySegment s, int segmentMinutes)
    {
        var byMinute = s.Activity.ToDictionary(a => a.MinuteUtc);
        var minutes = Enumerable.Range(0, segmentMinutes)
            .Select(m => s.Start.AddMinutes(m))
            .Select(m => byMinute.TryGetValue(m, out var a) ? new MinuteResponse(m, a.Keystrokes, a.MouseClicks, a.Scrolls) : new MinuteResponse(m, 0, 0, 0))
            .ToList();
        return new SegmentResponse(
            s.Start, ApiModels.Kebab(s.Status), s.Billable, s.Unprotected, s.ActiveMinutes, minutes, s.Memo, s.ActivityLabel, s.Comment, s.AppName,
            s.WindowTitle,
            s.ScreenCaptureId is { } screen
                ? new ScreenshotResponse(screen, s.ScreenCapturedAt, $"/api/screenshots/{screen}", $"/api/screenshots/{screen}/thumb", s.Black, s.ReviewRequested)
                : null,
            s.CameraCaptureId is { } camera ? new CameraResponse(camera, $"/api/screenshots/{camera}", $"/api/screenshots/{camera}/thumb") : null);
    }

    private static async Task<IResult> EditMemoAsync(
        string id, string segmentStart, MemoRequest request, HttpContext context, DomainClient domain, CancellationToken cancellationToken)
    {
        if (await domain.ContractForPartyAsync(id, context.User(), cancellationToken) is null)
        {
            return ApiProblems.NotFound("contract");
        }

        if (!DateTimeOffset.TryParse(segmentStart, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var start))
        {
            return ApiProblems.Invalid("invalid-segment", "segmentStart is an ISO-8601 UTC time like 2026-11-16T09:10:00Z.");
        }

        if (request.Memo is null || request.Memo.Length > 1000 || request.ActivityLabel?.Length > 100)
        {
            return ApiProblems.Invalid("invalid-memo", "memo is required, at most 1000 characters.");
        }

        start = start.ToUniversalTime();
        var reply = await domain.ContractAsync(id, new ForWeek(start, new EditMemo(start, request.Memo, request.ActivityLabel)), cancellationToken);
        return reply is Accepted ? Results.Ok() : ApiProblems.Unexpected(reply);
    }

    private static async Task<IResult> ManualTimeAsync(string id, ManualTimeRequest request, HttpContext context, DomainClient domain, CancellationToken cancellationToken)
    {
        if (await domain.ContractForPartyAsync(id, context.User(), cancellationToken) is null)
        {
            return ApiProblems.NotFound("contract");
        }

        if (request.To - request.From > TimeSpan.FromDays(1) || request.Memo?.Length > 1000)
        {
            return ApiProblems.Invalid("invalid-manual-time", "Manual time spans at most a day, with a memo of at most 1000 characters.");
        }

        var (from, to) = (request.From.ToUniversalTime(), request.To.ToUniversalTime());
        var reply = await domain.ContractAsync(id, new ForWeek(from, new AddManualTime(from, to, request.Memo ?? string.Empty)), cancellationToken);
        return reply is Accepted ? Results.Created($"/api/contracts/{id}/diary?date={from:yyyy-MM-dd}", null) : ApiProblems.Unexpected(reply);
    }

    /// <summary>A capture's contract and week come from its id; only parties reach it, and only the right one may act.</summary>
    private static async Task<IResult> OnCaptureAsync(
        string captureId, HttpContext context, DomainClient domain, bool freelancer, object command, IResult success,
        CancellationToken cancellationToken)
    {
        var user = context.User();
        if (!CaptureIds.TryParse(captureId, out var contractId, out var week)
            || await domain.ContractForPartyAsync(contractId, user, cancellationToken) is not { } contract)
        {
            return ApiProblems.NotFound("screenshot");
        }

        if ((freelancer ? contract.FreelancerId : contract.ClientId) != user.UserId)
        {
            return ApiProblems.Forbidden(freelancer ? "Only the contract's freelancer can do this." : "Only the contract's client can do this.");
        }

        var reply = await domain.WeekAsync(contractId, week, command, cancellationToken);
        return reply is Accepted ? success : ApiProblems.Unexpected(reply);
    }
}
