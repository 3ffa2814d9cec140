using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using LiveTracker.Agent.Local;
using LiveTracker.Agent.Tracking;

namespace LiveTracker.Agent.Control;

/// <summary>Where the running agent listens, for the command line: written 0600 in the data directory.</summary>
public sealed record ControlAddress(Uri Url, int Pid);

/// <summary>
/// The control page and its JSON API on <c>127.0.0.1</c>, on a random port, every path under a secret made at
/// start (<c>http://127.0.0.1:PORT/SECRET/</c>): another local user or a web page cannot drive the tracker without
/// reading the owner-only control file. Requests must name the loopback host (no DNS rebinding), commands must be
/// JSON (no cross-site form posts), and pages are sent with a strict CSP and no referrer, so the secret never leaks
/// through the Work Diary links.
/// </summary>
public sealed class ControlServer : IAsyncDisposable
{
    private readonly HttpListener listener;
    private readonly Tracker tracker;
    private readonly AgentLog log;
    private readonly string secret;
    private readonly int port;
    private Task? loop;

    private ControlServer(HttpListener listener, int port, string secret, Tracker tracker, AgentLog log)
    {
        this.listener = listener;
        this.port = port;
        this.secret = secret;
        this.tracker = tracker;
        this.log = log;
    }

    public Uri Url => new($"http://127.0.0.1:{port}/{secret}/");

    public static ControlServer Start(Tracker tracker, AgentLog log)
    {
        for (var attempt = 0; ; attempt++)
        {
            var probe = new TcpListener(IPAddress.Loopback, 0);
            probe.Start();
            var port = ((IPEndPoint)probe.LocalEndpoint).Port;
            probe.Stop();
            var listener = new HttpListener();
            listener.Prefixes.Add($"http://127.0.0.1:{port}/");
            try
            {
                listener.Start();
            }
            catch (HttpListenerException) when (attempt < 5)
            {
                // Another process took the port between the probe and the bind: pick another.
                listener.Close();
                continue;
            }

            var server = new ControlServer(listener, port, Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)), tracker, log);
            server.loop = server.AcceptAsync();
            return server;
        }
    }

    public void Publish(AgentPaths paths)
    {
        ArgumentNullException.ThrowIfNull(paths);
        paths.Ensure();
        PrivateFile.Write(paths.Control, JsonSerializer.Serialize(new ControlAddress(Url, Environment.ProcessId), AgentJson.Info<ControlAddress>()));
    }

    public static ControlAddress? Find(AgentPaths paths)
    {
        ArgumentNullException.ThrowIfNull(paths);
        try
        {
            var address = JsonSerializer.Deserialize(File.ReadAllText(paths.Control), AgentJson.Info<ControlAddress>());
            return address is not null && IsRunning(address.Pid) ? address : null;
        }
        catch (Exception e) when (e is IOException or JsonException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static bool IsRunning(int pid)
    {
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private async Task AcceptAsync()
    {
        while (listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            _ = Task.Run(() => HandleAsync(context));
        }
    }

    private async Task HandleAsync(HttpListenerContext context)
    {
        var response = context.Response;
        try
        {
            response.Headers["Content-Security-Policy"] =
                "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";
            response.Headers["Referrer-Policy"] = "no-referrer";
            response.Headers["X-Content-Type-Options"] = "nosniff";
            response.Headers["Cache-Control"] = "no-store";
            await RouteAsync(context.Request, response);
        }
        catch (Exception e) when (e is HttpListenerException or IOException or ObjectDisposedException)
        {
            // The page went away mid-answer.
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            await TryWriteAsync(response, 400, CommandResult.Refused("The request body is not the JSON this command takes.", "invalid-request"));
        }
        catch (Exception e)
        {
            log.Warn($"control page request failed: {e.GetType().Name}: {e.Message}");
            await TryWriteAsync(response, 500, CommandResult.Refused("The agent could not do that; see its log.", "internal"));
        }
        finally
        {
            response.Close();
        }
    }

    private async Task RouteAsync(HttpListenerRequest request, HttpListenerResponse response)
    {
        var host = request.Headers["Host"];
        // HttpListener itself answers 404 for a host outside its prefix; this catches the same address on another port.
        if (host != $"127.0.0.1:{port}")
        {
            await WriteAsync(response, 421, CommandResult.Refused("Open the tracker at the address it printed.", "wrong-host"));
            return;
        }

        // The first path segment is the secret, compared in constant time.
        var path = request.Url?.AbsolutePath ?? "/";
        var slash = path.IndexOf('/', 1);
        if (slash < 0 || !CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(path[1..slash]), Encoding.ASCII.GetBytes(secret)))
        {
            await WriteAsync(response, 404, CommandResult.Refused("Not here. Run `livetracker-agent open` for the tracker's address.", "not-found"));
            return;
        }

        var route = path[(slash + 1)..];
        var method = request.HttpMethod;
        if (method is "POST" or "PUT" && request.ContentType?.StartsWith("application/json", StringComparison.OrdinalIgnoreCase) != true)
        {
            await WriteAsync(response, 415, CommandResult.Refused("Commands are JSON.", "not-json"));
            return;
        }

        var none = CancellationToken.None;
        switch (method, route)
        {
            case ("GET", ""):
                await AssetAsync(response, "index.html", "text/html; charset=utf-8");
                return;
            case ("GET", "tracker.js"):
                await AssetAsync(response, "tracker.js", "text/javascript; charset=utf-8");
                return;
            case ("GET", "tracker.css"):
                await AssetAsync(response, "tracker.css", "text/css; charset=utf-8");
                return;
            case ("GET", "api/state"):
                await WriteAsync(response, 200, await tracker.ViewAsync(none));
                return;
            case ("POST", "api/start"):
                var start = await ReadAsync<StartBody>(request);
                await ResultAsync(response, await tracker.StartAsync(Blank(start.ContractId), start.Memo, Blank(start.ActivityLabel), start.TakeOver, none));
                return;
            case ("POST", "api/stop"):
                await ResultAsync(response, await tracker.StopAsync(none));
                return;
            case ("PUT", "api/memo"):
                var memo = await ReadAsync<MemoBody>(request);
                await ResultAsync(response, await tracker.MemoAsync(memo.Memo ?? "", Blank(memo.ActivityLabel), none));
                return;
            case ("POST", "api/use"):
                await ResultAsync(response, await tracker.UseAsync((await ReadAsync<UseBody>(request)).ContractId ?? "", none));
                return;
            case ("POST", "api/contracts/refresh"):
                await ResultAsync(response, await tracker.RefreshContractsAsync(none));
                return;
            case ("POST", "api/idle"):
                await ResultAsync(response, await tracker.AnswerIdleAsync((await ReadAsync<IdleBody>(request)).KeepWorking, none));
                return;
            case ("POST", "api/memo-question"):
                await ResultAsync(response, await tracker.AnswerMemoQuestionAsync(none));
                return;
            case ("POST", "api/report"):
                await ResultAsync(response, await tracker.ReportProblemAsync((await ReadAsync<ReportBody>(request)).Description ?? "", none));
                return;
            case ("PUT", _) when route.StartsWith("api/settings/", StringComparison.Ordinal):
                await ResultAsync(response, await tracker.SetSettingAsync(route["api/settings/".Length..], (await ReadAsync<SettingBody>(request)).Value ?? "", none));
                return;
            case ("POST", _) when route.StartsWith("api/captures/", StringComparison.Ordinal) && route.EndsWith("/discard", StringComparison.Ordinal):
                await ResultAsync(response, await tracker.DiscardAsync(route["api/captures/".Length..^"/discard".Length], none));
                return;
            case ("GET", _) when route.StartsWith("api/captures/", StringComparison.Ordinal) && route.EndsWith("/thumb", StringComparison.Ordinal):
                if (await tracker.ThumbnailAsync(route["api/captures/".Length..^"/thumb".Length]) is { } thumb)
                {
                    // A capture's thumbnail never changes: the page may keep it instead of fetching it every second.
                    response.Headers["Cache-Control"] = "private, max-age=86400, immutable";
                    response.ContentType = "image/jpeg";
                    await response.OutputStream.WriteAsync(thumb);
                    return;
                }

                await WriteAsync(response, 404, CommandResult.Refused("No such capture.", "not-found"));
                return;
            default:
                await WriteAsync(response, 404, CommandResult.Refused($"No {method} {route}.", "not-found"));
                return;
        }
    }

    private static string? Blank(string? text) => string.IsNullOrWhiteSpace(text) ? null : text;

    private static async Task<T> ReadAsync<T>(HttpListenerRequest request)
        where T : class, IControlBody
    {
        // At most 64 KiB, whether announced by Content-Length or sent chunked.
        const int Limit = 64 * 1024;
        var buffer = new byte[Limit + 1];
        var length = 0;
        int read;
        while (length <= Limit && (read = await request.InputStream.ReadAsync(buffer.AsMemory(length))) > 0)
        {
            length += read;
        }

        return length > Limit
            ? throw new InvalidOperationException("too large")
            : JsonSerializer.Deserialize(buffer.AsSpan(0, length), AgentJson.Info<T>()) ?? throw new JsonException("empty body");
    }

    private static Task ResultAsync(HttpListenerResponse response, CommandResult result) =>
        WriteAsync(response, result.Ok ? 200 : 409, result);

    private static async Task WriteAsync<T>(HttpListenerResponse response, int status, T body)
    {
        response.StatusCode = status;
        response.ContentType = "application/json; charset=utf-8";
        await JsonSerializer.SerializeAsync(response.OutputStream, body, AgentJson.Info<T>());
    }

    private static async Task TryWriteAsync(HttpListenerResponse response, int status, CommandResult body)
    {
        try
        {
            await WriteAsync(response, status, body);
        }
        catch (Exception e) when (e is HttpListenerException or IOException or ObjectDisposedException or InvalidOperationException)
        {
        }
    }

    private static async Task AssetAsync(HttpListenerResponse response, string name, string type)
    {
        await using var stream = typeof(ControlServer).Assembly.GetManifestResourceStream("LiveTracker.Agent.Control.Page." + name)
            ?? throw new InvalidOperationException($"missing page asset {name}");
        response.ContentType = type;
        await stream.CopyToAsync(response.OutputStream);
    }

    public async ValueTask DisposeAsync()
    {
        listener.Stop();
        listener.Close();
        if (loop is not null)
        {
            await loop;
        }
    }

}
