using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using LiveTracker.Agent.Server;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Xunit;

namespace LiveTracker.Agent.Tests.Unit;

/// <summary>A small real Kestrel server on 127.0.0.1 whose answer each test chooses.</summary>
public sealed class TinyServer : IAsyncLifetime
{
    private WebApplication? app;

    public Uri Address { get; private set; } = null!;

    /// <summary>How the next requests are answered.</summary>
    public RequestDelegate Answer { get; set; } = context => Task.CompletedTask;

    /// <summary>The last request: method, path and query, Authorization header, body.</summary>
    public (string Method, string Path, string? Authorization, string Body)? Last { get; private set; }

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        app = builder.Build();
        app.Run(async context =>
        {
            using var reader = new StreamReader(context.Request.Body);
            Last = (context.Request.Method, context.Request.Path + context.Request.QueryString, context.Request.Headers.Authorization, await reader.ReadToEndAsync());
            await Answer(context);
        });
        await app.StartAsync();
        Address = new Uri(app.Urls.Single());
    }

    public async Task DisposeAsync()
    {
        if (app is not null)
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }
}

/// <summary>
/// The agent's API client against a real HTTP server that answers as a server, a proxy or a captive portal can: every
/// answer becomes one the agent acts on, with a message a freelancer understands, and no call ever throws.
/// </summary>
public sealed class ServerClientTests(TinyServer server) : IClassFixture<TinyServer>
{
    private static readonly CaptureMeta Meta = new(DateTimeOffset.UnixEpoch, "k1", "xterm", "term", false, "memo", null);

    [Fact]
    public async Task A_refusal_with_a_problem_body_keeps_its_code_and_detail()
    {
        server.Answer = Problem(409, "session-active-elsewhere", "Tracking is on at another computer (desk-pc).");
        using var client = new ServerClient(server.Address, "token-1");

        var answer = await client.StartAsync("c/1", "Checkout", "design", "laptop", takeOver: false, CancellationToken.None);

        Assert.Equal(AnswerKind.Refused, answer.Kind);
        Assert.Equal(409, answer.Status);
        Assert.Equal("session-active-elsewhere", answer.Code);
        Assert.Equal("Tracking is on at another computer (desk-pc).", answer.Message);
        Assert.False(answer.Retry);
        Assert.False(answer.IsOk);
        var (method, path, authorization, body) = server.Last!.Value;
        Assert.Equal("POST", method);
        Assert.Equal("/api/contracts/c%2F1/tracking/start", path);
        Assert.Equal("Bearer token-1", authorization);
        var sent = JsonDocument.Parse(body).RootElement;
        Assert.Equal("Checkout", sent.GetProperty("memo").GetString());
        Assert.Equal("laptop", sent.GetProperty("deviceId").GetString());
    }

    [Fact]
    public async Task A_refusal_without_a_problem_body_says_the_server_refused()
    {
        server.Answer = async context =>
        {
            context.Response.StatusCode = 404;
            context.Response.ContentType = "text/plain";
            await context.Response.WriteAsync("nope");
        };
        using var client = new ServerClient(server.Address, "token-1");

        var answer = await client.TrackingAsync("c1", CancellationToken.None);

        Assert.Equal(AnswerKind.Refused, answer.Kind);
        Assert.Null(answer.Code);
        Assert.Contains("refused", answer.Message, StringComparison.Ordinal);
        Assert.Contains("404", answer.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_401_means_signed_out_and_says_to_log_in_again()
    {
        server.Answer = Problem(401, "invalid-token", "The token is revoked.");
        using var client = new ServerClient(server.Address, "revoked");

        var answer = await client.ContractsAsync(CancellationToken.None);

        Assert.Equal(AnswerKind.SignedOut, answer.Kind);
        Assert.Contains("livetracker-agent login", answer.Message, StringComparison.Ordinal);
        Assert.False(answer.Retry);
        Assert.Null(answer.Value);
    }

    [Theory]
    [InlineData(503)]
    [InlineData(500)]
    [InlineData(429)]
    [InlineData(408)]
    public async Task An_overloaded_server_is_busy_and_worth_retrying(int status)
    {
        server.Answer = Problem(status, "unavailable", "No backend is up.");
        using var client = new ServerClient(server.Address, "token-1");

        var answer = await client.ActivityAsync("c1", [new ActivityItem(DateTimeOffset.UnixEpoch, 3, 1, 0)], CancellationToken.None);

        Assert.Equal(AnswerKind.Busy, answer.Kind);
        Assert.True(answer.Retry);
        Assert.Contains($"HTTP {status}", answer.Message, StringComparison.Ordinal);
        Assert.Contains("No backend is up.", answer.Message, StringComparison.Ordinal);
        Assert.Contains("retry", answer.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_HTML_page_instead_of_the_API_asks_whether_the_server_address_is_right()
    {
        server.Answer = Html;
        using var client = new ServerClient(server.Address, token: null);

        var answer = await client.LoginAsync("me@example.test", "secret", CancellationToken.None);

        Assert.Equal(AnswerKind.Garbage, answer.Kind);
        Assert.True(answer.Retry);
        Assert.Null(answer.Value);
        Assert.Contains("is the server address right?", answer.Message, StringComparison.Ordinal);
        Assert.Contains(server.Address.GetLeftPart(UriPartial.Authority), answer.Message, StringComparison.Ordinal);
        Assert.Contains("Hotel Wi-Fi", answer.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_HTML_page_does_not_count_as_accepted_activity()
    {
        // A captive portal answers every request 200 with its page: the minutes must stay queued, not be marked sent.
        server.Answer = Html;
        using var client = new ServerClient(server.Address, "token-1");

        var activity = await client.ActivityAsync("c1", [new ActivityItem(DateTimeOffset.UnixEpoch, 3, 1, 0)], CancellationToken.None);
        var stop = await client.StopAsync("c1", "laptop", CancellationToken.None);

        Assert.Equal(AnswerKind.Garbage, activity.Kind);
        Assert.True(activity.Retry);
        Assert.Contains("is the server address right?", activity.Message, StringComparison.Ordinal);
        Assert.Equal(AnswerKind.Garbage, stop.Kind);
    }

    [Fact]
    public async Task Answers_without_a_body_are_accepted()
    {
        server.Answer = context =>
        {
            context.Response.StatusCode = 202;
            return Task.CompletedTask;
        };
        using var client = new ServerClient(server.Address, "token-1");

        Assert.Equal(AnswerKind.Ok, (await client.ActivityAsync("c1", [new ActivityItem(DateTimeOffset.UnixEpoch, 3, 1, 0)], CancellationToken.None)).Kind);
        Assert.Equal(AnswerKind.Ok, (await client.MemoAsync("c1", "new memo", null, CancellationToken.None)).Kind);
        Assert.Equal(AnswerKind.Ok, (await client.DeleteScreenshotAsync("s1", CancellationToken.None)).Kind);
    }

    [Fact]
    public async Task A_JSON_answer_is_read_into_its_value()
    {
        server.Answer = async context =>
        {
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync("""{"token":"t-9","userId":"u-1","role":"freelancer","extra":true}""");
        };
        using var client = new ServerClient(server.Address, token: null);

        var answer = await client.LoginAsync("me@example.test", "secret", CancellationToken.None);

        Assert.True(answer.IsOk);
        Assert.Equal(new LoginResult("t-9", "u-1", "freelancer"), answer.Value);
        Assert.Null(server.Last!.Value.Authorization);
    }

    [Fact]
    public async Task Truncated_JSON_is_garbage_to_retry()
    {
        server.Answer = async context =>
        {
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync("""[{"contractId":"c1","title":"Chec""");
        };
        using var client = new ServerClient(server.Address, "token-1");

        var answer = await client.ContractsAsync(CancellationToken.None);

        Assert.Equal(AnswerKind.Garbage, answer.Kind);
        Assert.True(answer.Retry);
    }

    [Fact]
    public async Task Nothing_listening_is_unreachable_for_every_call()
    {
        var closed = ClosedPort();
        using var client = new ServerClient(closed, "token-1");
        var none = CancellationToken.None;

        var answers = new List<(string Call, AnswerKind Kind, string Message)>();
        void Add<T>(string call, ServerAnswer<T> a) => answers.Add((call, a.Kind, a.Message));
        Add("login", await client.LoginAsync("me@example.test", "pw", none));
        Add("logout", await client.LogoutAsync(none));
        Add("contracts", await client.ContractsAsync(none));
        Add("start", await client.StartAsync("c1", "m", null, "d", false, none));
        Add("stop", await client.StopAsync("c1", "d", none));
        Add("memo", await client.MemoAsync("c1", "m", null, none));
        Add("activity", await client.ActivityAsync("c1", [], none));
        Add("tracking", await client.TrackingAsync(null, none));
        Add("upload", await client.UploadAsync("c1", [1, 2, 3], [4], Meta, none));
        Add("delete", await client.DeleteScreenshotAsync("s1", none));
        Add("report", await client.ReportAsync("problem", "it broke", "log", none));

        Assert.All(answers, a =>
        {
            Assert.True(a.Kind == AnswerKind.Unreachable, $"{a.Call}: {a.Kind}");
            Assert.Contains($"Cannot reach {closed.GetLeftPart(UriPartial.Authority)}", a.Message, StringComparison.Ordinal);
        });
    }

    [Fact]
    public async Task A_server_that_never_answers_is_unreachable_after_the_timeout()
    {
        server.Answer = context => Task.Delay(Timeout.Infinite, context.RequestAborted);
        using var client = new ServerClient(server.Address, "token-1", timeout: TimeSpan.FromMilliseconds(300));

        var answer = await client.TrackingAsync(null, CancellationToken.None);

        Assert.Equal(AnswerKind.Unreachable, answer.Kind);
        Assert.True(answer.Retry);
        Assert.Contains("did not answer", answer.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_connection_dropped_before_the_answer_is_unreachable()
    {
        server.Answer = context =>
        {
            context.Abort();
            return Task.CompletedTask;
        };
        using var client = new ServerClient(server.Address, "token-1");

        var answer = await client.UploadAsync("c1", [0xFF, 0xD8, 0xFF, 0xD9], null, Meta, CancellationToken.None);

        Assert.Equal(AnswerKind.Unreachable, answer.Kind);
        Assert.True(answer.Retry);
    }

    [Fact]
    public async Task Cancelling_a_call_cancels_it_instead_of_calling_the_server_unreachable()
    {
        server.Answer = context => Task.Delay(Timeout.Infinite, context.RequestAborted);
        using var client = new ServerClient(server.Address, "token-1");
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.TrackingAsync(null, cancel.Token));
    }

    private static RequestDelegate Problem(int status, string code, string detail) => async context =>
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/problem+json";
        await context.Response.WriteAsync(JsonSerializer.Serialize(new { type = "about:blank", title = "Refused", status, detail, code }));
    };

    private static async Task Html(HttpContext context)
    {
        context.Response.StatusCode = 200;
        context.Response.ContentType = "text/html";
        await context.Response.WriteAsync("<html><body>Welcome to Hotel Wi-Fi. Please accept the terms.</body></html>");
    }

    /// <summary>A loopback port nothing listens on (bound and released again).</summary>
    private static Uri ClosedPort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return new Uri($"http://127.0.0.1:{port}/");
    }
}
