using System.Collections.Concurrent;
using Akka.Persistence.Query;
using Akka.Streams.Dsl;
using LiveTracker.Actors.Live;
using LiveTracker.Web.Api;
using LiveTracker.Web.Security;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;

namespace LiveTracker.Web.Live;

/// <summary>
/// <c>/hubs/workview</c>: a page watches a contract (only its parties may) and receives what the journal records
/// for it. <c>Watch(contractId)</c> is live from now; <c>WatchFrom(contractId, afterOrdering)</c> first replays what
/// the page missed since that ordering, so a reconnecting page never shows a gap. Both return the ordering the page
/// is current to. Two names, not one method with an optional argument: SignalR binds by name and argument count.
/// </summary>
[Authorize(Policy = Policies.SignedIn)]
public sealed class WorkViewHub(DomainClient domain, WatchedContracts watched, LiveFeed feed, LiveReplay replay) : Hub
{
    public const string Path = "/hubs/workview";

    public static string Group(string contractId) => "contract:" + contractId;

    public Task<WatchResult> Watch(string contractId) => StartWatchingAsync(contractId, afterOrdering: null);

    public Task<WatchResult> WatchFrom(string contractId, long afterOrdering) => StartWatchingAsync(contractId, afterOrdering);

    private async Task<WatchResult> StartWatchingAsync(string contractId, long? afterOrdering)
    {
        var http = Context.GetHttpContext()!;
        var user = http.User();
        if (await LiveTrackerAuthentication.ActiveTokenAsync(http, user.TokenId) is null)
        {
            throw new HubException("unauthenticated: the sign-in of this connection has ended.");
        }

        if (await domain.ContractForPartyAsync(contractId, user, Context.ConnectionAborted) is null)
        {
            throw new HubException("not-found: no such contract, or it is not yours to see.");
        }

        watched.Signed(Context.ConnectionId, user.TokenId);

        // Join first, then replay: a message arriving meanwhile may come twice (pages skip orderings they have),
        // never not at all.
        if (watched.Add(Context.ConnectionId, contractId))
        {
            await Groups.AddToGroupAsync(Context.ConnectionId, Group(contractId), Context.ConnectionAborted);
            await feed.SubscribedAsync(Context.ConnectionAborted);
        }

        var current = await replay.HighestOrderingAsync(Context.ConnectionAborted);
        if (afterOrdering is { } after)
        {
            await foreach (var message in replay.ReadAsync(contractId, after, current, Context.ConnectionAborted))
            {
                await Clients.Caller.SendAsync(message.Method, message.Payload, Context.ConnectionAborted);
            }
        }

        return new WatchResult(contractId, current);
    }

    public async Task Unwatch(string contractId)
    {
        if (watched.Remove(Context.ConnectionId, contractId))
        {
            await Groups.RemoveFromGroupAsync(Context.ConnectionId, Group(contractId));
        }
    }

    public override Task OnDisconnectedAsync(Exception? exception)
    {
        watched.RemoveConnection(Context.ConnectionId);
        return base.OnDisconnectedAsync(exception);
    }

    public sealed record WatchResult(string ContractId, long Ordering);
}

/// <summary>Which contracts someone on this node watches: the live feed skips every other contract's events.</summary>
public sealed class WatchedContracts
{
    private readonly ConcurrentDictionary<string, int> _watchers = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, HashSet<string>> _byConnection = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _tokenOf = new(StringComparer.Ordinal);

    /// <summary>Remembers which sign-in a connection watches under, so signing out can end its subscriptions.</summary>
    public void Signed(string connectionId, string tokenId) => _tokenOf[connectionId] = tokenId;

    /// <summary>The connections signed in with <paramref name="tokenId"/> and the contracts each watches.</summary>
    public IReadOnlyList<(string ConnectionId, IReadOnlyList<string> Contracts)> SignedWith(string tokenId)
    {
        var result = new List<(string, IReadOnlyList<string>)>();
        foreach (var (connectionId, token) in _tokenOf)
        {
            if (token == tokenId && _byConnection.TryGetValue(connectionId, out var set))
            {
                lock (set)
                {
                    result.Add((connectionId, [.. set]));
                }
            }
        }

        return result;
    }

    public bool IsWatched(string contractId) => _watchers.TryGetValue(contractId, out var count) && count > 0;

    /// <summary>True when the connection did not watch the contract yet.</summary>
    public bool Add(string connectionId, string contractId)
    {
        var set = _byConnection.GetOrAdd(connectionId, _ => new HashSet<string>(StringComparer.Ordinal));
        lock (set)
        {
            if (!set.Add(contractId))
            {
                return false;
            }
        }

        _watchers.AddOrUpdate(contractId, 1, (_, n) => n + 1);
        return true;
    }

    public bool Remove(string connectionId, string contractId)
    {
        if (!_byConnection.TryGetValue(connectionId, out var set))
        {
            return false;
        }

        lock (set)
        {
            if (!set.Remove(contractId))
            {
                return false;
            }
        }

        Decrement(contractId);
        return true;
    }

    private void Decrement(string contractId)
    {
        _watchers.AddOrUpdate(contractId, 0, (_, n) => Math.Max(0, n - 1));
        _watchers.TryRemove(KeyValuePair.Create(contractId, 0));
    }

    /// <summary>Forgets the connection and what it watched.</summary>
    public void RemoveConnection(string connectionId)
    {
        _tokenOf.TryRemove(connectionId, out _);
        if (!_byConnection.TryRemove(connectionId, out var set))
        {
            return;
        }

        string[] contracts;
        lock (set)
        {
            contracts = [.. set];
        }

        foreach (var contractId in contracts)
        {
            Decrement(contractId);
        }
    }
}

/// <summary>Reads the journal back for a reconnecting page: one contract's messages between two orderings.</summary>
public sealed class LiveReplay(LiveFeed feed, JournalPosition position)
{
    /// <summary>Past this many events a gap is not replayed; the page is told to reload instead.</summary>
    public const int MaxReplayEvents = 50_000;

    public Task<long> HighestOrderingAsync(CancellationToken cancellationToken) => position.HighestOrderingAsync(cancellationToken);

    public async IAsyncEnumerable<LiveMessage> ReadAsync(
        string contractId, long after, long upTo, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (after >= upTo)
        {
            yield break;
        }

        var scanned = 0;
        var events = feed.Journal.CurrentAllEvents(Offset.Sequence(after))
            .TakeWhile(e => e.Offset is Sequence s && s.Value <= upTo)
            .RunAsAsyncEnumerable(feed.Materializer);
        await foreach (var stored in events.WithCancellation(cancellationToken))
        {
            if (++scanned > MaxReplayEvents)
            {
                yield return new LiveMessage("resync", contractId, new { contractId, ordering = upTo });
                yield break;
            }

            // Other contracts' events are not looked at (a tracker's name their contract inside).
            var owner = LiveMessages.ContractOf(stored.PersistenceId);
            if (owner == contractId || (owner is null && LiveMessages.IsTracker(stored.PersistenceId)))
            {
                foreach (var message in LiveMessages.From(stored).Where(m => m.ContractId == contractId))
                {
                    yield return message;
                }
            }
        }
    }
}
