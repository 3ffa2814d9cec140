using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace LiveTracker.Actors.Persistence;

/// <summary>Result of one <see cref="AtomicWrite"/> of a batch, as decided by the back-end.</summary>
internal readonly record struct WriteOutcome(bool IsConflict, long Value)
{
    /// <summary>All events stored; <paramref name="lastOrdering"/> is the ordering of the last one.</summary>
    public static WriteOutcome Written(long lastOrdering) => new(false, lastOrdering);

    /// <summary>Nothing stored because <paramref name="sequenceNr"/> was already taken.</summary>
    public static WriteOutcome Conflict(long sequenceNr) => new(true, sequenceNr);
}

/// <summary>The database half of <see cref="BatchingJournalWriter"/>: writes one batch in one transaction.</summary>
internal interface IJournalBatchBackend
{
    /// <summary>
    /// Writes <paramref name="writes"/> in ONE transaction and fills <paramref name="outcomes"/> (same index).
    /// A write whose sequence numbers are taken (or fall in a deleted range) gets a conflict outcome and
    /// none of its events are stored; the others commit. Returns only after the commit. Throws when the
    /// transaction failed, in which case nothing of the batch is stored. The caller guarantees that no
    /// two writes of the batch share a (persistence id, sequence number).
    /// </summary>
    Task WriteBatchAsync(
        IReadOnlyList<AtomicWrite> writes, DateTimeOffset createdAt, WriteOutcome[] outcomes, CancellationToken cancellationToken);

    /// <summary>
    /// True when <paramref name="exception"/> was caused by the content of one write (malformed JSON, a
    /// value too large for an index), so that retrying the batch's writes one per transaction isolates
    /// the culprit instead of failing its innocent neighbours. False for connection/server failures,
    /// where a per-write retry would only multiply the failures.
    /// </summary>
    bool IsWriteSpecificError(Exception exception);
}

/// <summary>
/// Group commit for the journal. Persisting actors enqueue <see cref="AtomicWrite"/>s into a bounded
/// channel; one consumer loop drains everything available (up to <see cref="JournalWriterSettings.MaxBatchEvents"/>)
/// and writes it in a single transaction, so one fsync serves many actors. Each caller's task completes
/// only after the commit, with its own outcome: a sequence conflict fails only the conflicting write.
/// </summary>
internal sealed partial class BatchingJournalWriter : IAsyncDisposable
{
    private readonly Channel<PendingWrite> _queue;
    private readonly IJournalBatchBackend _backend;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly int _maxBatchEvents;
    private readonly Task _loop;

    // Owned by the consumer loop only (single reader), reused across batches.
    private readonly List<PendingWrite> _batch = [];
    private readonly List<AtomicWrite> _accepted = [];
    private readonly List<int> _acceptedIndex = [];
    private readonly Dictionary<string, int> _firstIndexById = new(StringComparer.Ordinal);
    private WriteOutcome[] _outcomes = new WriteOutcome[64];

    // Size and duration of the previous batch, for the linger heuristic (consumer loop only).
    private int _lastBatchWrites;
    private long _lastBatchTicks;

    // Set while the consumer lingers: enqueuers complete the wake-up once this many writes are queued.
    private int _lingerTarget;
    private TaskCompletionSource? _lingerWake;

    private long _batchesWritten;
    private long _eventsWritten;
    private int _disposed;

    public BatchingJournalWriter(
        IJournalBatchBackend backend, JournalWriterSettings settings, TimeProvider time, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(backend);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(logger);
        settings.Validate();
        _backend = backend;
        _time = time;
        _logger = logger;
        _maxBatchEvents = settings.MaxBatchEvents;
        _queue = Channel.CreateBounded<PendingWrite>(new BoundedChannelOptions(settings.QueueCapacity)
        {
            SingleReader = true,
            SingleWriter = false,
            FullMode = BoundedChannelFullMode.Wait,
            // Enqueueing actors must never run the consumer loop inline on their own thread.
            AllowSynchronousContinuations = false,
        });
        _loop = Task.Run(RunAsync);
    }

    /// <summary>Committed batches and events so far (for benchmarks and diagnostics).</summary>
    internal (long Batches, long Events) Statistics => (Interlocked.Read(ref _batchesWritten), Interlocked.Read(ref _eventsWritten));

    /// <summary>
    /// Enqueues the write; the task completes after its batch committed. <paramref name="cancellationToken"/>
    /// only withdraws a write that no batch has picked up yet: once a write is in a transaction the task
    /// reports the real outcome, so a caller never believes a stored event was dropped.
    /// </summary>
    public Task<long> WriteAsync(AtomicWrite write, CancellationToken cancellationToken)
    {
        Validate(write);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled<long>(cancellationToken);
        }

        var pending = new PendingWrite(write, cancellationToken);
        if (!_queue.Writer.TryWrite(pending))
        {
            return EnqueueWhenRoomAsync(pending, cancellationToken);
        }

        if (Volatile.Read(ref _lingerTarget) > 0)
        {
            WakeLingeringWriterIfEnoughQueued();
        }

        return pending.Task;
    }

    private void WakeLingeringWriterIfEnoughQueued()
    {
        if (_queue.Reader.Count >= Volatile.Read(ref _lingerTarget))
        {
            Volatile.Read(ref _lingerWake)?.TrySetResult();
        }
    }

    private async Task<long> EnqueueWhenRoomAsync(PendingWrite pending, CancellationToken cancellationToken)
    {
        try
        {
            await _queue.Writer.WriteAsync(pending, cancellationToken).ConfigureAwait(false);
        }
        catch (ChannelClosedException)
        {
            throw new ObjectDisposedException(nameof(BatchingJournalWriter), "The journal writer has been disposed.");
        }

        return await pending.Task.ConfigureAwait(false);
    }

    private static void Validate(AtomicWrite write)
    {
        ArgumentNullException.ThrowIfNull(write);
        ArgumentException.ThrowIfNullOrEmpty(write.PersistenceId, nameof(write));
        var events = write.Events;
        if (events is null || events.Count == 0)
        {
            throw new ArgumentException("An atomic write needs at least one event.", nameof(write));
        }

        for (var i = 0; i < events.Count; i++)
        {
            var e = events[i] ?? throw new ArgumentException("An atomic write contains a null event.", nameof(write));
            if (e.SequenceNr < 1 || (i > 0 && e.SequenceNr != events[i - 1].SequenceNr + 1))
            {
                throw new ArgumentException(
                    $"Sequence numbers of '{write.PersistenceId}' must start at 1 or above and be contiguous ascending; got {e.SequenceNr} at index {i}.",
                    nameof(write));
            }

            if (string.IsNullOrEmpty(e.Manifest) || e.Payload is null)
            {
                throw new ArgumentException($"Event {e.SequenceNr} of '{write.PersistenceId}' needs a manifest and a payload.", nameof(write));
            }
        }

        if (write.Reminders is { } reminders)
        {
            ReminderRules.Validate(reminders, nameof(write));
        }
    }

    private async Task RunAsync()
    {
        var reader = _queue.Reader;
        PendingWrite? carried = null;
        while (carried is not null || await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            await LingerForReturningWritersAsync(reader).ConfigureAwait(false);
            _batch.Clear();
            var events = 0;
            if (carried is not null && !WithdrawIfCancelled(carried))
            {
                _batch.Add(carried);
                events = carried.Write.Events.Count;
            }

            carried = null;
            while (events < _maxBatchEvents && reader.TryRead(out var next))
            {
                if (WithdrawIfCancelled(next))
                {
                    continue;
                }

                var count = next.Write.Events.Count;
                if (_batch.Count > 0 && events + count > _maxBatchEvents)
                {
                    // Keeps transactions bounded; the write opens the next batch.
                    carried = next;
                    break;
                }

                _batch.Add(next);
                events += count;
            }

            if (_batch.Count > 0)
            {
                await WriteBatchAsync(events).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// A committed batch releases all its writers at once, and each comes back with its next write a moment
    /// later. Draining as soon as the first one arrives would commit a small batch and split the writers into
    /// two alternating half-size groups, doubling the commits (fsyncs) per event. So after a batch of n writes,
    /// wait until about n writes are queued again, but never longer than a quarter of the last batch's duration
    /// (at most 2 ms): a lightly loaded journal, whose batches are small, never waits. Real time on purpose:
    /// this is a throughput heuristic, not part of the journal's observable behaviour.
    /// </summary>
    private async ValueTask LingerForReturningWritersAsync(ChannelReader<PendingWrite> reader)
    {
        var target = Math.Min(_lastBatchWrites, _maxBatchEvents);
        if (target < 8 || reader.Count >= target || Volatile.Read(ref _disposed) != 0)
        {
            return;
        }

        var wake = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Volatile.Write(ref _lingerWake, wake);
        Volatile.Write(ref _lingerTarget, target);
        try
        {
            // Checked after publishing the target: a write enqueued in between has seen it and woken us.
            if (reader.Count < target)
            {
                var limit = TimeSpan.FromTicks(Math.Min(
                    Stopwatch.GetElapsedTime(0, _lastBatchTicks).Ticks / 4, TimeSpan.TicksPerMillisecond * 2));
                using var timeout = new CancellationTokenSource(limit);
                await wake.Task.WaitAsync(timeout.Token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
        finally
        {
            Volatile.Write(ref _lingerTarget, 0);
            Volatile.Write(ref _lingerWake, null);
        }
    }

    private static bool WithdrawIfCancelled(PendingWrite pending)
    {
        if (!pending.CancellationToken.IsCancellationRequested)
        {
            return false;
        }

        pending.TrySetCanceled(pending.CancellationToken);
        return true;
    }

    private async Task WriteBatchAsync(int eventCount)
    {
        var batch = _batch;
        if (_outcomes.Length < batch.Count)
        {
            _outcomes = new WriteOutcome[Math.Max(batch.Count, _outcomes.Length * 2)];
        }

        var results = new WriteOutcome?[batch.Count];
        RejectOverlapsWithinBatch(results);
        var started = Stopwatch.GetTimestamp();
        try
        {
            if (_accepted.Count > 0)
            {
                await _backend.WriteBatchAsync(_accepted, BatchTimestamp(), _outcomes, CancellationToken.None).ConfigureAwait(false);
                for (var k = 0; k < _accepted.Count; k++)
                {
                    results[_acceptedIndex[k]] = _outcomes[k];
                }
            }
        }
        catch (Exception ex) when (_accepted.Count > 1 && _backend.IsWriteSpecificError(ex))
        {
            LogIsolatingBadWrite(ex, _accepted.Count);
            await WriteOneByOneAsync(results).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            LogBatchFailed(ex, batch.Count, eventCount);
            foreach (var pending in batch)
            {
                pending.TrySetException(ex);
            }

            return;
        }

        _lastBatchWrites = batch.Count;
        _lastBatchTicks = Stopwatch.GetTimestamp() - started;
        Complete(results);
        Interlocked.Increment(ref _batchesWritten);
        if (_logger.IsEnabled(LogLevel.Debug))
        {
            LogBatchWritten(batch.Count, eventCount, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
    }

    /// <summary>
    /// Two writes of one batch for the same entity and sequence numbers (two incarnations racing) would
    /// make the outcome depend on row order inside the statement; decide here instead: the first wins,
    /// the later one fails as a conflict, exactly as if it had come in the next transaction.
    /// </summary>
    private void RejectOverlapsWithinBatch(WriteOutcome?[] results)
    {
        _accepted.Clear();
        _acceptedIndex.Clear();
        _firstIndexById.Clear();
        for (var i = 0; i < _batch.Count; i++)
        {
            var write = _batch[i].Write;
            if (!_firstIndexById.TryAdd(write.PersistenceId, i) && FindOverlap(i) is long conflictSeq)
            {
                results[i] = WriteOutcome.Conflict(conflictSeq);
                continue;
            }

            _accepted.Add(write);
            _acceptedIndex.Add(i);
        }
    }

    private long? FindOverlap(int index)
    {
        // Rare path: the same entity twice in one batch. A linear scan is fine.
        var write = _batch[index].Write;
        var first = write.Events[0].SequenceNr;
        var last = write.Events[^1].SequenceNr;
        for (var k = 0; k < _accepted.Count; k++)
        {
            var other = _accepted[k];
            if (!string.Equals(other.PersistenceId, write.PersistenceId, StringComparison.Ordinal))
            {
                continue;
            }

            var otherFirst = other.Events[0].SequenceNr;
            var otherLast = other.Events[^1].SequenceNr;
            if (first <= otherLast && otherFirst <= last)
            {
                return Math.Max(first, otherFirst);
            }
        }

        return null;
    }

    private async Task WriteOneByOneAsync(WriteOutcome?[] results)
    {
        var single = new AtomicWrite[1];
        var outcome = new WriteOutcome[1];
        for (var k = 0; k < _accepted.Count; k++)
        {
            var index = _acceptedIndex[k];
            single[0] = _accepted[k];
            try
            {
                await _backend.WriteBatchAsync(single, BatchTimestamp(), outcome, CancellationToken.None).ConfigureAwait(false);
                results[index] = outcome[0];
            }
            catch (Exception ex)
            {
                LogBatchFailed(ex, 1, single[0].Events.Count);
                _batch[index].TrySetException(ex);
            }
        }
    }

    private void Complete(WriteOutcome?[] results)
    {
        long written = 0;
        for (var i = 0; i < _batch.Count; i++)
        {
            var pending = _batch[i];
            if (results[i] is not { } outcome)
            {
                continue; // already failed individually
            }

            if (outcome.IsConflict)
            {
                LogConflict(pending.Write.PersistenceId, outcome.Value);
                pending.TrySetException(new SequenceConflictException(pending.Write.PersistenceId, outcome.Value));
            }
            else
            {
                written += pending.Write.Events.Count;
                pending.TrySetResult(outcome.Value);
            }
        }

        Interlocked.Add(ref _eventsWritten, written);
    }

    /// <summary>One timestamp per transaction: every event of a batch gets the same <c>created_at</c>.</summary>
    private DateTimeOffset BatchTimestamp() => PersistenceTime.TruncateToMicroseconds(_time.GetUtcNow());

    /// <summary>Stops accepting writes, writes everything already queued, then stops the loop.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _queue.Writer.TryComplete();
        }

        await _loop.ConfigureAwait(false);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Journal batch of {Writes} writes ({Events} events) failed; its writers are told")]
    private partial void LogBatchFailed(Exception exception, int writes, int events);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Journal batch of {Writes} writes failed on one write's data; retrying them one per transaction")]
    private partial void LogIsolatingBadWrite(Exception exception, int writes);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sequence conflict for {PersistenceId} at {SequenceNr}: another incarnation wrote first")]
    private partial void LogConflict(string persistenceId, long sequenceNr);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Journal batch of {Writes} writes ({Events} events) committed in {ElapsedMs} ms")]
    private partial void LogBatchWritten(int writes, int events, double elapsedMs);

    /// <summary>A queued write; it is its own completion source to save an allocation per write.</summary>
    private sealed class PendingWrite(AtomicWrite write, CancellationToken cancellationToken)
        : TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously)
    {
        public AtomicWrite Write { get; } = write;
        public CancellationToken CancellationToken { get; } = cancellationToken;
    }
}
