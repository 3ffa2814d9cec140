using LiveTracker.Actors.Persistence;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;

namespace LiveTracker.Actors.Tests.Persistence;

/// <summary>The batching writer's own rules, against a scripted back-end (the databases are covered by the conformance suite).</summary>
public sealed class BatchingJournalWriterTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private static AtomicWrite Write(string id, long from, int count = 1) =>
        new(id, [.. Enumerable.Range(0, count).Select(i => new EventToWrite(from + i, "e", "{}"))]);

    private static BatchingJournalWriter CreateWriter(FakeBackend backend, int maxBatchEvents = 1_000, int queueCapacity = 10_000) =>
        new(backend, new JournalWriterSettings { MaxBatchEvents = maxBatchEvents, QueueCapacity = queueCapacity }, TimeProvider.System, NullLogger.Instance);

    [Fact]
    public async Task A_failed_transaction_fails_every_write_of_its_batch_and_later_batches_still_commit()
    {
        var backend = new FakeBackend();
        await using var writer = CreateWriter(backend);
        var failure = new InvalidOperationException("connection lost");
        backend.Hold();
        var first = writer.WriteAsync(Write("a", 1), CancellationToken.None);
        await backend.WaitForBatchesAsync(1);
        backend.FailBatchesWith("b0", failure);
        var failing = Enumerable.Range(0, 5).Select(i => writer.WriteAsync(Write($"b{i}", 1), CancellationToken.None)).ToArray();
        backend.Release();

        await first.WaitAsync(Timeout);
        foreach (var task in failing)
        {
            Assert.Same(failure, await Assert.ThrowsAsync<InvalidOperationException>(() => task.WaitAsync(Timeout)));
        }

        Assert.True(await writer.WriteAsync(Write("c", 1), CancellationToken.None).WaitAsync(Timeout) > 0);
    }

    [Fact]
    public async Task Batches_respect_the_event_limit_but_never_split_a_write()
    {
        var backend = new FakeBackend();
        await using var writer = CreateWriter(backend, maxBatchEvents: 10);
        backend.Hold();
        var blocker = writer.WriteAsync(Write("blocker", 1), CancellationToken.None);
        await backend.WaitForBatchesAsync(1);
        var writes = Enumerable.Range(0, 12).Select(i => writer.WriteAsync(Write($"e{i}", 1, 3), CancellationToken.None)).ToList();
        writes.Add(writer.WriteAsync(Write("big", 1, 25), CancellationToken.None));
        backend.Release();

        await Task.WhenAll(writes.Append(blocker)).WaitAsync(Timeout);

        var sizes = backend.Batches.Skip(1).Select(b => b.Sum(w => w.Events.Count)).ToList();
        Assert.All(sizes, size => Assert.True(size <= 10 || size == 25, $"batch of {size} events"));
        Assert.Contains(25, sizes);
        Assert.Equal(12 * 3 + 25, sizes.Sum());
    }

    [Fact]
    public async Task Two_writes_of_one_batch_for_the_same_sequence_nrs_let_the_first_win()
    {
        var backend = new FakeBackend();
        await using var writer = CreateWriter(backend);
        backend.Hold();
        var blocker = writer.WriteAsync(Write("blocker", 1), CancellationToken.None);
        await backend.WaitForBatchesAsync(1);
        var first = writer.WriteAsync(Write("x", 1, 3), CancellationToken.None);
        var overlapping = writer.WriteAsync(Write("x", 3, 2), CancellationToken.None);
        var disjoint = writer.WriteAsync(Write("x", 4, 1), CancellationToken.None);
        backend.Release();

        await Task.WhenAll(blocker, first, disjoint).WaitAsync(Timeout);
        var conflict = await Assert.ThrowsAsync<SequenceConflictException>(() => overlapping.WaitAsync(Timeout));
        Assert.Equal(("x", 3L), (conflict.PersistenceId, conflict.SequenceNr));
        Assert.DoesNotContain(backend.Batches.SelectMany(b => b), w => w.Events[0].SequenceNr == 3);
    }

    [Fact]
    public async Task A_write_cancelled_while_queued_is_withdrawn_and_never_written()
    {
        var backend = new FakeBackend();
        await using var writer = CreateWriter(backend);
        backend.Hold();
        var blocker = writer.WriteAsync(Write("blocker", 1), CancellationToken.None);
        await backend.WaitForBatchesAsync(1);
        using var cancellation = new CancellationTokenSource();
        var withdrawn = writer.WriteAsync(Write("gone", 1), cancellation.Token);
        var kept = writer.WriteAsync(Write("kept", 1), CancellationToken.None);
        await cancellation.CancelAsync();
        backend.Release();

        await Task.WhenAll(blocker, kept).WaitAsync(Timeout);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => withdrawn.WaitAsync(Timeout));
        Assert.DoesNotContain(backend.Batches.SelectMany(b => b), w => w.PersistenceId == "gone");
    }

    [Fact]
    public async Task A_full_queue_makes_writers_wait_instead_of_growing()
    {
        var backend = new FakeBackend();
        await using var writer = CreateWriter(backend, queueCapacity: 2);
        backend.Hold();
        var inFlight = writer.WriteAsync(Write("in-flight", 1), CancellationToken.None);
        await backend.WaitForBatchesAsync(1);
        var queued = new[] { writer.WriteAsync(Write("q1", 1), CancellationToken.None), writer.WriteAsync(Write("q2", 1), CancellationToken.None) };
        using var patience = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));

        var waiting = writer.WriteAsync(Write("q3", 1), patience.Token);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting.WaitAsync(Timeout));

        backend.Release();
        await Task.WhenAll(queued.Append(inFlight)).WaitAsync(Timeout);
        Assert.DoesNotContain(backend.Batches.SelectMany(b => b), w => w.PersistenceId == "q3");
    }

    [Fact]
    public async Task Dispose_writes_the_queue_before_stopping_and_refuses_later_writes()
    {
        var backend = new FakeBackend();
        var writer = CreateWriter(backend);
        var queued = Enumerable.Range(0, 50).Select(i => writer.WriteAsync(Write($"d{i}", 1), CancellationToken.None)).ToArray();

        await writer.DisposeAsync();

        Assert.All(queued, t => Assert.True(t.IsCompletedSuccessfully));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => writer.WriteAsync(Write("late", 1), CancellationToken.None));
    }

    /// <summary>Records batches, hands out orderings, and can be held or told to fail batches holding some entity.</summary>
    private sealed class FakeBackend : IJournalBatchBackend
    {
        private readonly Lock _gate = new();
        private readonly List<IReadOnlyList<AtomicWrite>> _batches = [];
        private TaskCompletionSource _released = CompletedSource();
        private (string Id, Exception Failure)? _failure;
        private long _ordering;

        public IReadOnlyList<IReadOnlyList<AtomicWrite>> Batches
        {
            get
            {
                lock (_gate)
                {
                    return [.. _batches];
                }
            }
        }

        public void Hold() => _released = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Release() => _released.TrySetResult();

        public void FailBatchesWith(string persistenceId, Exception failure) => _failure = (persistenceId, failure);

        public async Task WaitForBatchesAsync(int count)
        {
            while (Batches.Count < count)
            {
                await Task.Delay(5);
            }
        }

        public async Task WriteBatchAsync(
            IReadOnlyList<AtomicWrite> writes, DateTimeOffset createdAt, WriteOutcome[] outcomes, CancellationToken cancellationToken)
        {
            lock (_gate)
            {
                _batches.Add([.. writes]);
            }

            await _released.Task;
            if (_failure is { } f && writes.Any(w => w.PersistenceId == f.Id))
            {
                throw f.Failure;
            }

            for (var i = 0; i < writes.Count; i++)
            {
                _ordering += writes[i].Events.Count;
                outcomes[i] = WriteOutcome.Written(_ordering);
            }
        }

        public bool IsWriteSpecificError(Exception exception) => false;

        private static TaskCompletionSource CompletedSource()
        {
            var source = new TaskCompletionSource();
            source.SetResult();
            return source;
        }
    }
}
