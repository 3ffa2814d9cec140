using System.Text.Json;
using LiveTracker.Actors.Configuration;
using LiveTracker.Actors.Contracts;
using LiveTracker.Actors.Sessions;
using LiveTracker.Web.Api;
using LiveTracker.Web.Media;
using LiveTracker.Web.Security;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;

namespace LiveTracker.Web.Endpoints;

/// <summary>
/// Screenshot uploads (multipart: <c>image</c>, optional <c>thumbnail</c>, <c>meta</c> JSON) and serving the
/// images to the contract's parties. The bytes decide what an upload is; blobs are stored content-addressed
/// before the capture is recorded, and a repeated idempotency key answers the first capture.
/// </summary>
public static class ScreenshotEndpoints
{
    public const string UploadRateLimit = "uploads";
    private const long MaxMetaBytes = 16 * 1024;
    private const long MaxThumbnailBytes = 1024 * 1024;

    public static IEndpointRouteBuilder MapScreenshotEndpoints(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost("/api/contracts/{id}/screenshots", UploadAsync)
            .RequireAuthorization(Policies.Freelancer).RequireRateLimiting(UploadRateLimit).DisableAntiforgery().WithTags("Work Diary");
        var screenshots = endpoints.MapGroup("/api/screenshots/{captureId}").RequireAuthorization(Policies.SignedIn).WithTags("Work Diary");
        screenshots.MapGet("", (string captureId, HttpContext c, DomainClient d, BlobStore b, CancellationToken t) =>
            ServeAsync(captureId, thumbnail: false, c, d, b, t));
        screenshots.MapGet("/thumb", (string captureId, HttpContext c, DomainClient d, BlobStore b, CancellationToken t) =>
            ServeAsync(captureId, thumbnail: true, c, d, b, t));
        return endpoints;
    }

    public sealed record UploadMeta(
        DateTimeOffset? CapturedAt, string? IdempotencyKey, string? Comment, string? AppName, string? WindowTitle, string? Kind, bool Black = false,
        string? Memo = null, string? ActivityLabel = null);

    public sealed record UploadResponse(string ScreenshotId, DateTimeOffset SegmentStart);

    private static async Task<IResult> UploadAsync(
        string id, HttpContext context, DomainClient domain, ImageInspector inspector, Thumbnailer thumbnailer, BlobStore blobs,
        LiveTrackerSettings settings, CancellationToken cancellationToken)
    {
        var user = context.User();
        if (await domain.ContractForPartyAsync(id, user, cancellationToken) is null)
        {
            return ApiProblems.NotFound("contract");
        }

        var boundary = MediaTypeHeaderValue.TryParse(context.Request.ContentType, out var type) && type.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase)
            ? HeaderUtilities.RemoveQuotes(type.Boundary).Value
            : null;
        if (string.IsNullOrEmpty(boundary) || boundary.Length > 200)
        {
            return ApiProblems.Invalid("invalid-upload", "Send multipart/form-data with an image part and a meta part.");
        }

        byte[]? image = null;
        byte[]? thumbnail = null;
        UploadMeta? meta = null;
        var reader = new MultipartReader(boundary, context.Request.Body) { HeadersLengthLimit = 16 * 1024 };
        try
        {
            while (await reader.ReadNextSectionAsync(cancellationToken) is { } section)
            {
                var name = ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition)
                    ? HeaderUtilities.RemoveQuotes(disposition.Name).Value
                    : null;
                switch (name)
                {
                    case "image":
                        var body = await UploadBody.ReadAsync(section.Body, settings.Domain.MaxScreenshotBytes, cancellationToken);
                        if (body.TooLarge)
                        {
                            return ApiProblems.Problem(StatusCodes.Status413PayloadTooLarge, MediaProblems.ImageTooLarge, $"A screenshot is at most {settings.Domain.MaxScreenshotBytes} bytes.");
                        }

                        image = body.Bytes;
                        break;
                    case "thumbnail":
                        var thumb = await UploadBody.ReadAsync(section.Body, MaxThumbnailBytes, cancellationToken);
                        if (thumb.TooLarge)
                        {
                            return ApiProblems.Problem(StatusCodes.Status413PayloadTooLarge, MediaProblems.ImageTooLarge, "A thumbnail is at most 1 MiB.");
                        }

                        thumbnail = thumb.Bytes;
                        break;
                    case "meta":
                        var json = await UploadBody.ReadAsync(section.Body, MaxMetaBytes, cancellationToken);
                        meta = json.TooLarge || json.Bytes is null ? null : JsonSerializer.Deserialize<UploadMeta>(json.Bytes, ApiJson.Options);
                        break;
                }
            }
        }
        catch (Exception ex) when (ex is IOException or InvalidDataException or JsonException or BadHttpRequestException)
        {
            return ApiProblems.Invalid("invalid-upload", "The multipart body or its meta JSON could not be read: " + ex.Message);
        }

        if (meta is not { CapturedAt: { } capturedAt, IdempotencyKey: { Length: > 0 and <= 200 } key }
            || meta.Kind?.ToLowerInvariant() is not (null or "screen" or "camera")
            || meta.Comment?.Length > 2000 || meta.AppName?.Length > 200 || meta.WindowTitle?.Length > 1000)
        {
            return ApiProblems.Invalid("invalid-meta", "meta needs capturedAt and an idempotencyKey (1-200 characters); kind is screen or camera.");
        }

        if (image is null)
        {
            return ApiProblems.Problem(StatusCodes.Status422UnprocessableEntity, MediaProblems.InvalidImage, "The upload has no image part.");
        }

        // One decode per image: without the agent's thumbnail, making one is the upload's check.
        byte[] thumbBytes;
        if (thumbnail is not null)
        {
            var check = inspector.Inspect(image);
            if (!check.Ok)
            {
                return InvalidImage(check);
            }

            var thumbCheck = thumbnailer.CheckAgentThumbnail(thumbnail);
            if (!thumbCheck.Ok)
            {
                return ApiProblems.Problem(MediaProblems.StatusCode(thumbCheck.Code!), thumbCheck.Code!, thumbCheck.Detail ?? "The thumbnail is not a small image.");
            }

            thumbBytes = thumbnail;
        }
        else
        {
            var made = thumbnailer.Create(image);
            if (!made.Ok)
            {
                return InvalidImage(made.Check);
            }

            thumbBytes = made.Jpeg!;
        }

        var stored = await blobs.PutAsync(image, cancellationToken);
        var storedThumb = await blobs.PutAsync(thumbBytes, cancellationToken);

        // An upload without a memo gets the one the freelancer is tracking with.
        var (memo, label) = (meta.Memo, meta.ActivityLabel);
        if (memo is null && await domain.TrackerAsync(user.UserId, new GetTracking(), cancellationToken) is TrackingView { Active: true } tracking
            && tracking.ContractId == id)
        {
            (memo, label) = (tracking.Memo, label ?? tracking.ActivityLabel);
        }

        var at = capturedAt.ToUniversalTime();
        var reply = await domain.ContractAsync(id, new ForWeek(at, new RecordCapture(
            key, at, meta.Kind?.ToLowerInvariant() == "camera" ? CaptureKind.Camera : CaptureKind.Screen, stored.Key.Value, image.LongLength, meta.Black,
            meta.AppName, meta.WindowTitle, meta.Comment, memo, label, storedThumb.Key.Value)), cancellationToken);
        return reply switch
        {
            CaptureAccepted { Duplicate: true } same => Results.Ok(new UploadResponse(same.CaptureId, same.SegmentStart)),
            CaptureAccepted accepted => Results.Created($"/api/screenshots/{accepted.CaptureId}", new UploadResponse(accepted.CaptureId, accepted.SegmentStart)),
            _ => ApiProblems.Unexpected(reply),
        };
    }

    private static IResult InvalidImage(ImageCheck check) =>
        ApiProblems.Problem(MediaProblems.StatusCode(check.Code!), check.Code!, check.Detail ?? "Not a JPEG, PNG or WebP image.");

    private static async Task<IResult> ServeAsync(
        string captureId, bool thumbnail, HttpContext context, DomainClient domain, BlobStore blobs, CancellationToken cancellationToken)
    {
        if (!CaptureIds.TryParse(captureId, out var contractId, out var week)
            || await domain.ContractForPartyAsync(contractId, context.User(), cancellationToken) is null
            || await domain.WeekAsync(contractId, week, new GetCapture(captureId), cancellationToken)
                is not CaptureView { Deleted: false } capture
            || !BlobKey.TryParse(thumbnail ? capture.ThumbnailKey : capture.BlobKey, out var key)
            || await blobs.OpenReadAsync(key, cancellationToken) is not { } stream)
        {
            return ApiProblems.NotFound("screenshot");
        }

        var header = new byte[16];
        var read = await stream.ReadAsync(header, cancellationToken);
        stream.Position = 0;
        context.Response.Headers.CacheControl = "private, max-age=31536000, immutable";
        return Results.Stream(stream, ImageInspector.Sniff(header.AsSpan(0, read)).ContentType());
    }
}

/// <summary>The API's JSON settings, for bodies read by hand (multipart meta).</summary>
public static class ApiJson
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web);
}
