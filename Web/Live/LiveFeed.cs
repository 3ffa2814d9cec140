using Akka.Actor;
using Akka.Cluster.Tools.PublishSubscribe;
using Akka.Persistence;
using Akka.Persistence.Query;
using Akka.Persistence.Sql.Query;
using Akka.Streams;
using Akka.Streams.Dsl;
using LiveTracker.Actors.Configuration;
using LiveTracker.Actors.Live;
using Microsoft.AspNetCore.SignalR;

namespace LiveTracker.Web.Live;

/// <summary>
/// Pushes each committed event of a watched contract to its hub group. The entity publishes where it wrote
/// (<see cref="LiveEventWritten"/> on the live feed's DistributedPubSub topic, whichever node it runs on); this node
/// subscribes to it when it starts, keeps the events of the contracts its pages watch, reads each back from the journal
/// (Akka.Persistence.Query, by persistence id and sequence number, which also gives its ordering) and sends it. Only
/// what the journal holds is ever sent, in the order each contract's events were published.
/// </summary>
public sealed partial class LiveFeed(
    ActorSystem system, WatchedContracts watched, IHubContext<WorkViewHub> hub, LiveTrackerSettings settings, ILogger<LiveFeed> logger)
    : IHostedService
{
    private static readonly TimeSpan JournalStartLimit = TimeSpan.FromSeconds(60);

    private readonly Lock _gate = new();

    // The last send of each contract, so that its messages go out in order without waiting on one another.
    private readonly Dictionary<string, Task> _sending = new(StringComparer.Ordinal);
    private SqlReadJournal? _journal;
    private IMaterializer? _materializer;
    private IActorRef? _listener;
    private readonly TaskCompletionSource _subscribed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        // The read journal blocks for at most 5 s (the plugin's fixed limit) on the write journal having created its
        // tables; several nodes starting on one busy machine can take longer. So wait for the write journal first, on
        // our own limit: a replay of nothing is stashed by it until it is ready.
        var writeJournal = Persistence.Instance.Apply(system).JournalFor(null);
        object ready;
        try
        {
            ready = await writeJournal.Ask<object>(
                replyTo => new ReplayMessages(0, 0, 0, "livetracker-journal-ready", replyTo), JournalStartLimit, cancellationToken);
        }
        catch (AskTimeoutException)
        {
            throw new InvalidOperationException(
                $"The journal did not start within {JournalStartLimit.TotalSeconds:N0} s: is the database (livetracker.persistence) reachable?");
        }

        if (ready is ReplayMessagesFailure failure)
        {
            throw new InvalidOperationException("The journal did not start: " + failure.Cause.Message, failure.Cause);
        }

        _journal = PersistenceQuery.Get(system).ReadJournalFor<SqlReadJournal>(SqlReadJournal.Identifier);
        _materializer = system.Materializer(namePrefix: "live-feed");
        _listener = system.ActorOf(Props.Create(() => new Listener(this)), "live-feed");
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _listener?.Tell(PoisonPill.Instance);
        return Task.CompletedTask;
    }

    /// <summary>The read journal, for replays.</summary>
    public SqlReadJournal Journal => _journal ?? throw new InvalidOperationException("The live feed has not started.");

    public IMaterializer Materializer => _materializer ?? throw new InvalidOperationException("The live feed has not started.");

    /// <summary>Completes once this node's subscription to the live feed is in place (at start, within moments).</summary>
    public Task SubscribedAsync(CancellationToken cancellationToken) =>
        _subscribed.Task.WaitAsync(settings.Actors.AskTimeout, cancellationToken);

    private void Written(LiveEventWritten written)
    {
        if (!watched.IsWatched(written.ContractId))
        {
            return;
        }

        lock (_gate)
        {
            var previous = _sending.GetValueOrDefault(written.ContractId, Task.CompletedTask);
            _sending[written.ContractId] = SendAfterAsync(previous, written);
            if (_sending.Count > 10_000)
            {
                foreach (var done in _sending.Where(s => s.Value.IsCompleted).Select(s => s.Key).ToList())
                {
                    _sending.Remove(done);
                }
            }
        }
    }

    private async Task SendAfterAsync(Task previous, LiveEventWritten written)
    {
        await previous.ConfigureAwait(false);
        try
        {
            var stored = await Journal.CurrentEventsByPersistenceId(written.PersistenceId, written.SequenceNr, written.SequenceNr)
                .RunWith(Sink.FirstOrDefault<EventEnvelope>(), Materializer).ConfigureAwait(false);
            if (stored is null)
            {
                return;
            }

            foreach (var message in LiveMessages.From(stored).Where(m => m.ContractId == written.ContractId))
            {
                await hub.Clients.Group(WorkViewHub.Group(message.ContractId)).SendAsync(message.Method, message.Payload).ConfigureAwait(false);
            }
        }
#pragma warning disable CA1031 // One failed read or send must not stop the contract's later messages; a page resumes with WatchFrom.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LogSendFailed(logger, ex, written.ContractId);
        }
    }

    /// <summary>This node's subscriber on the live feed's topic.</summary>
    private sealed class Listener : ReceiveActor
    {
        private readonly IActorRef _mediator = DistributedPubSub.Get(Context.System).Mediator;

        public Listener(LiveFeed feed)
        {
            Receive<LiveEventWritten>(feed.Written);
            Receive<SubscribeAck>(_ => feed._subscribed.TrySetResult());
            _mediator.Tell(new Subscribe(LiveTopics.All, Self));
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "A live message for contract {ContractId} could not be sent")]
    private static partial void LogSendFailed(ILogger logger, Exception exception, string contractId);
}
