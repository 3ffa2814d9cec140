using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace LiveTracker.Bench;

/// <summary>What the agent sent and received through the <see cref="CountingProxy"/>, by kind of request, at one moment.</summary>
internal sealed record TrafficCounts(IReadOnlyDictionary<string, TrafficCounts.Kind> Kinds)
{
    public sealed record Kind(int Requests, int Created, long SentBytes, long ReceivedBytes);

    public Kind this[string name] => Kinds.GetValueOrDefault(name) ?? new Kind(0, 0, 0, 0);

    public long SentBytes => Kinds.Values.Sum(k => k.SentBytes);

    public long ReceivedBytes => Kinds.Values.Sum(k => k.ReceivedBytes);

    /// <summary>What happened between <paramref name="earlier"/> and this snapshot.</summary>
    public TrafficCounts Since(TrafficCounts earlier) => new(Kinds.ToDictionary(
        k => k.Key,
        k => new Kind(
            k.Value.Requests - earlier[k.Key].Requests, k.Value.Created - earlier[k.Key].Created,
            k.Value.SentBytes - earlier[k.Key].SentBytes, k.Value.ReceivedBytes - earlier[k.Key].ReceivedBytes)));
}

/// <summary>
/// An HTTP/1.1 proxy between the agent and the node that counts the bytes of every exchange as they go over the
/// wire: request line, headers and body one way, status line, headers and body the other. Requests are told apart
/// as screenshot uploads, activity minutes and everything else (session sync, contracts, start and stop).
/// </summary>
internal sealed class CountingProxy : IAsyncDisposable
{
    public const string Screenshots = "screenshots", Activity = "activity", Other = "other";

    private static readonly HashSet<string> HopByHop = new(StringComparer.OrdinalIgnoreCase)
    {
        "Host", "Connection", "Keep-Alive", "Transfer-Encoding", "Content-Length", "Upgrade", "Proxy-Connection", "TE", "Trailer",
    };

    private readonly WebApplication app;
    private readonly HttpClient upstream;
    private readonly Dictionary<string, TrafficCounts.Kind> counts = [];

    private CountingProxy(WebApplication app, Uri server)
    {
        this.app = app;
        upstream = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false })
        {
            BaseAddress = server, Timeout = TimeSpan.FromSeconds(120),
        };
    }

    public Uri Address { get; private set; } = null!;

    public static async Task<CountingProxy> StartAsync(Uri server)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var proxy = new CountingProxy(app, server);
        app.Run(proxy.HandleAsync);
        await app.StartAsync();
        proxy.Address = new Uri(app.Urls.Single());
        return proxy;
    }

    public TrafficCounts Snapshot()
    {
        lock (counts)
        {
            return new TrafficCounts(new Dictionary<string, TrafficCounts.Kind>(counts));
        }
    }

    private async Task HandleAsync(HttpContext context)
    {
        var incoming = context.Request;
        using var buffer = new MemoryStream();
        await incoming.Body.CopyToAsync(buffer, context.RequestAborted);
        var body = buffer.ToArray();

        // The request as it was on the wire (HTTP/1.1: "Name: value" lines, a blank line, the body).
        var head = new StringBuilder().Append(incoming.Method).Append(' ').Append(incoming.Path).Append(incoming.QueryString).Append(' ')
            .Append(incoming.Protocol).Append("\r\n");
        using var request = new HttpRequestMessage(new HttpMethod(incoming.Method), incoming.Path + incoming.QueryString);
        if (body.Length > 0 || incoming.ContentType is not null)
        {
            request.Content = new ByteArrayContent(body);
        }

        foreach (var (name, values) in incoming.Headers)
        {
            head.Append(name).Append(": ").Append(values.ToString()).Append("\r\n");
            if (!HopByHop.Contains(name) && !request.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values))
            {
                _ = request.Content?.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values);
            }
        }

        head.Append("\r\n");
        var sent = Encoding.ASCII.GetByteCount(head.ToString()) + body.Length;

        using var response = await upstream.SendAsync(request, context.RequestAborted);
        var answer = await response.Content.ReadAsByteArrayAsync(context.RequestAborted);
        var status = (int)response.StatusCode;
        var responseHead = new StringBuilder().Append("HTTP/1.1 ").Append(status).Append(' ').Append(response.ReasonPhrase).Append("\r\n");
        context.Response.StatusCode = status;
        foreach (var (name, values) in response.Headers.Concat(response.Content.Headers))
        {
            var value = string.Join(", ", values);
            responseHead.Append(name).Append(": ").Append(value).Append("\r\n");
            if (!HopByHop.Contains(name))
            {
                context.Response.Headers[name] = value;
            }
        }

        responseHead.Append("\r\n");
        var received = Encoding.ASCII.GetByteCount(responseHead.ToString()) + answer.Length;
        var path = incoming.Path.Value ?? "";
        var kind = path.EndsWith("/screenshots", StringComparison.Ordinal) && incoming.Method == "POST" ? Screenshots
            : path.EndsWith("/activity", StringComparison.Ordinal) ? Activity
            : Other;
        lock (counts)
        {
            var old = counts.GetValueOrDefault(kind) ?? new TrafficCounts.Kind(0, 0, 0, 0);
            counts[kind] = new TrafficCounts.Kind(old.Requests + 1, old.Created + (status == 201 ? 1 : 0), old.SentBytes + sent, old.ReceivedBytes + received);
        }

        context.Response.ContentLength = answer.Length;
        await context.Response.Body.WriteAsync(answer, context.RequestAborted);
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
        upstream.Dispose();
    }
}
