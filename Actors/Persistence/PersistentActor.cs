using LiveTracker.Actors.Kernel;
using Microsoft.Extensions.Logging;

namespace LiveTracker.Actors.Persistence;

/// <summary>What persistent actors need: the store, the serializer and when to snapshot.</summary>
public sealed record PersistenceContext(IPersistenceStore Store, EventSerializer Serializer, int SnapshotEvery = 200);

/// <summary>Raised (and handled by supervision: restart and recover) when a journal write failed.</summary>
public sealed class PersistFailedException(string persistenceId, Exception inner)
    : Exception($"Persisting events of '{persistenceId}' failed: {inner.Message}", inner)
{
    public string PersistenceId { get; } = persistenceId;
}

/// <summary>
/// An event-sourced actor (Akka's <c>ReceivePersistentActor</c> reshaped around one state transition):
/// <list type="bullet">
/// <item>Before its first command it recovers: the latest snapshot, then every later event through <see cref="ApplyEvent"/>.</item>
/// <item><see cref="Persist{TEvent}"/>/<see cref="PersistAll{TEvent}"/> queue events; when the command handler returns
/// they are written as one atomic journal write, then each is applied with <see cref="ApplyEvent"/> and its
/// <c>then</c> callback runs (reply there: the write is durable by then).</item>
/// <item>Commands that arrive while a write is in flight wait in the mailbox, so a command always sees the
/// state produced by the commands before it.</item>
/// <item>Every <see cref="PersistenceContext.SnapshotEvery"/> events the state from <see cref="CreateSnapshot"/> is stored.</item>
/// </list>
/// A failed write (e.g. a sequence conflict with another incarnation) throws <see cref="PersistFailedException"/>,
/// which supervision answers with a restart: the fresh instance recovers from the journal.
/// </summary>
public abstract partial class PersistentActor : ActorBase
{
    private readonly List<PendingPersist> _pending = [];
    private readonly List<ReminderChange> _pendingReminders = [];
    private readonly List<Func<Task>> _pendingAwaits = [];
    private readonly List<Action> _afterPersist = [];
    private bool _stateAheadOfJournal;
    private long _lastSnapshotSequenceNr;

    protected PersistentActor(string persistenceId, PersistenceContext persistence)
    {
        ArgumentException.ThrowIfNullOrEmpty(persistenceId);
        PersistenceId = persistenceId;
        Persistence = persistence ?? throw new ArgumentNullException(nameof(persistence));
    }

    public string PersistenceId { get; }

    protected PersistenceContext Persistence { get; }

    /// <summary>Sequence number of the last event applied (recovered or persisted).</summary>
    protected long LastSequenceNr { get; private set; }

    protected bool IsRecovering { get; private set; }

    /// <summary>Handles a command; call <see cref="Persist{TEvent}"/> to record what happened.</summary>
    protected abstract void OnCommand(object command);

    /// <summary>The state transition of one event; used both in recovery and after a write. Must not have side effects.</summary>
    protected abstract void ApplyEvent(object @event);

    /// <summary>The state to snapshot (a type with a [Manifest]); null when this actor does not snapshot.</summary>
    protected virtual object? CreateSnapshot() => null;

    protected virtual void ApplySnapshot(object snapshot) { }

    /// <summary>
    /// Runs right after <see cref="ApplyEvent"/> for each event a command persists (never in recovery), before the
    /// events are written: reminders set here (from the new state) are stored in the same transaction as the events.
    /// </summary>
    protected virtual void OnPersisting(object @event) { }

    /// <summary>Runs once recovery has replayed everything, before the first command.</summary>
    protected virtual void OnRecoveryCompleted() { }

    protected void Persist<TEvent>(TEvent @event, Action<TEvent>? then = null)
        where TEvent : notnull =>
        _pending.Add(new PendingPersist([@event], then is null ? null : e => then((TEvent)e)));

    /// <summary>Persists <paramref name="events"/> atomically; <paramref name="then"/> runs once per event.</summary>
    protected void PersistAll<TEvent>(IEnumerable<TEvent> events, Action<TEvent>? then = null)
        where TEvent : notnull
    {
        var list = events.Cast<object>().ToList();
        if (list.Count > 0)
        {
            _pending.Add(new PendingPersist(list, then is null ? null : e => then((TEvent)e)));
        }
    }

    /// <summary>
    /// Sets the durable reminder <paramref name="key"/> (moving it when it exists). It is stored with the events of
    /// this command, in the same transaction (on its own when the command persists nothing), so a reminder is never
    /// set for a state that was not written.
    /// </summary>
    protected void SetReminder(ReminderKey key, DateTimeOffset dueAt, TimeSpan? recurrence = null) =>
        _pendingReminders.Add(ReminderChange.Set(key, dueAt, recurrence));

    /// <summary>Cancels the durable reminder <paramref name="key"/>, with this command's events.</summary>
    protected void CancelReminder(ReminderKey key) => _pendingReminders.Add(ReminderChange.Cancel(key));

    /// <summary>
    /// Runs <paramref name="action"/> once everything this command persists (and its reminders) is durable — at
    /// once when it persists nothing. For acknowledgements that must not get ahead of the state they confirm.
    /// </summary>
    protected void AfterPersist(Action action)
    {
        ArgumentNullException.ThrowIfNull(action);
        _afterPersist.Add(action);
    }

    /// <summary>
    /// Awaits <paramref name="task"/> (a call to the outside world, e.g. a payment gateway) before the next message,
    /// then runs <paramref name="then"/> with its result, where the actor may persist and reply as in a command.
    /// Events persisted before the await are written first. A faulted task fails the actor like a failed write.
    /// </summary>
    protected void AwaitThen<T>(Task<T> task, Action<T> then)
    {
        ArgumentNullException.ThrowIfNull(task);
        ArgumentNullException.ThrowIfNull(then);
        _pendingAwaits.Add(async () => then(await task.ConfigureAwait(true)));
    }

    /// <summary>Sealed so that a subclass cannot bypass persistence by handling messages here; use <see cref="OnCommand"/>.</summary>
    protected sealed override void OnReceive(object message) => OnCommand(message);

    protected sealed override ValueTask OnReceiveAsync(object message)
    {
        if (_stateAheadOfJournal)
        {
            // Only when supervision resumed the actor after a failed write: its state includes unwritten events.
            throw new InvalidOperationException($"{PersistenceId} holds state that was never written; it must be restarted to recover.");
        }

        try
        {
            OnCommand(message);
        }
        catch
        {
            // Events of a command that failed half-way must not be written with the next command.
            _pending.Clear();
            _pendingReminders.Clear();
            _pendingAwaits.Clear();
            _afterPersist.Clear();
            throw;
        }

        return _pending.Count == 0 && _pendingReminders.Count == 0 && _pendingAwaits.Count == 0 && _afterPersist.Count == 0
            ? ValueTask.CompletedTask
            : CompleteCommandAsync();
    }

    private void RunAfterPersist()
    {
        // Actions may queue more (rarely); run them in order until none is left.
        for (var i = 0; i < _afterPersist.Count; i++)
        {
            _afterPersist[i]();
        }

        _afterPersist.Clear();
    }

    private async ValueTask CompleteCommandAsync()
    {
        try
        {
            await FlushAsync();
            while (_pendingAwaits.Count > 0)
            {
                var awaited = _pendingAwaits[0];
                _pendingAwaits.RemoveAt(0);
                try
                {
                    await awaited();
                }
                catch (Exception ex) when (ex is not PersistFailedException)
                {
                    if (Sender is IAskRef)
                    {
                        Sender.Tell(new Status.Failure(ex));
                    }

                    throw;
                }

                await FlushAsync();
            }

            if (_afterPersist.Count > 0)
            {
                RunAfterPersist();
                if (_pending.Count > 0 || _pendingReminders.Count > 0)
                {
                    await FlushAsync();
                }
            }
        }
        catch
        {
            _pending.Clear();
            _pendingReminders.Clear();
            _pendingAwaits.Clear();
            _afterPersist.Clear();
            throw;
        }
    }

    internal sealed override async ValueTask InitializeAsync()
    {
        IsRecovering = true;
        var store = Persistence.Store;
        var snapshot = await store.Snapshots.LoadAsync(PersistenceId);
        if (snapshot is not null)
        {
            object? state = null;
            try
            {
                state = Persistence.Serializer.Deserialize(snapshot.Manifest, snapshot.Payload);
            }
            catch (Exception ex) when (ex is UnknownManifestException or System.Text.Json.JsonException or NotSupportedException)
            {
                // The events are the truth; an unreadable snapshot only costs a full replay.
                LogSnapshotUnreadable(Log, ex, PersistenceId, snapshot.SequenceNr);
                snapshot = null;
            }

            if (state is not null)
            {
                ApplySnapshot(state);
                LastSequenceNr = snapshot!.SequenceNr;
                _lastSnapshotSequenceNr = snapshot.SequenceNr;
            }
        }

        var replayed = 0L;
        await foreach (var stored in store.Journal.ReplayAsync(PersistenceId, LastSequenceNr + 1, long.MaxValue))
        {
            ApplyEvent(Persistence.Serializer.Deserialize(stored.Manifest, stored.Payload));
            LastSequenceNr = stored.SequenceNr;
            replayed++;
        }

        IsRecovering = false;
        LogRecovered(Log, PersistenceId, snapshot?.SequenceNr ?? 0, replayed);
        OnRecoveryCompleted();
    }

    private async ValueTask FlushAsync()
    {
        if (_pending.Count == 0 && _pendingReminders.Count > 0)
        {
            var changes = _pendingReminders.ToArray();
            _pendingReminders.Clear();
            await Persistence.Store.Reminders.ApplyAsync(changes);
        }

        // Callbacks may persist again; keep writing until nothing is pending.
        while (_pending.Count > 0)
        {
            var batch = _pending.ToArray();
            _pending.Clear();
            var toWrite = new List<EventToWrite>();
            var sequenceNr = LastSequenceNr;
            foreach (var persist in batch)
            {
                foreach (var @event in persist.Events)
                {
                    var (manifest, payload) = Persistence.Serializer.Serialize(@event);
                    toWrite.Add(new EventToWrite(++sequenceNr, manifest, payload));
                }
            }

            // The state moves before the write, so OnPersisting can set the reminders that follow from it and they
            // are written in the same transaction. Should the write fail, this state is never used: the actor fails
            // and only a restart (which recovers from the journal) lets it handle another message.
            _stateAheadOfJournal = true;
            foreach (var persist in batch)
            {
                foreach (var @event in persist.Events)
                {
                    ApplyEvent(@event);
                    OnPersisting(@event);
                }
            }

            ReminderChange[]? reminders = null;
            if (_pendingReminders.Count > 0)
            {
                reminders = [.. _pendingReminders];
                _pendingReminders.Clear();
            }

            try
            {
                await Persistence.Store.Journal.WriteAsync(new AtomicWrite(PersistenceId, toWrite, reminders));
            }
            catch (Exception ex)
            {
                // The restart will recover the state; an Ask caller hears at once instead of timing out.
                var failure = new PersistFailedException(PersistenceId, ex);
                if (Sender is IAskRef)
                {
                    Sender.Tell(new Status.Failure(failure));
                }

                throw failure;
            }

            _stateAheadOfJournal = false;
            foreach (var persist in batch)
            {
                foreach (var @event in persist.Events)
                {
                    LastSequenceNr++;
                    persist.Then?.Invoke(@event);
                }
            }

            if (_pending.Count == 0 && _pendingReminders.Count > 0)
            {
                // Set by a then-callback after the last write: stored on their own.
                var changes = _pendingReminders.ToArray();
                _pendingReminders.Clear();
                await Persistence.Store.Reminders.ApplyAsync(changes);
            }
        }

        if (LastSequenceNr - _lastSnapshotSequenceNr >= Persistence.SnapshotEvery)
        {
            await SaveSnapshotAsync();
        }
    }

    private async Task SaveSnapshotAsync()
    {
        // Whatever happens below, the next attempt waits another SnapshotEvery events: a failing snapshot
        // must neither fail commands (their events are already durable) nor be retried on every one.
        _lastSnapshotSequenceNr = LastSequenceNr;
        try
        {
            var state = CreateSnapshot();
            if (state is null)
            {
                return;
            }

            var (manifest, payload) = Persistence.Serializer.Serialize(state);
            await Persistence.Store.Snapshots.SaveAsync(
                new SnapshotEnvelope(PersistenceId, LastSequenceNr, manifest, payload, Context.System.Time.GetUtcNow()));
            await Persistence.Store.Snapshots.DeleteAsync(PersistenceId, LastSequenceNr - 1);
        }
#pragma warning disable CA1031 // A lost snapshot only makes the next recovery longer; the events are safe.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LogSnapshotFailed(Log, ex, PersistenceId, LastSequenceNr);
        }
    }

    private sealed record PendingPersist(List<object> Events, Action<object>? Then);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Recovered {PersistenceId} from snapshot at {SnapshotSequenceNr} and {Replayed} events")]
    private static partial void LogRecovered(ILogger logger, string persistenceId, long snapshotSequenceNr, long replayed);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Snapshot of {PersistenceId} at {SnapshotSequenceNr} cannot be read; replaying all events instead")]
    private static partial void LogSnapshotUnreadable(ILogger logger, Exception exception, string persistenceId, long snapshotSequenceNr);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Snapshot of {PersistenceId} at {SequenceNr} failed; recovery will replay more events")]
    private static partial void LogSnapshotFailed(ILogger logger, Exception exception, string persistenceId, long sequenceNr);
}
