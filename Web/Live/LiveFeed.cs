using LiveTracker.Actors.Persistence;
using Microsoft.AspNetCore.SignalR;

namespace LiveTracker.Web.Live;

/// <summary>
/// Tails the journal by ordering (woken by the journal's notification) and pushes each event of a watched
/// contract to its hub group. Only what is committed to the journal is ever read, so nothing reaches a page
/// before it is durable.
/// </summary>
public sealed partial class LiveFeed(
    IPersistenceStore store, EventSerializer serializer, WatchedContracts watched, IHubContext<WorkViewHub> hub, ILogger<LiveFeed> logger)
    : BackgroundService
{
    // Only the feed loop reads and moves it.
    private long _position;

    // The last send of each contract; the feed loop is the only writer, so no lock.
    private readonly Dictionary<string, Task> _sending = new(StringComparer.Ordinal);

    public static IEnumerable<LiveMessage> Messages(JournalEvent stored, EventSerializer serializer)
    {
        ArgumentNullException.ThrowIfNull(stored);
        ArgumentNullException.ThrowIfNull(serializer);
        object @event;
        try
        {
            @event = serializer.Deserialize(stored.Manifest, stored.Payload);
        }
        catch (Exception ex) when (ex is UnknownManifestException or System.Text.Json.JsonException or NotSupportedException)
        {
            return []; // an event this version cannot read is not shown live; the page's next read has it
        }

        return LiveMessages.From(stored, @event);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Pages that connect later ask for replay; the feed itself starts at the present.
        _position = await store.EventLog.ReadHighestOrderingAsync(stoppingToken);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var batch = await store.EventLog.ReadAfterAsync(_position, 1000, stoppingToken);
                if (batch.Count == 0)
                {
                    await store.EventLog.WaitForEventsAfterAsync(_position, stoppingToken);
                    continue;
                }

                foreach (var stored in batch)
                {
                    // Unwatched contracts cost no deserialization; a tracker's events name their contract inside.
                    var contractId = LiveMessages.ContractOf(stored.PersistenceId);
                    if (contractId is not null ? watched.IsWatched(contractId) : LiveMessages.IsTracker(stored.PersistenceId))
                    {
                        foreach (var message in Messages(stored, serializer).Where(m => watched.IsWatched(m.ContractId)))
                        {
                            Send(message, stoppingToken);
                        }
                    }

                    _position = stored.Ordering;
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
#pragma warning disable CA1031 // The feed must outlive a database hiccup; it resumes from its position.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                LogFeedFailed(logger, ex, _position);
                await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken);
            }
        }
    }

    /// <summary>
    /// Sends in order per contract, but without waiting: a page that stops reading its WebSocket holds back only
    /// its own contracts' messages (until SignalR drops it), never the feed or other contracts.
    /// </summary>
    private void Send(LiveMessage message, CancellationToken cancellationToken)
    {
        var previous = _sending.GetValueOrDefault(message.ContractId, Task.CompletedTask);
        _sending[message.ContractId] = SendAfterAsync(previous, message, cancellationToken);
        if (_sending.Count > 10_000)
        {
            foreach (var done in _sending.Where(s => s.Value.IsCompleted).Select(s => s.Key).ToList())
            {
                _sending.Remove(done);
            }
        }
    }

    private async Task SendAfterAsync(Task previous, LiveMessage message, CancellationToken cancellationToken)
    {
        await previous.ConfigureAwait(false);
        try
        {
            await hub.Clients.Group(WorkViewHub.Group(message.ContractId)).SendAsync(message.Method, message.Payload, cancellationToken).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // One failed send (a connection going away) must not stop the contract's later messages.
        catch (Exception ex) when (ex is not OperationCanceledException)
#pragma warning restore CA1031
        {
            LogSendFailed(logger, ex, message.ContractId);
        }
        catch (OperationCanceledException)
        {
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "A live message for contract {ContractId} could not be sent")]
    private static partial void LogSendFailed(ILogger logger, Exception exception, string contractId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The live feed failed after ordering {Position}; resuming")]
    private static partial void LogFeedFailed(ILogger logger, Exception exception, long position);
}
