using System.Text.Json;
using System.Threading.Channels;
using LiveTracker.Web.Live;
using Microsoft.AspNetCore.SignalR.Client;

namespace LiveTracker.Web.Tests.Api;

/// <summary>
/// A page's view of <c>/hubs/workview</c> through the official .NET SignalR client (negotiate, then WebSockets,
/// the bearer token as <c>access_token</c>, as API.md documents). Every server message is queued, so a test can
/// wait for the next one of a kind.
/// </summary>
public sealed class TestHubClient : IAsyncDisposable
{
    /// <summary>Everything the hub sends (API.md's list plus <c>resync</c> and <c>signedOut</c>).</summary>
    private static readonly string[] ServerMethods =
    [
        "screenshotAdded", "segmentUpdated", "commentAdded", "screenshotRejected", "trackingChanged", "limitApproaching",
        "timesheetChanged", "notification", "resync", "signedOut",
    ];

    private readonly HubConnection _connection;
    private readonly Channel<(string Method, JsonElement Payload)> _received = Channel.CreateUnbounded<(string, JsonElement)>();
    private readonly List<string> _seen = [];

    private TestHubClient(HubConnection connection)
    {
        _connection = connection;
        foreach (var method in ServerMethods)
        {
            _connection.On<JsonElement>(method, payload => _received.Writer.TryWrite((method, payload)));
        }
    }

    /// <summary>Connects and completes the handshake; a refused sign-in throws (HTTP 401 at negotiate).</summary>
    public static async Task<TestHubClient> ConnectAsync(Uri baseAddress, string? token)
    {
        ArgumentNullException.ThrowIfNull(baseAddress);
        var connection = new HubConnectionBuilder()
            .WithUrl(new Uri(baseAddress, WorkViewHub.Path), options =>
            {
                if (token is not null)
                {
                    options.AccessTokenProvider = () => Task.FromResult<string?>(token);
                }
            })
            .Build();
        var client = new TestHubClient(connection);
        try
        {
            await connection.StartAsync();
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }

        return client;
    }

    /// <summary>Calls a hub method with exactly these arguments; its result, or a <see cref="HubException"/> with the hub's error text.</summary>
    public Task<JsonElement> InvokeAsync(string target, params object?[] arguments) =>
        _connection.InvokeCoreAsync<JsonElement>(target, arguments).WaitAsync(TimeSpan.FromSeconds(10));

    /// <summary>The next server message for <paramref name="method"/> that matches, within the timeout.</summary>
    public async Task<JsonElement> ExpectAsync(string method, Func<JsonElement, bool>? match = null, TimeSpan? timeout = null)
    {
        using var cancel = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(10));
        try
        {
            while (true)
            {
                var (target, payload) = await _received.Reader.ReadAsync(cancel.Token);
                _seen.Add(target);
                if (target == method && (match is null || match(payload)))
                {
                    return payload;
                }
            }
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"No {method} arrived; saw: {string.Join(", ", _seen)}");
        }
    }

    /// <summary>Every message that arrives within <paramref name="window"/> (for "receives nothing" checks).</summary>
    public async Task<IReadOnlyList<string>> DrainAsync(TimeSpan window)
    {
        var drained = new List<string>();
        using var cancel = new CancellationTokenSource(window);
        try
        {
            while (true)
            {
                drained.Add((await _received.Reader.ReadAsync(cancel.Token)).Method);
            }
        }
        catch (OperationCanceledException)
        {
            return drained;
        }
    }

    public ValueTask DisposeAsync() => _connection.DisposeAsync();
}
