using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace LiveTracker.Agent.Server;

/// <summary>How the server answered, in the terms the agent acts on.</summary>
public enum AnswerKind
{
    /// <summary>2xx with a body that could be read.</summary>
    Ok,

    /// <summary>A 4xx refusal (problem+json code when the server sent one): resending the same thing will not help.</summary>
    Refused,

    /// <summary>401: the sign-in is gone (signed out elsewhere, token revoked).</summary>
    SignedOut,

    /// <summary>No answer: connection refused, DNS, timeout.</summary>
    Unreachable,

    /// <summary>5xx, 408 or 429: try again later.</summary>
    Busy,

    /// <summary>An answer that is not what the API promises (HTML from a proxy, truncated JSON).</summary>
    Garbage,
}

/// <summary>One answer from the server; <see cref="Message"/> is written for the freelancer.</summary>
public sealed record ServerAnswer<T>(AnswerKind Kind, T? Value, int Status, string? Code, string Message)
{
    public bool IsOk => Kind == AnswerKind.Ok;

    /// <summary>Worth sending again later unchanged.</summary>
    public bool Retry => Kind is AnswerKind.Unreachable or AnswerKind.Busy or AnswerKind.Garbage;

    public ServerAnswer<TOther> As<TOther>() => new(Kind, default, Status, Code, Message);
}

public sealed record LoginResult(string Token, string UserId, string Role);

public sealed record ContractInfo(
    string ContractId, string Title, string Kind, long HourlyRateCents, string Currency, int? WeeklyLimitMinutes, int SegmentMinutes,
    int IdleTimeoutMinutes, bool Ended);

public sealed record TrackingInfo(
    bool Active, string? ContractId, string? DeviceId, string? Memo, string? ActivityLabel, DateTimeOffset? SessionStartedAt,
    string? LastStopReason, int TodayMinutes, int WeekMinutes, long WeekAmountCents);

public sealed record ActivityItem(DateTimeOffset MinuteUtc, int Keystrokes, int MouseClicks, int Scrolls);

public sealed record CaptureMeta(
    DateTimeOffset CapturedAt, string IdempotencyKey, string? AppName, string? WindowTitle, bool Black, string? Memo, string? ActivityLabel,
    string Kind = "screen");

public sealed record UploadResult(string ScreenshotId, DateTimeOffset SegmentStart);

public sealed record SessionResult(string SessionId);

internal sealed record LoginRequest(string Email, string Password);

internal sealed record StartRequest(string Memo, string? ActivityLabel, string DeviceId, bool TakeOver);

internal sealed record StopRequest(string DeviceId);

internal sealed record MemoRequest(string Memo, string? ActivityLabel);

internal sealed record ReportRequest(string Kind, string Description, string? LogExcerpt);

public sealed record ReportResult(string ReportId);

/// <summary>
/// The public API (API.md) as the agent uses it. Every call returns a <see cref="ServerAnswer{T}"/> and never throws
/// for what a server or network can do: refused, signed out, unreachable, busy or garbage.
/// </summary>
public sealed class ServerClient : IDisposable
{
    private readonly HttpClient http;

    public ServerClient(Uri server, string? token, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(server);
        http = new HttpClient(new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(10), PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
        {
            BaseAddress = server,
            Timeout = timeout ?? TimeSpan.FromSeconds(60),
        };
        http.DefaultRequestHeaders.UserAgent.ParseAdd("livetracker-agent/1.0");
        if (token is not null)
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
    }

    public Uri Server => http.BaseAddress!;

    public Task<ServerAnswer<LoginResult>> LoginAsync(string email, string password, CancellationToken cancellationToken) =>
        SendAsync<LoginResult>(HttpMethod.Post, "/api/auth/login", Body(new LoginRequest(email, password)), cancellationToken);

    public Task<ServerAnswer<object>> LogoutAsync(CancellationToken cancellationToken) =>
        SendAsync<object>(HttpMethod.Post, "/api/auth/logout", null, cancellationToken);

    public Task<ServerAnswer<List<ContractInfo>>> ContractsAsync(CancellationToken cancellationToken) =>
        SendAsync<List<ContractInfo>>(HttpMethod.Get, "/api/contracts", null, cancellationToken);

    public Task<ServerAnswer<SessionResult>> StartAsync(
        string contractId, string memo, string? activityLabel, string deviceId, bool takeOver, CancellationToken cancellationToken) =>
        SendAsync<SessionResult>(HttpMethod.Post, $"/api/contracts/{Uri.EscapeDataString(contractId)}/tracking/start",
            Body(new StartRequest(memo, activityLabel, deviceId, takeOver)), cancellationToken);

    public Task<ServerAnswer<object>> StopAsync(string contractId, string deviceId, CancellationToken cancellationToken) =>
        SendAsync<object>(HttpMethod.Post, $"/api/contracts/{Uri.EscapeDataString(contractId)}/tracking/stop",
            Body(new StopRequest(deviceId)), cancellationToken);

    public Task<ServerAnswer<object>> MemoAsync(string contractId, string memo, string? activityLabel, CancellationToken cancellationToken) =>
        SendAsync<object>(HttpMethod.Put, $"/api/contracts/{Uri.EscapeDataString(contractId)}/tracking/memo",
            Body(new MemoRequest(memo, activityLabel)), cancellationToken);

    public Task<ServerAnswer<object>> ActivityAsync(string contractId, IReadOnlyList<ActivityItem> minutes, CancellationToken cancellationToken) =>
        SendAsync<object>(HttpMethod.Post, $"/api/contracts/{Uri.EscapeDataString(contractId)}/activity",
            Body(minutes as List<ActivityItem> ?? [.. minutes]), cancellationToken);

    public Task<ServerAnswer<TrackingInfo>> TrackingAsync(string? contractId, CancellationToken cancellationToken) =>
        SendAsync<TrackingInfo>(HttpMethod.Get,
            contractId is null ? "/api/me/tracking" : $"/api/me/tracking?contractId={Uri.EscapeDataString(contractId)}", null, cancellationToken);

    public Task<ServerAnswer<UploadResult>> UploadAsync(
        string contractId, byte[] jpeg, byte[]? thumbnail, CaptureMeta meta, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(jpeg);
        var form = new MultipartFormDataContent();
        var image = new ByteArrayContent(jpeg);
        image.Headers.ContentType = new MediaTypeHeaderValue("image/jpeg");
        form.Add(image, "image", "capture.jpg");
        if (thumbnail is not null)
        {
            var thumb = new ByteArrayContent(thumbnail);
            thumb.Headers.ContentType = new MediaTypeHeaderValue("image/jpeg");
            form.Add(thumb, "thumbnail", "thumb.jpg");
        }

        form.Add(Body(meta), "meta");
        return SendAsync<UploadResult>(HttpMethod.Post, $"/api/contracts/{Uri.EscapeDataString(contractId)}/screenshots", form, cancellationToken);
    }

    public Task<ServerAnswer<object>> DeleteScreenshotAsync(string screenshotId, CancellationToken cancellationToken) =>
        SendAsync<object>(HttpMethod.Delete, $"/api/screenshots/{Uri.EscapeDataString(screenshotId)}", null, cancellationToken);

    public Task<ServerAnswer<ReportResult>> ReportAsync(string kind, string description, string? logExcerpt, CancellationToken cancellationToken) =>
        SendAsync<ReportResult>(HttpMethod.Post, "/api/support/reports",
            Body(new ReportRequest(kind, description, logExcerpt)), cancellationToken);

    private async Task<ServerAnswer<T>> SendAsync<T>(HttpMethod method, string path, HttpContent? content, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, path) { Content = content };
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, cancellationToken);
        }
        catch (HttpRequestException e)
        {
            return new(AnswerKind.Unreachable, default, 0, null, $"Cannot reach {Server.GetLeftPart(UriPartial.Authority)}: {e.Message}");
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new(AnswerKind.Unreachable, default, 0, null, $"{Server.GetLeftPart(UriPartial.Authority)} did not answer in {http.Timeout.TotalSeconds:0} s.");
        }

        using (response)
        {
            var status = (int)response.StatusCode;
            string body;
            try
            {
                body = await response.Content.ReadAsStringAsync(cancellationToken);
            }
            catch (HttpRequestException e)
            {
                return new(AnswerKind.Unreachable, default, status, null, $"The answer from the server broke off: {e.Message}");
            }

            if (response.IsSuccessStatusCode)
            {
                // An answer without a body must have none, and anything else must be JSON: a captive portal's or a
                // misconfigured proxy's "200 OK" page is not the server having accepted the work.
                var json = IsJson(response);
                if (typeof(T) == typeof(object))
                {
                    return body.Length == 0 || json ? new(AnswerKind.Ok, default, status, null, "ok") : Garbage<T>(status, body);
                }

                if (!json)
                {
                    return Garbage<T>(status, body);
                }

                try
                {
                    return JsonSerializer.Deserialize(body, AgentJson.Info<T>()) is { } value
                        ? new(AnswerKind.Ok, value, status, null, "ok")
                        : Garbage<T>(status, body);
                }
                catch (JsonException)
                {
                    return Garbage<T>(status, body);
                }
            }

            var (code, detail) = ReadProblem(response, body);
            var kind = response.StatusCode switch
            {
                HttpStatusCode.Unauthorized => AnswerKind.SignedOut,
                HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests => AnswerKind.Busy,
                _ when status >= 500 => AnswerKind.Busy,
                _ => AnswerKind.Refused,
            };
            var message = kind switch
            {
                AnswerKind.SignedOut => "The server no longer accepts this sign-in (signed out or revoked): run `livetracker-agent login` again.",
                AnswerKind.Busy => $"The server is unavailable right now (HTTP {status}{(detail is null ? "" : ": " + detail)}); will retry.",
                _ => detail ?? $"The server refused the request (HTTP {status}).",
            };
            return new(kind, default, status, code, message);
        }
    }

    private static JsonContent Body<T>(T value) => JsonContent.Create(value, AgentJson.Info<T>());

    private ServerAnswer<T> Garbage<T>(int status, string body) =>
        new(AnswerKind.Garbage, default, status, null,
            $"{Server.GetLeftPart(UriPartial.Authority)} answered HTTP {status} with something that is not the LiveTracker API "
            + $"({(body.Length > 60 ? body[..60] + "…" : body).ReplaceLineEndings(" ")}); is the server address right?");

    private static bool IsJson(HttpResponseMessage response) =>
        response.Content.Headers.ContentType?.MediaType is "application/problem+json" or "application/json";

    private static (string? Code, string? Detail) ReadProblem(HttpResponseMessage response, string body)
    {
        if (!IsJson(response))
        {
            return (null, null);
        }

        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            var code = root.TryGetProperty("code", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString() : null;
            var detail = root.TryGetProperty("detail", out var d) && d.ValueKind == JsonValueKind.String ? d.GetString() : null;
            return (code, detail);
        }
        catch (JsonException)
        {
            return (null, null);
        }
    }

    public void Dispose() => http.Dispose();
}
