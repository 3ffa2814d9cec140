using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;

namespace LiveTracker.Web.Tests.Api;

/// <summary>
/// A SignalR client speaking the JSON hub protocol over a WebSocket (the .NET SignalR client package cannot be
/// restored here; browsers use the real JavaScript client). Records are separated by 0x1E.
/// </summary>
public sealed class TestHubClient : IAsyncDisposable
{
    private const char RecordSeparator = '\u001e';
    private readonly ClientWebSocket _socket = new();
    private readonly Channel<JsonElement> _invocations = Channel.CreateUnbounded<JsonElement>();
    private readonly Dictionary<string, TaskCompletionSource<JsonElement>> _pending = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly List<JsonElement> _seen = [];
    private Task _receive = Task.CompletedTask;
    private int _invocationId;

    public static async Task<TestHubClient> ConnectAsync(Uri baseAddress, string? token)
    {
        ArgumentNullException.ThrowIfNull(baseAddress);
        var client = new TestHubClient();
        var uri = new UriBuilder(baseAddress) { Scheme = "ws", Path = "/hubs/workview", Query = token is null ? string.Empty : "access_token=" + Uri.EscapeDataString(token) }.Uri;
        await client._socket.ConnectAsync(uri, CancellationToken.None);
        await client.SendAsync("""{"protocol":"json","version":1}""");
        var handshake = await client.ReceiveRecordsAsync(CancellationToken.None);
        if (handshake.Count == 0 || handshake[0].Trim() != "{}")
        {
            throw new InvalidOperationException("Handshake failed: " + string.Join('|', handshake));
        }

        client._receive = Task.Run(client.ReceiveLoopAsync);
        return client;
    }

    /// <summary>Calls a hub method; its result, or an exception with the hub's error text.</summary>
    public async Task<JsonElement> InvokeAsync(string target, params object?[] arguments)
    {
        var id = Interlocked.Increment(ref _invocationId).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var completion = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_pending)
        {
            _pending[id] = completion;
        }

        await SendAsync(JsonSerializer.Serialize(new { type = 1, invocationId = id, target, arguments }));
        var result = await completion.Task.WaitAsync(TimeSpan.FromSeconds(10));
        return result.TryGetProperty("error", out var error)
            ? throw new InvalidOperationException(error.GetString())
            : result.TryGetProperty("result", out var value) ? value : default;
    }

    /// <summary>The next server message for <paramref name="method"/> that matches, within the timeout.</summary>
    public async Task<JsonElement> ExpectAsync(string method, Func<JsonElement, bool>? match = null, TimeSpan? timeout = null)
    {
        using var cancel = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(10));
        try
        {
            while (true)
            {
                var message = await _invocations.Reader.ReadAsync(cancel.Token);
                _seen.Add(message);
                var payload = message.GetProperty("arguments")[0];
                if (message.GetProperty("target").GetString() == method && (match is null || match(payload)))
                {
                    return payload;
                }
            }
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"No {method} arrived; saw: {string.Join(", ", _seen.Select(m => m.GetProperty("target").GetString()))}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
        }
        catch (WebSocketException)
        {
        }

        try
        {
            await _receive;
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException)
        {
        }

        _socket.Dispose();
        _stop.Dispose();
    }

    private Task SendAsync(string json) =>
        _socket.SendAsync(Encoding.UTF8.GetBytes(json + RecordSeparator), WebSocketMessageType.Text, true, CancellationToken.None);

    private async Task ReceiveLoopAsync()
    {
        while (!_stop.IsCancellationRequested && _socket.State == WebSocketState.Open)
        {
            foreach (var record in await ReceiveRecordsAsync(_stop.Token))
            {
                using var document = JsonDocument.Parse(record);
                var message = document.RootElement.Clone();
                switch (message.GetProperty("type").GetInt32())
                {
                    case 1:
                        await _invocations.Writer.WriteAsync(message);
                        break;
                    case 3:
                        TaskCompletionSource<JsonElement>? completion;
                        lock (_pending)
                        {
                            _pending.Remove(message.GetProperty("invocationId").GetString()!, out completion);
                        }

                        completion?.TrySetResult(message);
                        break;
                }
            }
        }
    }

    private async Task<List<string>> ReceiveRecordsAsync(CancellationToken cancellationToken)
    {
        var buffer = new byte[64 * 1024];
        using var text = new MemoryStream();
        WebSocketReceiveResult result;
        do
        {
            result = await _socket.ReceiveAsync(buffer, cancellationToken);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                return [];
            }

            text.Write(buffer, 0, result.Count);
        }
        while (!result.EndOfMessage);
        return [.. Encoding.UTF8.GetString(text.ToArray()).Split(RecordSeparator, StringSplitOptions.RemoveEmptyEntries)];
    }
}
