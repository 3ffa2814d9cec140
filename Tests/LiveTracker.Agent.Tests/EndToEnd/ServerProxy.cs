using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace LiveTracker.Agent.Tests.EndToEnd;

/// <summary>What the proxy does with the agent's next requests.</summary>
public enum ProxyMode
{
    /// <summary>Forward to the server and back.</summary>
    Forward,

    /// <summary>Answer 503 with a problem body, as an overloaded node or a load balancer without backends.</summary>
    Unavailable,

    /// <summary>Answer 200 with an HTML page, as a captive portal or a misconfigured reverse proxy.</summary>
    Garbage,

    /// <summary>
    /// Forward screenshot uploads, let the server record them, and hold the answer back until released (a connection that
    /// dies mid-upload); everything else is forwarded.
    /// </summary>
    HoldUploadAnswers,
}

/// <summary>
/// An HTTP proxy between the agent and the node, on its own port: it records every request the agent sends (for the
/// privacy test), and can answer in the ways a real network and server misbehave. When the node is down the proxy
/// drops the connection, as the node itself would.
/// </summary>
public sealed class ServerProxy : IAsyncDisposable
{
    private readonly WebApplication app;
    private readonly HttpClient upstream;
    private readonly List<RecordedRequest> requests = [];
    private TaskCompletionSource release = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ServerProxy(WebApplication app, Uri server)
    {
        this.app = app;
        upstream = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false }) { BaseAddress = server, Timeout = TimeSpan.FromSeconds(60) };
    }

    public Uri Address { get; private set; } = null!;

    public ProxyMode Mode { get; set; }

    /// <summary>Requests whose answer is being held (mode <see cref="ProxyMode.HoldUploadAnswers"/>).</summary>
    public int Held;

    public sealed record RecordedRequest(string Method, string PathAndQuery, string? ContentType, byte[] Body, int Status)
    {
        public bool IsUpload => PathAndQuery.EndsWith("/screenshots", StringComparison.Ordinal);

        /// <summary>The <c>meta</c> part of a screenshot upload (multipart), as JSON.</summary>
        public System.Text.Json.JsonElement Meta()
        {
            var text = System.Text.Encoding.UTF8.GetString(Body);
            var at = text.IndexOf("name=meta", StringComparison.Ordinal);
            var start = text.IndexOf('{', at);
            var end = text.IndexOf("\r\n--", start, StringComparison.Ordinal);
            return System.Text.Json.JsonDocument.Parse(text[start..end]).RootElement;
        }
    }

    public IReadOnlyList<RecordedRequest> Requests
    {
        get
        {
            lock (requests)
            {
                return [.. requests];
            }
        }
    }

    public static async Task<ServerProxy> StartAsync(Uri server)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var proxy = new ServerProxy(app, server);
        app.Run(proxy.HandleAsync);
        await app.StartAsync();
        proxy.Address = new Uri(app.Urls.Single());
        return proxy;
    }

    /// <summary>Lets the held answers go (to a client that may no longer be there).</summary>
    public void Release()
    {
        var old = Interlocked.Exchange(ref release, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        old.TrySetResult();
    }

    private async Task HandleAsync(HttpContext context)
    {
        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer);
        var body = buffer.ToArray();
        var status = Mode switch
        {
            ProxyMode.Unavailable => 503,
            ProxyMode.Garbage => 200,
            _ => 0,
        };
        if (status != 0)
        {
            Record(context, body, status);
            context.Response.StatusCode = status;
            context.Response.ContentType = Mode == ProxyMode.Garbage ? "text/html" : "application/problem+json";
            await context.Response.WriteAsync(Mode == ProxyMode.Garbage
                ? "<html><body>Welcome to Hotel Wi-Fi. Please accept the terms.</body></html>"
                : """{"type":"about:blank","title":"Service unavailable","status":503,"detail":"No backend is up.","code":"unavailable"}""");
            return;
        }

        using var request = new HttpRequestMessage(new HttpMethod(context.Request.Method), context.Request.Path + context.Request.QueryString);
        if (body.Length > 0 || context.Request.ContentType is not null)
        {
            request.Content = new ByteArrayContent(body);
            if (context.Request.ContentType is { } type)
            {
                request.Content.Headers.TryAddWithoutValidation("Content-Type", type);
            }
        }

        foreach (var header in (string[])["Authorization", "User-Agent", "Accept"])
        {
            if (context.Request.Headers.TryGetValue(header, out var value))
            {
                request.Headers.TryAddWithoutValidation(header, (string?)value);
            }
        }

        HttpResponseMessage response;
        try
        {
            response = await upstream.SendAsync(request);
        }
        catch (HttpRequestException)
        {
            // The node is down: the agent sees what it would see without the proxy, a dropped connection.
            Record(context, body, 0);
            context.Abort();
            return;
        }

        using (response)
        {
            Record(context, body, (int)response.StatusCode);
            var answer = await response.Content.ReadAsByteArrayAsync();
            if (Mode == ProxyMode.HoldUploadAnswers && context.Request.Path.Value?.EndsWith("/screenshots", StringComparison.Ordinal) == true)
            {
                Interlocked.Increment(ref Held);
                await Volatile.Read(ref release).Task;
                Interlocked.Decrement(ref Held);
            }

            context.Response.StatusCode = (int)response.StatusCode;
            if (response.Content.Headers.ContentType is { } type)
            {
                context.Response.ContentType = type.ToString();
            }

            await context.Response.Body.WriteAsync(answer);
        }
    }

    private void Record(HttpContext context, byte[] body, int status)
    {
        lock (requests)
        {
            requests.Add(new RecordedRequest(context.Request.Method, context.Request.Path + context.Request.QueryString, context.Request.ContentType, body, status));
        }
    }

    public async ValueTask DisposeAsync()
    {
        Release();
        await app.StopAsync();
        await app.DisposeAsync();
        upstream.Dispose();
    }
}
