using System.Diagnostics;
using System.Globalization;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;

namespace LiveTracker.Bench;

/// <summary>
/// A watching page: the SignalR JSON hub protocol over a raw WebSocket (records end with 0x1E), as
/// Tests/LiveTracker.Web.Tests/Api/TestHubClient.cs speaks it; the .NET SignalR client package cannot be restored
/// here. Every <c>screenshotAdded</c> is handed to <paramref name="onScreenshot"/> with the Stopwatch timestamp of
/// the WebSocket frame that carried it, taken before any parsing, so parsing is not counted as delivery time.
/// </summary>
internal sealed class HubWatcher(Action<string, long> onScreenshot) : IAsyncDisposable
{
    private const byte RecordSeparator = 0x1E;
    private static readonly byte[] ScreenshotAddedTarget = "\"screenshotAdded\""u8.ToArray();
    private readonly ClientWebSocket _socket = new();
    private readonly Dictionary<string, TaskCompletionSource<JsonElement>> _pending = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stop = new();
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private Task _receive = Task.CompletedTask;
    private int _invocationId;

    public static async Task<HubWatcher> ConnectAsync(Uri baseAddress, string token, Action<string, long> onScreenshot)
    {
        var watcher = new HubWatcher(onScreenshot);
        var uri = new UriBuilder(baseAddress) { Scheme = "ws", Path = "/hubs/workview", Query = "access_token=" + Uri.EscapeDataString(token) }.Uri;
        await watcher._socket.ConnectAsync(uri, CancellationToken.None);
        await watcher.SendAsync("""{"protocol":"json","version":1}""");
        var buffer = new byte[4096];
        var handshake = await watcher._socket.ReceiveAsync(buffer, CancellationToken.None);
        if (Encoding.UTF8.GetString(buffer, 0, handshake.Count).TrimEnd((char)RecordSeparator).Trim() != "{}")
        {
            throw new InvalidOperationException("Hub handshake failed: " + Encoding.UTF8.GetString(buffer, 0, handshake.Count));
        }

        watcher._receive = Task.Run(watcher.ReceiveLoopAsync);
        return watcher;
    }

    /// <summary>Calls a hub method and returns its result; the hub's error text becomes an exception.</summary>
    public async Task<JsonElement> InvokeAsync(string target, params object?[] arguments)
    {
        var id = Interlocked.Increment(ref _invocationId).ToString(CultureInfo.InvariantCulture);
        var completion = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_pending)
        {
            _pending[id] = completion;
        }

        await SendAsync(JsonSerializer.Serialize(new { type = 1, invocationId = id, target, arguments }));
        var result = await completion.Task.WaitAsync(TimeSpan.FromSeconds(60));
        return result.TryGetProperty("error", out var error)
            ? throw new InvalidOperationException($"{target}: {error.GetString()}")
            : result.TryGetProperty("result", out var value) ? value : default;
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
        _sendLock.Dispose();
    }

    private async Task SendAsync(string json)
    {
        // A WebSocket allows one send at a time; invocations may overlap.
        await _sendLock.WaitAsync();
        try
        {
            await _socket.SendAsync(Encoding.UTF8.GetBytes(json + (char)RecordSeparator), WebSocketMessageType.Text, true, CancellationToken.None);
        }
        finally
        {
            _sendLock.Release();
        }
    }

    private async Task ReceiveLoopAsync()
    {
        var buffer = new byte[64 * 1024];
        var message = new MemoryStream();
        while (!_stop.IsCancellationRequested && _socket.State == WebSocketState.Open)
        {
            var result = await _socket.ReceiveAsync(buffer, _stop.Token);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                return;
            }

            message.Write(buffer, 0, result.Count);
            if (!result.EndOfMessage)
            {
                continue;
            }

            var arrived = Stopwatch.GetTimestamp();
            ReadOnlyMemory<byte> bytes = message.GetBuffer().AsMemory(0, (int)message.Length);
            while (!bytes.IsEmpty)
            {
                var end = bytes.Span.IndexOf(RecordSeparator);
                var record = end < 0 ? bytes : bytes[..end];
                bytes = end < 0 ? ReadOnlyMemory<byte>.Empty : bytes[(end + 1)..];
                if (!record.IsEmpty)
                {
                    Handle(record, arrived);
                }
            }

            message.SetLength(0);
        }
    }

    private void Handle(ReadOnlyMemory<byte> record, long arrived)
    {
        using var document = JsonDocument.Parse(record);
        var root = document.RootElement;
        switch (root.GetProperty("type").GetInt32())
        {
            case 1 when record.Span.IndexOf(ScreenshotAddedTarget) >= 0 && root.GetProperty("target").GetString() == "screenshotAdded":
                onScreenshot(root.GetProperty("arguments")[0].GetProperty("screenshot").GetProperty("id").GetString()!, arrived);
                break;
            case 3:
                TaskCompletionSource<JsonElement>? completion;
                lock (_pending)
                {
                    _pending.Remove(root.GetProperty("invocationId").GetString()!, out completion);
                }

                completion?.TrySetResult(root.Clone());
                break;
        }
    }
}
