using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Persistence;
using Akka.Persistence.Query;
using Akka.Persistence.Sql.Query;
using Akka.Streams;
using Akka.Streams.Dsl;
using LiveTracker.Actors.Hosting;
using Microsoft.Extensions.Logging;

namespace LiveTracker.Actors.Deadlines;

/// <summary>
/// The one keeper of deadlines in the cluster (a cluster singleton, ADR 0010). It follows the journal's
/// <see cref="Tag"/> events (Akka.Persistence.Query, from the offset it stored), so a deadline an entity wrote is never
/// missed, whatever crashed when; and it tells each entity <see cref="DeadlineDue"/> once the domain clock passes the
/// deadline, until the entity answers <see cref="DeadlineHandled"/>. Due deadlines go oldest first, at most
/// <see cref="MaxInFlight"/> at a time; one that is not answered is tried again after a backoff that doubles per
/// attempt (up to <see cref="MaxBackoffTicks"/> ticks), so a failing entity never holds back the deadlines behind it.
/// </summary>
public sealed partial class DeadlineKeeper : SnapshottingEntity, IWithTimers
{
    public const string Tag = "deadline";
    public const string SingletonName = "deadlines";
    public const int MaxInFlight = 200;
    public const int MaxBackoffTicks = 60;

    private const string TickTimer = "tick";
    private const string RestartTimer = "restart-stream";

    private readonly TimeProvider _time;
    private readonly ILogger _log;
    private readonly TimeSpan _tick;
    private readonly TimeSpan _answerTimeout;
    private readonly Dictionary<DeadlineKey, Entry> _pending = [];
    private long _offset;
    private long _ticks;
    private int _inFlight;
    private UniqueKillSwitch? _stream;

    public DeadlineKeeper(TimeProvider time, ILogger<DeadlineKeeper> log, int snapshotEvery, TimeSpan tick, TimeSpan answerTimeout)
        : base("deadline-keeper", snapshotEvery)
    {
        _time = time;
        _log = log;
        _tick = tick;
        _answerTimeout = answerTimeout;

        Recovers<DeadlineNoted>();
        Recovers<DeadlineDelivered>();
        Recover<RecoveryCompleted>(_ =>
        {
            Timers.StartPeriodicTimer(TickTimer, Tick.Instance, _tick);
            Follow();
        });

        Command<StreamStarted>(_ => Sender.Tell(StreamAck.Instance));
        Command<EventEnvelope>(Note);
        Command<StreamEnded>(ended =>
        {
            LogStreamEnded(_log, ended.Reason ?? "the stream completed");
            Timers.StartSingleTimer(RestartTimer, RestartStream.Instance, TimeSpan.FromSeconds(5));
        });
        Command<RestartStream>(_ => Follow());
        Command<Tick>(_ => DeliverDue());
        Command<Answered>(Answer);
        Command<GetDeadlines>(_ => Sender.Tell(new PendingDeadlines(
            _offset, [.. _pending.OrderBy(p => p.Value.DueAt).Select(p => p.Value.ToPending(p.Key))])));
    }

    public ITimerScheduler Timers { get; set; } = null!;

    protected override void PostStop()
    {
        _stream?.Shutdown();
        base.PostStop();
    }

    /// <summary>Follows the tag from the stored offset (events after it), one element at a time, acknowledged once noted.</summary>
    private void Follow()
    {
        _stream?.Shutdown();
        var journal = PersistenceQuery.Get(Context.System).ReadJournalFor<SqlReadJournal>(SqlReadJournal.Identifier);
        _stream = journal.EventsByTag(Tag, Offset.Sequence(_offset))
            .ViaMaterialized(KillSwitches.Single<EventEnvelope>(), Keep.Right)
            .To(Sink.ActorRefWithAck<EventEnvelope>(
                Self, StreamStarted.Instance, StreamAck.Instance, new StreamEnded(null), error => new StreamEnded(error.GetBaseException().Message)))
            .Run(Context.Materializer());
    }

    private void Note(EventEnvelope envelope)
    {
        var offset = envelope.Offset is Sequence sequence ? sequence.Value : _offset;
        DeadlineNoted? noted = envelope.Event switch
        {
            DeadlineSet set => new DeadlineNoted(offset, set.Region, set.EntityId, set.Name, set.DueAt),
            DeadlineCleared cleared => new DeadlineNoted(offset, cleared.Region, cleared.EntityId, cleared.Name, null),
            _ => null,
        };
        if (noted is null || offset <= _offset)
        {
            Sender.Tell(StreamAck.Instance); // not a deadline, or one already noted before a restart of the stream
            return;
        }

        var stream = Sender;
        Record(noted, _ => stream.Tell(StreamAck.Instance));
    }

    private void DeliverDue()
    {
        _ticks++;
        var now = _time.GetUtcNow();
        var due = _pending
            .Where(p => !p.Value.InFlight && p.Value.DueAt <= now && p.Value.NextTick <= _ticks)
            .OrderBy(p => p.Value.DueAt)
            .Take(MaxInFlight - _inFlight)
            .ToList();
        foreach (var (key, entry) in due)
        {
            entry.InFlight = true;
            entry.Attempts++;
            _inFlight++;
            var dueAt = entry.DueAt;
            Ask(key, new DeadlineDue(key.Name, dueAt)).PipeTo(
                Self,
                success: handled => new Answered(key, dueAt, handled is DeadlineHandled h && h.DueAt == dueAt),
                failure: _ => new Answered(key, dueAt, false));
        }
    }

    private Task<object> Ask(DeadlineKey key, DeadlineDue due)
    {
        try
        {
            return ClusterSharding.Get(Context.System).ShardRegion(key.Region)
                .Ask<object>(new ShardingEnvelope(key.EntityId, due), _answerTimeout);
        }
        catch (ArgumentException error)
        {
            return Task.FromException<object>(error); // a region this node does not run (yet)
        }
    }

    private void Answer(Answered answered)
    {
        if (!_pending.TryGetValue(answered.Key, out var entry) || !entry.InFlight || entry.DueAt != answered.DueAt)
        {
            return; // cleared or moved meanwhile (Forget counted it out): the newer deadline is delivered on its own time
        }

        entry.InFlight = false;
        _inFlight--;
        if (answered.Handled)
        {
            Record(new DeadlineDelivered(answered.Key.Region, answered.Key.EntityId, answered.Key.Name, answered.DueAt));
            return;
        }

        entry.NextTick = _ticks + Math.Min(1L << Math.Min(entry.Attempts, 16), MaxBackoffTicks);
        if (entry.Attempts == 3)
        {
            LogNotHandled(_log, answered.Key.Region, answered.Key.EntityId, answered.Key.Name, answered.DueAt, entry.Attempts);
        }
    }

    protected override void ApplyEvent(object @event)
    {
        switch (@event)
        {
            case DeadlineNoted noted:
                _offset = Math.Max(_offset, noted.Offset);
                var key = new DeadlineKey(noted.Region, noted.EntityId, noted.Name);
                if (noted.DueAt is not { } dueAt)
                {
                    Forget(key);
                }
                else if (!_pending.TryGetValue(key, out var known) || known.DueAt != dueAt)
                {
                    Forget(key);
                    _pending[key] = new Entry(dueAt);
                }

                break;
            case DeadlineDelivered delivered:
                var done = new DeadlineKey(delivered.Region, delivered.EntityId, delivered.Name);
                if (_pending.TryGetValue(done, out var entry) && entry.DueAt == delivered.DueAt)
                {
                    Forget(done);
                }

                break;
        }
    }

    private void Forget(DeadlineKey key)
    {
        if (_pending.Remove(key, out var gone) && gone.InFlight)
        {
            _inFlight--;
        }
    }

    protected override object CreateSnapshot() =>
        new DeadlineKeeperSnapshot(_offset, [.. _pending.Select(p => p.Value.ToPending(p.Key))]);

    protected override void ApplySnapshot(object snapshot)
    {
        var state = (DeadlineKeeperSnapshot)snapshot;
        _offset = state.Offset;
        _pending.Clear();
        foreach (var d in state.Deadlines)
        {
            _pending[new DeadlineKey(d.Region, d.EntityId, d.Name)] = new Entry(d.DueAt);
        }
    }

    private readonly record struct DeadlineKey(string Region, string EntityId, string Name);

    private sealed class Entry(DateTimeOffset dueAt)
    {
        public DateTimeOffset DueAt { get; } = dueAt;

        public int Attempts { get; set; }

        public long NextTick { get; set; }

        public bool InFlight { get; set; }

        public PendingDeadline ToPending(DeadlineKey key) => new(key.Region, key.EntityId, key.Name, DueAt, Attempts);
    }

    // Messages of the keeper to itself and its stream: never leave the process.
    private sealed class Tick : INoSerializationVerificationNeeded
    {
        public static readonly Tick Instance = new();
    }

    private sealed class RestartStream : INoSerializationVerificationNeeded
    {
        public static readonly RestartStream Instance = new();
    }

    private sealed class StreamStarted : INoSerializationVerificationNeeded
    {
        public static readonly StreamStarted Instance = new();
    }

    private sealed class StreamAck : INoSerializationVerificationNeeded
    {
        public static readonly StreamAck Instance = new();
    }

    private sealed record StreamEnded(string? Reason) : INoSerializationVerificationNeeded;

    private sealed record Answered(DeadlineKey Key, DateTimeOffset DueAt, bool Handled) : INoSerializationVerificationNeeded;

    [LoggerMessage(Level = LogLevel.Warning, Message = "Deadline {Name} of {Region}/{EntityId}, due {DueAt}, not handled after {Attempts} attempts; retrying with backoff")]
    private static partial void LogNotHandled(ILogger logger, string region, string entityId, string name, DateTimeOffset dueAt, int attempts);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The deadline feed stopped ({Reason}); following it again in 5 s")]
    private static partial void LogStreamEnded(ILogger logger, string reason);
}
