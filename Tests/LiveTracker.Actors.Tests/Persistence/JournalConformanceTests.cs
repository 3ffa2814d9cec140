using System.Text;
using System.Text.Json.Nodes;
using LiveTracker.Actors.Persistence;
using Xunit;

namespace LiveTracker.Actors.Tests.Persistence;

/// <summary>
/// The behaviour every persistence back-end must show, run against each of them by a subclass. Tests of one
/// class share a database, so every test works on fresh persistence ids and filters event-log reads by them.
/// Payloads are compared as JSON, not text: PostgreSQL's jsonb normalises whitespace and key order.
/// </summary>
public abstract class JournalConformanceTests : IAsyncLifetime
{
    protected static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);

    private readonly List<IPersistenceStore> _stores = [];

    protected StepClock Clock { get; } = new();

    /// <summary>The store most tests use; opened and initialised before each test.</summary>
    protected IPersistenceStore Store { get; private set; } = null!;

    /// <summary>A new, not yet initialised store over the test class's database.</summary>
    protected abstract IPersistenceStore CreateStore(TimeProvider time, JournalWriterSettings? settings, string writerId);

    /// <summary>Stalls the back-end's journal transactions (from outside the store) until the result is disposed.</summary>
    protected abstract Task<IAsyncDisposable> BlockJournalWritesAsync();

    /// <summary>True when a waiter is woken by commits of another store (PostgreSQL NOTIFY), not only by the poll.</summary>
    protected abstract bool NotifiesOtherStores { get; }

    public async Task InitializeAsync() => Store = await OpenStoreAsync();

    public async Task DisposeAsync()
    {
        foreach (var store in _stores)
        {
            await store.DisposeAsync();
        }
    }

    protected async Task<IPersistenceStore> OpenStoreAsync(JournalWriterSettings? settings = null, string writerId = "node-a/1")
    {
        var store = CreateStore(Clock, settings, writerId);
        _stores.Add(store);
        await store.InitializeAsync();
        return store;
    }

    protected static string NewId() => "entity-" + Guid.NewGuid().ToString("N");

    protected static string Payload(string persistenceId, long sequenceNr) =>
        $$"""{"id":"{{persistenceId}}","n":{{sequenceNr}},"tags":["a","b"]}""";

    /// <summary>Events <paramref name="from"/> .. from+count-1 of one entity, written together.</summary>
    protected static AtomicWrite Events(string persistenceId, long from, int count, string manifest = "test.event") =>
        new(persistenceId, [.. Enumerable.Range(0, count).Select(i => new EventToWrite(from + i, manifest, Payload(persistenceId, from + i)))]);

    protected static async Task<List<JournalEvent>> ReplayAll(
        IPersistenceStore store, string persistenceId, long from = 1, long to = long.MaxValue)
    {
        var events = new List<JournalEvent>();
        await foreach (var e in store.Journal.ReplayAsync(persistenceId, from, to))
        {
            events.Add(e);
        }

        return events;
    }

    /// <summary>Pages through the event log after <paramref name="after"/>, keeping only the given entities.</summary>
    protected static async Task<List<JournalEvent>> ReadLogAfter(IPersistenceStore store, long after, int pageSize, ISet<string> ids)
    {
        var all = new List<JournalEvent>();
        while (true)
        {
            var page = await store.EventLog.ReadAfterAsync(after, pageSize);
            Assert.True(page.Count <= pageSize);
            if (page.Count == 0)
            {
                return all;
            }

            foreach (var e in page)
            {
                Assert.True(e.Ordering > after, $"ordering {e.Ordering} is not above {after}");
                after = e.Ordering;
                if (ids.Contains(e.PersistenceId))
                {
                    all.Add(e);
                }
            }
        }
    }

    protected static void AssertJsonEqual(string expected, string actual) =>
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(expected), JsonNode.Parse(actual)), $"expected {expected} but got {actual}");

    // ------------------------------------------------------------------ append and replay

    [Fact]
    public async Task Appended_events_replay_in_order_with_every_field()
    {
        var id = NewId();
        var ordering1 = await Store.Journal.WriteAsync(Events(id, 1, 3, "order.placed"));
        var ordering2 = await Store.Journal.WriteAsync(Events(id, 4, 1, "order.shipped"));

        var events = await ReplayAll(Store, id);

        Assert.Equal([1L, 2, 3, 4], events.Select(e => e.SequenceNr));
        Assert.All(events, e => Assert.Equal(id, e.PersistenceId));
        Assert.All(events, e => Assert.Equal("node-a/1", e.Writer));
        Assert.All(events, e => AssertJsonEqual(Payload(id, e.SequenceNr), e.Payload));
        Assert.Equal(["order.placed", "order.placed", "order.placed", "order.shipped"], events.Select(e => e.Manifest));
        Assert.Equal(ordering1, events[2].Ordering);
        Assert.Equal(ordering2, events[3].Ordering);
        Assert.True(events.Zip(events.Skip(1)).All(p => p.Item1.Ordering < p.Item2.Ordering));
        Assert.Equal(events[0].CreatedAt, events[2].CreatedAt); // one write, one transaction
        Assert.True(events[3].CreatedAt > events[0].CreatedAt);
        Assert.True(events[3].CreatedAt <= Clock.Current);
        Assert.Equal(TimeSpan.Zero, events[0].CreatedAt.Offset);
    }

    [Fact]
    public async Task Replay_honours_its_from_and_to_bounds()
    {
        var id = NewId();
        await Store.Journal.WriteAsync(Events(id, 1, 10));

        Assert.Equal([3L, 4, 5, 6, 7], (await ReplayAll(Store, id, 3, 7)).Select(e => e.SequenceNr));
        Assert.Equal([10L], (await ReplayAll(Store, id, 10, 10)).Select(e => e.SequenceNr));
        Assert.Equal([9L, 10], (await ReplayAll(Store, id, 9, 1_000)).Select(e => e.SequenceNr));
        Assert.Equal([1L, 2], (await ReplayAll(Store, id, 0, 2)).Select(e => e.SequenceNr));
        Assert.Empty(await ReplayAll(Store, id, 11, long.MaxValue));
        Assert.Empty(await ReplayAll(Store, id, 7, 3));
        Assert.Empty(await ReplayAll(Store, NewId()));
    }

    [Fact]
    public async Task Highest_sequence_nr_is_zero_for_an_unknown_entity_and_follows_writes()
    {
        var id = NewId();
        Assert.Equal(0, await Store.Journal.ReadHighestSequenceNrAsync(id));
        await Store.Journal.WriteAsync(Events(id, 1, 2));
        Assert.Equal(2, await Store.Journal.ReadHighestSequenceNrAsync(id));
        await Store.Journal.WriteAsync(Events(id, 3, 5));
        Assert.Equal(7, await Store.Journal.ReadHighestSequenceNrAsync(id));
    }

    [Fact]
    public async Task Malformed_writes_are_rejected_before_they_reach_the_queue()
    {
        var id = NewId();
        await Assert.ThrowsAsync<ArgumentException>(() => Store.Journal.WriteAsync(new AtomicWrite(id, [])));
        await Assert.ThrowsAsync<ArgumentException>(() => Store.Journal.WriteAsync(new AtomicWrite(id,
            [new EventToWrite(1, "e", "{}"), new EventToWrite(3, "e", "{}")])));
        await Assert.ThrowsAsync<ArgumentException>(() => Store.Journal.WriteAsync(new AtomicWrite(id, [new EventToWrite(0, "e", "{}")])));
        await Assert.ThrowsAsync<ArgumentException>(() => Store.Journal.WriteAsync(new AtomicWrite(string.Empty, [new EventToWrite(1, "e", "{}")])));
        Assert.Equal(0, await Store.Journal.ReadHighestSequenceNrAsync(id));
    }

    // ------------------------------------------------------------------ conflicts

    [Fact]
    public async Task A_conflicting_write_fails_and_stores_none_of_its_events()
    {
        var id = NewId();
        await Store.Journal.WriteAsync(Events(id, 1, 3));

        var conflict = await Assert.ThrowsAsync<SequenceConflictException>(() => Store.Journal.WriteAsync(Events(id, 3, 3)));

        Assert.Equal(id, conflict.PersistenceId);
        Assert.Equal(3, conflict.SequenceNr);
        Assert.Equal([1L, 2, 3], (await ReplayAll(Store, id)).Select(e => e.SequenceNr));
        Assert.Equal(3, await Store.Journal.ReadHighestSequenceNrAsync(id));

        // The entity carries on from where the journal really is.
        await Store.Journal.WriteAsync(Events(id, 4, 3));
        Assert.Equal(6, await Store.Journal.ReadHighestSequenceNrAsync(id));
    }

    [Fact]
    public async Task A_write_that_conflicts_only_on_its_last_event_stores_none_of_its_events()
    {
        // A stale writer already put sequence number 3 in (the journal does not demand that an entity starts at 1).
        var id = NewId();
        await Store.Journal.WriteAsync(Events(id, 3, 1));

        var conflict = await Assert.ThrowsAsync<SequenceConflictException>(() => Store.Journal.WriteAsync(Events(id, 1, 3)));

        Assert.Equal(3, conflict.SequenceNr);
        Assert.Equal([3L], (await ReplayAll(Store, id)).Select(e => e.SequenceNr));
    }

    [Fact]
    public async Task Concurrent_writers_of_one_entity_win_exactly_once_per_sequence_nr()
    {
        // Two stores stand for two nodes whose incarnations of the same entity race each other.
        var nodeB = await OpenStoreAsync(writerId: "node-b/2");
        var writers = new (IPersistenceStore Store, string WriterId)[]
        {
            (Store, "node-a/1"), (nodeB, "node-b/2"), (Store, "node-a/1"), (nodeB, "node-b/2"), (Store, "node-a/1"), (nodeB, "node-b/2"),
        };
        var id = NewId();
        const int SequenceNrs = 30;

        var wins = await Task.WhenAll(writers.Select((w, contender) => Task.Run(async () =>
        {
            var won = new List<long>();
            for (long seq = 1; seq <= SequenceNrs; seq++)
            {
                try
                {
                    await w.Store.Journal.WriteAsync(new AtomicWrite(id, [new EventToWrite(seq, "race", $$"""{"contender":{{contender}}}""")]));
                    won.Add(seq);
                }
                catch (SequenceConflictException e)
                {
                    Assert.Equal(seq, e.SequenceNr);
                }
            }

            return won;
        }))).WaitAsync(Timeout);

        var events = await ReplayAll(Store, id);
        Assert.Equal(Enumerable.Range(1, SequenceNrs).Select(i => (long)i), events.Select(e => e.SequenceNr));
        for (long seq = 1; seq <= SequenceNrs; seq++)
        {
            var winners = Enumerable.Range(0, writers.Length).Where(c => wins[c].Contains(seq)).ToList();
            var winner = Assert.Single(winners);
            var stored = events[(int)seq - 1];
            Assert.Equal(winner, JsonNode.Parse(stored.Payload)!["contender"]!.GetValue<int>());
            Assert.Equal(writers[winner].WriterId, stored.Writer);
        }
    }

    [Fact]
    public async Task A_conflict_fails_only_its_own_write_and_the_rest_of_the_batch_commits()
    {
        var conflicted = NewId();
        await Store.Journal.WriteAsync(Events(conflicted, 1, 2));
        var partial = NewId();
        await Store.Journal.WriteAsync(Events(partial, 3, 1));
        var duplicated = NewId();
        var good = Enumerable.Range(0, 100).Select(_ => NewId()).ToArray();

        Task<long> first;
        Task<long> conflicting;
        Task<long> partiallyConflicting;
        Task<long> duplicateA;
        Task<long> duplicateB;
        var goodWrites = new List<Task<long>>();
        await using (await BlockJournalWritesAsync())
        {
            // The first write's transaction stalls; everything enqueued meanwhile lands in the next batch.
            first = Store.Journal.WriteAsync(Events(NewId(), 1, 1));
            await Task.Delay(300);
            goodWrites.AddRange(good.Take(50).Select(id => Store.Journal.WriteAsync(Events(id, 1, 2))));
            conflicting = Store.Journal.WriteAsync(Events(conflicted, 2, 2)); // 2 is taken, 3 is free
            partiallyConflicting = Store.Journal.WriteAsync(Events(partial, 1, 3)); // 1 and 2 free, 3 taken
            duplicateA = Store.Journal.WriteAsync(Events(duplicated, 1, 2)); // two incarnations in one batch
            duplicateB = Store.Journal.WriteAsync(Events(duplicated, 2, 2));
            goodWrites.AddRange(good.Skip(50).Select(id => Store.Journal.WriteAsync(Events(id, 1, 2))));
            Assert.False(conflicting.IsCompleted);
        }

        await first.WaitAsync(Timeout);
        await Task.WhenAll(goodWrites).WaitAsync(Timeout);
        var conflict = await Assert.ThrowsAsync<SequenceConflictException>(() => conflicting.WaitAsync(Timeout));
        Assert.Equal(2, conflict.SequenceNr);
        Assert.Equal(3, (await Assert.ThrowsAsync<SequenceConflictException>(() => partiallyConflicting.WaitAsync(Timeout))).SequenceNr);
        Assert.Equal([3L], (await ReplayAll(Store, partial)).Select(e => e.SequenceNr));
        var duplicateOutcomes = await Task.WhenAll(Outcome(duplicateA), Outcome(duplicateB));
        Assert.Single(duplicateOutcomes, ok => ok);

        // Nothing of the conflicting write, not even its free event 3.
        var conflictedEvents = await ReplayAll(Store, conflicted);
        Assert.Equal([1L, 2], conflictedEvents.Select(e => e.SequenceNr));
        Assert.Equal(2, await Store.Journal.ReadHighestSequenceNrAsync(conflicted));
        Assert.Equal(duplicateOutcomes[0] ? [1L, 2] : [2L, 3], (await ReplayAll(Store, duplicated)).Select(e => e.SequenceNr));

        // All good writes committed in one transaction (one clock reading per batch), after the stalled one.
        var stamps = new HashSet<DateTimeOffset>();
        foreach (var id in good)
        {
            var events = await ReplayAll(Store, id);
            Assert.Equal([1L, 2], events.Select(e => e.SequenceNr));
            stamps.UnionWith(events.Select(e => e.CreatedAt));
        }

        Assert.Single(stamps);
        Assert.Equal(stamps.Single(), (await ReplayAll(Store, duplicated))[0].CreatedAt);

        static async Task<bool> Outcome(Task<long> write)
        {
            try
            {
                await write.WaitAsync(Timeout);
                return true;
            }
            catch (SequenceConflictException)
            {
                return false;
            }
        }
    }

    // ------------------------------------------------------------------ snapshots

    [Fact]
    public async Task Snapshots_load_the_newest_within_the_bound_and_delete_up_to_a_sequence_nr()
    {
        var id = NewId();
        Assert.Null(await Store.Snapshots.LoadAsync(id));
        var at = new DateTimeOffset(2026, 3, 4, 5, 6, 7, TimeSpan.Zero).AddTicks(1234560);
        foreach (var seq in new long[] { 10, 20, 30 })
        {
            await Store.Snapshots.SaveAsync(new SnapshotEnvelope(id, seq, "state.v1", $$"""{"count":{{seq}}}""", at.AddMinutes(seq)));
        }

        var latest = await Store.Snapshots.LoadAsync(id);
        Assert.NotNull(latest);
        Assert.Equal((30L, "state.v1", at.AddMinutes(30)), (latest.SequenceNr, latest.Manifest, latest.CreatedAt));
        AssertJsonEqual("""{"count":30}""", latest.Payload);
        Assert.Equal(20, (await Store.Snapshots.LoadAsync(id, 25))?.SequenceNr);
        Assert.Equal(20, (await Store.Snapshots.LoadAsync(id, 20))?.SequenceNr);
        Assert.Null(await Store.Snapshots.LoadAsync(id, 9));

        // Saving at an existing sequence number replaces that snapshot.
        await Store.Snapshots.SaveAsync(new SnapshotEnvelope(id, 30, "state.v2", """{"count":31}""", at));
        Assert.Equal("state.v2", (await Store.Snapshots.LoadAsync(id))?.Manifest);

        await Store.Snapshots.DeleteAsync(id, 20);
        Assert.Equal(30, (await Store.Snapshots.LoadAsync(id))?.SequenceNr);
        Assert.Null(await Store.Snapshots.LoadAsync(id, 29));

        await Store.Snapshots.DeleteAsync(id, long.MaxValue);
        Assert.Null(await Store.Snapshots.LoadAsync(id));
    }

    // ------------------------------------------------------------------ event log

    [Fact]
    public async Task Orderings_increase_across_entities_and_ReadAfter_pages_through_them()
    {
        var ids = new[] { NewId(), NewId(), NewId() };
        var start = await Store.EventLog.ReadHighestOrderingAsync();
        var written = new List<(string Id, long Seq, long Ordering)>();
        for (long seq = 1; seq <= 10; seq++)
        {
            foreach (var id in ids)
            {
                written.Add((id, seq, await Store.Journal.WriteAsync(Events(id, seq, 1))));
            }
        }

        Assert.True(written.Zip(written.Skip(1)).All(p => p.Item1.Ordering < p.Item2.Ordering));
        Assert.True(written[0].Ordering > start);
        Assert.Equal(written[^1].Ordering, await Store.EventLog.ReadHighestOrderingAsync());

        var read = await ReadLogAfter(Store, start, pageSize: 7, ids.ToHashSet());

        Assert.Equal(written, read.Select(e => (e.PersistenceId, e.SequenceNr, e.Ordering)));
        Assert.All(read, e => AssertJsonEqual(Payload(e.PersistenceId, e.SequenceNr), e.Payload));
        Assert.Empty(await Store.EventLog.ReadAfterAsync(written[^1].Ordering, 10));
    }

    [Fact]
    public async Task Deleted_events_leave_gaps_that_reads_skip_and_their_numbers_stay_taken()
    {
        var a = NewId();
        var b = NewId();
        var start = await Store.EventLog.ReadHighestOrderingAsync();
        for (long seq = 1; seq <= 10; seq++)
        {
            await Store.Journal.WriteAsync(Events(a, seq, 1));
            await Store.Journal.WriteAsync(Events(b, seq, 1));
        }

        await Store.Journal.DeleteEventsToAsync(a, 5);

        var read = await ReadLogAfter(Store, start, pageSize: 3, new HashSet<string> { a, b });
        Assert.Equal(15, read.Count);
        Assert.Equal([6L, 7, 8, 9, 10], read.Where(e => e.PersistenceId == a).Select(e => e.SequenceNr));
        Assert.Equal(Enumerable.Range(1, 10).Select(i => (long)i), read.Where(e => e.PersistenceId == b).Select(e => e.SequenceNr));
        Assert.Equal([6L, 7, 8, 9, 10], (await ReplayAll(Store, a)).Select(e => e.SequenceNr));
        Assert.Equal(10, await Store.Journal.ReadHighestSequenceNrAsync(a));

        // Deleting everything keeps the highest sequence number, and deleted numbers cannot be written again.
        await Store.Journal.DeleteEventsToAsync(a, long.MaxValue);
        Assert.Empty(await ReplayAll(Store, a));
        Assert.Equal(10, await Store.Journal.ReadHighestSequenceNrAsync(a));
        var reuse = await Assert.ThrowsAsync<SequenceConflictException>(() => Store.Journal.WriteAsync(Events(a, 3, 1)));
        Assert.Equal(3, reuse.SequenceNr);
        await Store.Journal.WriteAsync(Events(a, 11, 1));
        Assert.Equal([11L], (await ReplayAll(Store, a)).Select(e => e.SequenceNr));
        Assert.Equal(11, await Store.Journal.ReadHighestSequenceNrAsync(a));

        // Deleting nothing (unknown entity, already deleted range) is harmless.
        await Store.Journal.DeleteEventsToAsync(NewId(), 100);
        await Store.Journal.DeleteEventsToAsync(a, 5);
        Assert.Equal(11, await Store.Journal.ReadHighestSequenceNrAsync(a));
    }

    [Fact]
    public async Task WaitForEventsAfter_returns_at_once_when_a_later_event_exists()
    {
        var store = await OpenStoreAsync(new JournalWriterSettings { EventLogPollInterval = TimeSpan.FromMinutes(5) });
        var ordering = await store.Journal.WriteAsync(Events(NewId(), 1, 1));

        await store.EventLog.WaitForEventsAfterAsync(ordering - 1, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task WaitForEventsAfter_wakes_on_a_commit_of_the_same_store()
    {
        // A poll interval far beyond the test's timeout: only the wake-up can end the wait.
        var store = await OpenStoreAsync(new JournalWriterSettings { EventLogPollInterval = TimeSpan.FromMinutes(5) });
        var highest = await store.EventLog.ReadHighestOrderingAsync();
        var waiting = store.EventLog.WaitForEventsAfterAsync(highest, CancellationToken.None);
        await Task.Delay(200);
        Assert.False(waiting.IsCompleted);

        await store.Journal.WriteAsync(Events(NewId(), 1, 1));

        await waiting.WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task WaitForEventsAfter_wakes_on_a_commit_of_another_store()
    {
        // PostgreSQL must deliver this through NOTIFY (the poll is out of reach); SQLite relies on its poll.
        var poll = NotifiesOtherStores ? TimeSpan.FromMinutes(5) : TimeSpan.FromMilliseconds(200);
        var reader = await OpenStoreAsync(new JournalWriterSettings { EventLogPollInterval = poll });
        var writer = await OpenStoreAsync(writerId: "node-b/2");
        var highest = await reader.EventLog.ReadHighestOrderingAsync();
        var waiting = reader.EventLog.WaitForEventsAfterAsync(highest, CancellationToken.None);
        await Task.Delay(500); // lets the PostgreSQL listener connect
        Assert.False(waiting.IsCompleted);

        await writer.Journal.WriteAsync(Events(NewId(), 1, 1));

        await waiting.WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task WaitForEventsAfter_ends_with_cancellation()
    {
        var highest = await Store.EventLog.ReadHighestOrderingAsync();
        using var cancellation = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            () => Store.EventLog.WaitForEventsAfterAsync(highest, cancellation.Token).WaitAsync(Timeout));
    }

    // ------------------------------------------------------------------ reminders

    /// <summary>A due time with a sub-second part, so that precision losses would show.</summary>
    protected static readonly DateTimeOffset T0 = new DateTimeOffset(2026, 5, 6, 7, 8, 9, TimeSpan.Zero).AddTicks(1_234_560);

    protected static ReminderKey NewReminderKey(string name = "timeout") => new("test.entity", NewId(), name);

    /// <summary>Adds reminder changes to a write.</summary>
    protected static AtomicWrite WithReminders(AtomicWrite write, params ReminderChange[] reminders) => write with { Reminders = reminders };

    /// <summary>
    /// Deletes every reminder of the database, for tests that look at all due reminders. The tests of a class run
    /// one after another, so nothing else adds reminders meanwhile.
    /// </summary>
    protected async Task ClearRemindersAsync()
    {
        var farFuture = new DateTimeOffset(3000, 1, 1, 0, 0, 0, TimeSpan.Zero);
        IReadOnlyList<StoredReminder> all;
        while ((all = await Store.Reminders.ReadDueAsync(farFuture, 500)).Count > 0)
        {
            await Store.Reminders.ApplyAsync([.. all.Select(r => ReminderChange.Cancel(r.Key))]);
        }

        Assert.Null(await Store.Reminders.ReadNextDueAsync());
    }

    [Fact]
    public async Task Setting_a_reminder_again_changes_nothing_not_even_its_version()
    {
        var key = NewReminderKey();
        Assert.Null(await Store.Reminders.ReadAsync(key));

        await Store.Reminders.ApplyAsync([ReminderChange.Set(key, T0, TimeSpan.FromHours(1))]);
        var stored = await Store.Reminders.ReadAsync(key);
        Assert.Equal(new StoredReminder(key, T0, TimeSpan.FromHours(1), 1), stored);

        await Store.Reminders.ApplyAsync([ReminderChange.Set(key, T0, TimeSpan.FromHours(1))]);
        Assert.Equal(stored, await Store.Reminders.ReadAsync(key));
        await Store.Journal.WriteAsync(WithReminders(Events(NewId(), 1, 1), ReminderChange.Set(key, T0, TimeSpan.FromHours(1))));
        Assert.Equal(stored, await Store.Reminders.ReadAsync(key));

        var oneOff = NewReminderKey();
        await Store.Reminders.ApplyAsync([ReminderChange.Set(oneOff, T0)]);
        await Store.Reminders.ApplyAsync([ReminderChange.Set(oneOff, T0)]);
        Assert.Equal(new StoredReminder(oneOff, T0, null, 1), await Store.Reminders.ReadAsync(oneOff));
    }

    [Fact]
    public async Task Moving_a_reminder_or_changing_its_recurrence_bumps_its_version()
    {
        var key = NewReminderKey();
        var steps = new (DateTimeOffset DueAt, TimeSpan? Recurrence)[]
        {
            (T0, null),
            (T0.AddMinutes(1), null),
            (T0.AddMinutes(1), TimeSpan.FromHours(1)),
            (T0.AddMinutes(1), TimeSpan.FromHours(2)),
            (T0.AddMinutes(1), null),
            (T0.AddMinutes(1).AddTicks(10), null), // one microsecond later
            (T0.AddMinutes(-5), TimeSpan.FromDays(7)),
        };

        for (var i = 0; i < steps.Length; i++)
        {
            await Store.Reminders.ApplyAsync([ReminderChange.Set(key, steps[i].DueAt, steps[i].Recurrence)]);
            Assert.Equal(new StoredReminder(key, steps[i].DueAt, steps[i].Recurrence, i + 1), await Store.Reminders.ReadAsync(key));
        }
    }

    [Fact]
    public async Task Cancelling_deletes_a_reminder_and_changes_apply_in_list_order()
    {
        var key = NewReminderKey();
        var other = key with { Name = "other" };
        await Store.Reminders.ApplyAsync([ReminderChange.Set(key, T0), ReminderChange.Set(other, T0)]);

        await Store.Reminders.ApplyAsync([ReminderChange.Cancel(key)]);
        Assert.Null(await Store.Reminders.ReadAsync(key));
        Assert.NotNull(await Store.Reminders.ReadAsync(other)); // same entity, another name

        // Cancelling what is not there is harmless, also next to changes that do apply.
        await Store.Reminders.ApplyAsync([ReminderChange.Cancel(key), ReminderChange.Cancel(NewReminderKey())]);
        await Store.Reminders.ApplyAsync([]);

        // In order: the cancel deletes the row, so the last set starts a new one at version 1.
        await Store.Reminders.ApplyAsync([ReminderChange.Set(other, T0.AddHours(1)), ReminderChange.Cancel(other), ReminderChange.Set(other, T0.AddHours(2))]);
        Assert.Equal(new StoredReminder(other, T0.AddHours(2), null, 1), await Store.Reminders.ReadAsync(other));

        // A set then a move of a new reminder: inserted at 1, moved to 2.
        await Store.Reminders.ApplyAsync([ReminderChange.Set(key, T0), ReminderChange.Set(key, T0.AddHours(3))]);
        Assert.Equal(new StoredReminder(key, T0.AddHours(3), null, 2), await Store.Reminders.ReadAsync(key));
        await Store.Reminders.ApplyAsync([ReminderChange.Set(key, T0), ReminderChange.Cancel(key)]);
        Assert.Null(await Store.Reminders.ReadAsync(key));
    }

    [Fact]
    public async Task Due_reminders_come_earliest_first_then_by_key_up_to_the_limit()
    {
        await ClearRemindersAsync();
        var earliest = new ReminderKey("type-z", "9", "z");
        var upperType = new ReminderKey("Type-z", "1", "x"); // bytewise 'T' < 't', whatever the database's collation
        var lowerId = new ReminderKey("type-a", "1", "y");
        var higherId = new ReminderKey("type-a", "2", "x");
        var laterType = new ReminderKey("type-b", "1", "x");
        var oneMicrosecondLate = new ReminderKey("type-a", "0", "a");
        var notYet = new ReminderKey("type-a", "0", "b");

        // Applied out of order, partly with the events of a write.
        await Store.Reminders.ApplyAsync([ReminderChange.Set(laterType, T0), ReminderChange.Set(notYet, T0.AddHours(1))]);
        await Store.Journal.WriteAsync(WithReminders(
            Events(NewId(), 1, 1),
            ReminderChange.Set(higherId, T0, TimeSpan.FromMinutes(5)),
            ReminderChange.Set(oneMicrosecondLate, T0.AddTicks(10)),
            ReminderChange.Set(upperType, T0)));
        await Store.Reminders.ApplyAsync([ReminderChange.Set(lowerId, T0), ReminderChange.Set(earliest, T0.AddSeconds(-1))]);

        var due = await Store.Reminders.ReadDueAsync(T0, 10);

        Assert.Equal([earliest, upperType, lowerId, higherId, laterType], due.Select(r => r.Key));
        Assert.Equal(new StoredReminder(higherId, T0, TimeSpan.FromMinutes(5), 1), due[3]);
        Assert.Equal([earliest, upperType], (await Store.Reminders.ReadDueAsync(T0, 2)).Select(r => r.Key));
        Assert.Equal(oneMicrosecondLate, (await Store.Reminders.ReadDueAsync(T0.AddTicks(10), 10))[^1].Key);
        Assert.Equal(5, (await Store.Reminders.ReadDueAsync(T0.AddTicks(9), 10)).Count); // sub-microsecond "now" is truncated
        Assert.Empty(await Store.Reminders.ReadDueAsync(T0.AddSeconds(-2), 10));
        Assert.Equal(7, (await Store.Reminders.ReadDueAsync(T0.AddHours(1), 10)).Count);
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Store.Reminders.ReadDueAsync(T0, 0));
    }

    [Fact]
    public async Task Next_due_is_the_earliest_due_time_or_null_without_reminders()
    {
        await ClearRemindersAsync();
        var later = NewReminderKey();
        var sooner = NewReminderKey();

        await Store.Reminders.ApplyAsync([ReminderChange.Set(later, T0.AddHours(1))]);
        Assert.Equal(T0.AddHours(1), await Store.Reminders.ReadNextDueAsync());
        await Store.Journal.WriteAsync(WithReminders(Events(NewId(), 1, 1), ReminderChange.Set(sooner, T0, TimeSpan.FromDays(1))));
        Assert.Equal(T0, await Store.Reminders.ReadNextDueAsync());

        await Store.Reminders.ApplyAsync([ReminderChange.Cancel(sooner)]);
        Assert.Equal(T0.AddHours(1), await Store.Reminders.ReadNextDueAsync());
        await Store.Reminders.ApplyAsync([ReminderChange.Cancel(later)]);
        Assert.Null(await Store.Reminders.ReadNextDueAsync());
    }

    [Fact]
    public async Task Completing_a_one_off_reminder_deletes_it()
    {
        var key = NewReminderKey();
        await Store.Reminders.ApplyAsync([ReminderChange.Set(key, T0)]);
        var delivered = (await Store.Reminders.ReadAsync(key))!;

        Assert.True(await Store.Reminders.CompleteAsync(delivered, T0.AddSeconds(1)));

        Assert.Null(await Store.Reminders.ReadAsync(key));
        Assert.False(await Store.Reminders.CompleteAsync(delivered, T0.AddSeconds(2))); // already gone
    }

    [Fact]
    public async Task Completing_a_recurring_reminder_moves_it_to_its_first_due_time_after_now()
    {
        var key = NewReminderKey();
        var every = TimeSpan.FromMinutes(10);
        await Store.Reminders.ApplyAsync([ReminderChange.Set(key, T0, every)]);

        // Delivered on time: the next period.
        var delivered = (await Store.Reminders.ReadAsync(key))!;
        Assert.True(await Store.Reminders.CompleteAsync(delivered, T0.AddSeconds(1)));
        Assert.Equal(new StoredReminder(key, T0.AddMinutes(10), every, 2), await Store.Reminders.ReadAsync(key));

        // Delivered after several missed periods (a node was down): once, then on the original grid after now.
        delivered = (await Store.Reminders.ReadAsync(key))!;
        Assert.True(await Store.Reminders.CompleteAsync(delivered, T0.AddMinutes(45)));
        Assert.Equal(new StoredReminder(key, T0.AddMinutes(50), every, 3), await Store.Reminders.ReadAsync(key));

        // "Now" exactly on a grid point: strictly after it.
        delivered = (await Store.Reminders.ReadAsync(key))!;
        Assert.True(await Store.Reminders.CompleteAsync(delivered, T0.AddMinutes(60)));
        Assert.Equal(new StoredReminder(key, T0.AddMinutes(70), every, 4), await Store.Reminders.ReadAsync(key));

        // Completed before it was due (a clock behind the database's): still at least one period on.
        delivered = (await Store.Reminders.ReadAsync(key))!;
        Assert.True(await Store.Reminders.CompleteAsync(delivered, T0.AddMinutes(65)));
        Assert.Equal(new StoredReminder(key, T0.AddMinutes(80), every, 5), await Store.Reminders.ReadAsync(key));
    }

    [Fact]
    public async Task Completing_with_a_stale_version_changes_nothing()
    {
        var oneOff = NewReminderKey();
        var recurring = NewReminderKey();
        await Store.Reminders.ApplyAsync([ReminderChange.Set(oneOff, T0), ReminderChange.Set(recurring, T0, TimeSpan.FromHours(1))]);
        var deliveredOneOff = (await Store.Reminders.ReadAsync(oneOff))!;
        var deliveredRecurring = (await Store.Reminders.ReadAsync(recurring))!;

        // The entity moved both while they were being delivered: it keeps its new times.
        await Store.Journal.WriteAsync(WithReminders(
            Events(NewId(), 1, 1), ReminderChange.Set(oneOff, T0.AddDays(1)), ReminderChange.Set(recurring, T0.AddDays(1), TimeSpan.FromHours(1))));
        Assert.False(await Store.Reminders.CompleteAsync(deliveredOneOff, T0.AddSeconds(1)));
        Assert.False(await Store.Reminders.CompleteAsync(deliveredRecurring, T0.AddSeconds(1)));
        Assert.Equal(new StoredReminder(oneOff, T0.AddDays(1), null, 2), await Store.Reminders.ReadAsync(oneOff));
        Assert.Equal(new StoredReminder(recurring, T0.AddDays(1), TimeSpan.FromHours(1), 2), await Store.Reminders.ReadAsync(recurring));

        // Cancelled and set again, it is at version 1 again, but a new reminder: the old delivery must not touch it.
        await Store.Reminders.ApplyAsync([ReminderChange.Cancel(oneOff), ReminderChange.Set(oneOff, T0.AddDays(2))]);
        Assert.Equal(1, (await Store.Reminders.ReadAsync(oneOff))!.Version);
        Assert.False(await Store.Reminders.CompleteAsync(deliveredOneOff, T0.AddSeconds(1)));
        Assert.Equal(new StoredReminder(oneOff, T0.AddDays(2), null, 1), await Store.Reminders.ReadAsync(oneOff));
    }

    [Fact]
    public async Task Reminders_of_an_atomic_write_are_stored_with_its_events()
    {
        var id = NewId();
        var kept = new ReminderKey("test.entity", id, "kept");
        var cancelled = new ReminderKey("test.entity", id, "cancelled");
        await Store.Journal.WriteAsync(WithReminders(
            Events(id, 1, 2),
            ReminderChange.Set(cancelled, T0),
            ReminderChange.Set(kept, T0),
            ReminderChange.Cancel(cancelled),
            ReminderChange.Set(kept, T0.AddMinutes(1), TimeSpan.FromHours(1))));

        Assert.Equal([1L, 2], (await ReplayAll(Store, id)).Select(e => e.SequenceNr));
        Assert.Null(await Store.Reminders.ReadAsync(cancelled));
        Assert.Equal(new StoredReminder(kept, T0.AddMinutes(1), TimeSpan.FromHours(1), 2), await Store.Reminders.ReadAsync(kept));

        // Many writes with reminders in one batch, all written (the fast path).
        var ids = Enumerable.Range(0, 20).Select(_ => NewId()).ToArray();
        Task<long> first;
        var writes = new List<Task<long>>();
        await using (await BlockJournalWritesAsync())
        {
            first = Store.Journal.WriteAsync(Events(NewId(), 1, 1));
            await Task.Delay(300);
            writes.AddRange(ids.Select((each, i) => Store.Journal.WriteAsync(WithReminders(
                Events(each, 1, 1), ReminderChange.Set(new ReminderKey("test.entity", each, "timeout"), T0.AddSeconds(i))))));
            writes.Add(Store.Journal.WriteAsync(Events(NewId(), 1, 1))); // one without reminders in between
        }

        await first.WaitAsync(Timeout);
        await Task.WhenAll(writes).WaitAsync(Timeout);
        var stamps = new HashSet<DateTimeOffset>();
        for (var i = 0; i < ids.Length; i++)
        {
            var key = new ReminderKey("test.entity", ids[i], "timeout");
            Assert.Equal(new StoredReminder(key, T0.AddSeconds(i), null, 1), await Store.Reminders.ReadAsync(key));
            stamps.Add((await ReplayAll(Store, ids[i])).Single().CreatedAt);
        }

        Assert.Single(stamps); // one batch
    }

    [Fact]
    public async Task Reminders_of_a_conflicting_write_are_not_stored_while_the_rest_of_its_batch_keeps_theirs()
    {
        var taken = NewId();
        await Store.Journal.WriteAsync(Events(taken, 1, 2));
        var deleted = NewId();
        await Store.Journal.WriteAsync(Events(deleted, 1, 2));
        await Store.Journal.DeleteEventsToAsync(deleted, 2);
        var good = NewId();
        var goodToo = NewId();
        var setByGood = new ReminderKey("test.entity", good, "set");
        var cancelledByGood = new ReminderKey("test.entity", good, "cancelled");
        var setByGoodToo = new ReminderKey("test.entity", goodToo, "set");
        var setByConflict = new ReminderKey("test.entity", taken, "set");
        var keptDespiteConflict = new ReminderKey("test.entity", taken, "kept");
        var setInDeletedRange = new ReminderKey("test.entity", deleted, "set");
        await Store.Reminders.ApplyAsync([ReminderChange.Set(cancelledByGood, T0), ReminderChange.Set(keptDespiteConflict, T0)]);
        var changed = Store.Reminders.WhenChangedAsync();

        Task<long> first;
        Task<long> goodWrite;
        Task<long> goodTooWrite;
        Task<long> conflicting;
        Task<long> intoDeletedRange;
        await using (await BlockJournalWritesAsync())
        {
            // The first write's transaction stalls; everything enqueued meanwhile lands in the next batch.
            first = Store.Journal.WriteAsync(Events(NewId(), 1, 1));
            await Task.Delay(300);
            goodWrite = Store.Journal.WriteAsync(WithReminders(
                Events(good, 1, 2), ReminderChange.Set(setByGood, T0), ReminderChange.Cancel(cancelledByGood)));
            conflicting = Store.Journal.WriteAsync(WithReminders(
                Events(taken, 2, 2), ReminderChange.Set(setByConflict, T0), ReminderChange.Cancel(keptDespiteConflict)));
            intoDeletedRange = Store.Journal.WriteAsync(WithReminders(Events(deleted, 2, 1), ReminderChange.Set(setInDeletedRange, T0)));
            goodTooWrite = Store.Journal.WriteAsync(WithReminders(Events(goodToo, 1, 1), ReminderChange.Set(setByGoodToo, T0, TimeSpan.FromHours(1))));
            Assert.False(changed.IsCompleted);
        }

        await first.WaitAsync(Timeout);
        await Task.WhenAll(goodWrite, goodTooWrite).WaitAsync(Timeout);
        Assert.Equal(2, (await Assert.ThrowsAsync<SequenceConflictException>(() => conflicting.WaitAsync(Timeout))).SequenceNr);
        Assert.Equal(2, (await Assert.ThrowsAsync<SequenceConflictException>(() => intoDeletedRange.WaitAsync(Timeout))).SequenceNr);

        Assert.Null(await Store.Reminders.ReadAsync(setByConflict));
        Assert.Equal(new StoredReminder(keptDespiteConflict, T0, null, 1), await Store.Reminders.ReadAsync(keptDespiteConflict));
        Assert.Null(await Store.Reminders.ReadAsync(setInDeletedRange));
        Assert.Equal(new StoredReminder(setByGood, T0, null, 1), await Store.Reminders.ReadAsync(setByGood));
        Assert.Null(await Store.Reminders.ReadAsync(cancelledByGood));
        Assert.Equal(new StoredReminder(setByGoodToo, T0, TimeSpan.FromHours(1), 1), await Store.Reminders.ReadAsync(setByGoodToo));
        await changed.WaitAsync(Timeout);

        // The good writes really shared the conflicting ones' batch.
        Assert.Equal((await ReplayAll(Store, good))[0].CreatedAt, (await ReplayAll(Store, goodToo))[0].CreatedAt);
    }

    [Fact]
    public async Task WhenChanged_completes_after_a_reminder_change_and_not_before()
    {
        var key = NewReminderKey();
        var changed = Store.Reminders.WhenChangedAsync();
        await Task.Delay(200);
        Assert.False(changed.IsCompleted);

        // Events without reminders are no reminder change.
        await Store.Journal.WriteAsync(Events(NewId(), 1, 1));
        Assert.False(changed.IsCompleted);

        await Store.Reminders.ApplyAsync([ReminderChange.Set(key, T0)]);
        await changed.WaitAsync(Timeout);

        // Setting what is stored changes nothing, so it wakes nobody.
        changed = Store.Reminders.WhenChangedAsync();
        await Store.Reminders.ApplyAsync([ReminderChange.Set(key, T0)]);
        await Store.Reminders.ApplyAsync([ReminderChange.Cancel(NewReminderKey())]);
        Assert.False(changed.IsCompleted);

        // Changes carried by a write wake it (taken before the write, completed by the time the write is).
        await Store.Journal.WriteAsync(WithReminders(Events(NewId(), 1, 1), ReminderChange.Set(key, T0.AddMinutes(1))));
        Assert.True(changed.IsCompleted);

        // So does a completion, but not a stale one.
        changed = Store.Reminders.WhenChangedAsync();
        var stale = new StoredReminder(key, T0, null, 1);
        Assert.False(await Store.Reminders.CompleteAsync(stale, T0.AddMinutes(2)));
        Assert.False(changed.IsCompleted);
        Assert.True(await Store.Reminders.CompleteAsync((await Store.Reminders.ReadAsync(key))!, T0.AddMinutes(2)));
        await changed.WaitAsync(Timeout);
    }

    [Fact]
    public async Task Reminders_survive_closing_and_reopening_the_store()
    {
        var id = NewId();
        var oneOff = new ReminderKey("test.entity", id, "one-off");
        var recurring = new ReminderKey("test.entity", id, "recurring");
        var first = await OpenStoreAsync();
        await first.Reminders.ApplyAsync([ReminderChange.Set(oneOff, T0)]);
        await first.Journal.WriteAsync(WithReminders(Events(id, 1, 1), ReminderChange.Set(recurring, T0.AddHours(1), TimeSpan.FromDays(1))));
        await first.Reminders.ApplyAsync([ReminderChange.Set(oneOff, T0.AddMinutes(1))]);
        await first.DisposeAsync();
        await Assert.ThrowsAsync<ObjectDisposedException>(() => first.Reminders.ReadAsync(oneOff));

        var second = await OpenStoreAsync(writerId: "node-a/2");
        Assert.Equal(new StoredReminder(oneOff, T0.AddMinutes(1), null, 2), await second.Reminders.ReadAsync(oneOff));
        Assert.Equal(new StoredReminder(recurring, T0.AddHours(1), TimeSpan.FromDays(1), 1), await second.Reminders.ReadAsync(recurring));
    }

    [Fact]
    public async Task Due_times_and_recurrences_round_trip_at_microsecond_precision_in_utc()
    {
        var key = NewReminderKey();
        var dueAt = new DateTimeOffset(2026, 7, 8, 9, 10, 11, TimeSpan.FromHours(2)).AddTicks(1_234_567); // .1234567 s
        var recurrence = TimeSpan.FromTicks((1_000_003 * 10) + 7); // 1.000003 s and 700 ns

        await Store.Reminders.ApplyAsync([ReminderChange.Set(key, dueAt, recurrence)]);

        var stored = (await Store.Reminders.ReadAsync(key))!;
        Assert.Equal(TimeSpan.Zero, stored.DueAt.Offset);
        Assert.Equal(dueAt.UtcTicks + 3, stored.DueAt.UtcTicks); // rounded up: a reminder never rings before its time
        Assert.Equal(TimeSpan.FromTicks(1_000_003 * 10), stored.Recurrence);

        // The same values again (as given, or as read back) are the same reminder.
        await Store.Reminders.ApplyAsync([ReminderChange.Set(key, dueAt, recurrence), ReminderChange.Set(key, stored.DueAt, stored.Recurrence)]);
        Assert.Equal(1, (await Store.Reminders.ReadAsync(key))!.Version);

        // Due at exactly its microsecond, not one before.
        Assert.Contains(key, (await Store.Reminders.ReadDueAsync(stored.DueAt, 10_000)).Select(r => r.Key));
        Assert.DoesNotContain(key, (await Store.Reminders.ReadDueAsync(stored.DueAt.AddTicks(-10), 10_000)).Select(r => r.Key));

        // Completion keeps the microsecond grid.
        Assert.True(await Store.Reminders.CompleteAsync(stored, stored.DueAt));
        Assert.Equal(stored.DueAt + stored.Recurrence!.Value, (await Store.Reminders.ReadAsync(key))!.DueAt);
    }

    [Fact]
    public async Task Malformed_reminder_changes_are_rejected_before_anything_is_stored()
    {
        var id = NewId();
        var key = NewReminderKey();
        foreach (var recurrence in new[] { TimeSpan.Zero, TimeSpan.FromTicks(9), TimeSpan.FromMinutes(-1) })
        {
            await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Store.Reminders.ApplyAsync([ReminderChange.Set(key, T0, recurrence)]));
            await Assert.ThrowsAsync<ArgumentOutOfRangeException>(
                () => Store.Journal.WriteAsync(WithReminders(Events(id, 1, 1), ReminderChange.Set(key, T0, recurrence))));
        }

        await Assert.ThrowsAsync<ArgumentException>(() => Store.Reminders.ApplyAsync([ReminderChange.Set(key with { Name = string.Empty }, T0)]));
        await Assert.ThrowsAsync<ArgumentException>(
            () => Store.Journal.WriteAsync(WithReminders(Events(id, 1, 1), ReminderChange.Set(key, T0), ReminderChange.Cancel(key with { EntityId = string.Empty }))));
        Assert.Null(await Store.Reminders.ReadAsync(key));
        Assert.Equal(0, await Store.Journal.ReadHighestSequenceNrAsync(id));
    }

    // ------------------------------------------------------------------ schema

    /// <summary>
    /// A database of its own with the back-end's migrations applied only up to <paramref name="version"/>, as an
    /// older release left it; dropped when disposed (after its stores).
    /// </summary>
    protected abstract Task<LegacyDatabase> CreateDatabaseAtSchemaVersionAsync(int version);

    [Fact]
    public async Task A_database_of_schema_version_1_migrates_forward_and_keeps_its_events()
    {
        await using var legacy = await CreateDatabaseAtSchemaVersionAsync(1);
        var id = NewId();
        await using (var old = legacy.CreateStore(Clock))
        {
            // Journal and snapshots are all that version 1 has, and all the release that created it used.
            await old.Journal.WriteAsync(Events(id, 1, 3));
            await old.Snapshots.SaveAsync(new SnapshotEnvelope(id, 2, "state", """{"n":2}""", Clock.GetUtcNow()));
        }

        await using var store = legacy.CreateStore(Clock);
        await store.InitializeAsync();

        Assert.Equal([1L, 2, 3], (await ReplayAll(store, id)).Select(e => e.SequenceNr));
        Assert.Equal(2, (await store.Snapshots.LoadAsync(id))?.SequenceNr);
        var key = new ReminderKey("test.entity", id, "timeout");
        await store.Journal.WriteAsync(WithReminders(Events(id, 4, 1), ReminderChange.Set(key, T0)));
        Assert.Equal(new StoredReminder(key, T0, null, 1), await store.Reminders.ReadAsync(key));
        Assert.Equal(T0, await store.Reminders.ReadNextDueAsync());

        await store.InitializeAsync(); // nothing left to migrate
        Assert.Equal(4, await store.Journal.ReadHighestSequenceNrAsync(id));
    }

    /// <summary>A scratch database: opens stores over it, and drops it when disposed.</summary>
    protected sealed class LegacyDatabase(Func<TimeProvider, IPersistenceStore> createStore, Func<Task> drop) : IAsyncDisposable
    {
        public IPersistenceStore CreateStore(TimeProvider time) => createStore(time);

        public async ValueTask DisposeAsync() => await drop();
    }

    // ------------------------------------------------------------------ lifecycle

    [Fact]
    public async Task Data_survives_a_restart_and_writes_continue()
    {
        var id = NewId();
        var first = await OpenStoreAsync();
        var lastOrdering = await first.Journal.WriteAsync(Events(id, 1, 5));
        await first.Snapshots.SaveAsync(new SnapshotEnvelope(id, 3, "state", """{"n":3}""", Clock.GetUtcNow()));
        await first.DisposeAsync();

        var second = await OpenStoreAsync(writerId: "node-a/2");
        Assert.Equal([1L, 2, 3, 4, 5], (await ReplayAll(second, id)).Select(e => e.SequenceNr));
        Assert.Equal(5, await second.Journal.ReadHighestSequenceNrAsync(id));
        Assert.Equal(3, (await second.Snapshots.LoadAsync(id))?.SequenceNr);
        Assert.True(await second.Journal.WriteAsync(Events(id, 6, 1)) > lastOrdering);
        await Assert.ThrowsAsync<SequenceConflictException>(() => second.Journal.WriteAsync(Events(id, 5, 1)));
        Assert.Equal("node-a/2", (await ReplayAll(second, id, 6, 6)).Single().Writer);
    }

    [Fact]
    public async Task Disposing_writes_what_is_queued_and_later_calls_fail_cleanly()
    {
        var store = await OpenStoreAsync();
        var ids = Enumerable.Range(0, 200).Select(_ => NewId()).ToArray();
        var queued = ids.Select(id => store.Journal.WriteAsync(Events(id, 1, 1))).ToArray();

        await store.DisposeAsync();

        Assert.All(queued, t => Assert.True(t.IsCompletedSuccessfully));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => store.Journal.WriteAsync(Events(NewId(), 1, 1)));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => store.EventLog.ReadHighestOrderingAsync());
        await Assert.ThrowsAsync<ObjectDisposedException>(() => store.Snapshots.LoadAsync(ids[0]));
        await store.DisposeAsync(); // twice is fine
        foreach (var id in ids)
        {
            Assert.Equal(1, await Store.Journal.ReadHighestSequenceNrAsync(id));
        }
    }

    [Fact]
    public async Task Initialising_again_and_concurrently_is_harmless()
    {
        var id = NewId();
        await Store.Journal.WriteAsync(Events(id, 1, 2));

        await Store.InitializeAsync();
        var others = Enumerable.Range(0, 4).Select(i => CreateStore(Clock, null, $"node-{i}/1")).ToArray();
        _stores.AddRange(others);
        await Task.WhenAll(others.Select(s => s.InitializeAsync())).WaitAsync(Timeout);

        Assert.Equal(2, await others[0].Journal.ReadHighestSequenceNrAsync(id));
        await others[1].Journal.WriteAsync(Events(id, 3, 1));
        Assert.Equal(3, await Store.Journal.ReadHighestSequenceNrAsync(id));
    }

    [Fact]
    public async Task Large_payloads_round_trip()
    {
        var id = NewId();
        var big = new StringBuilder("""{"kind":"large","items":[""");
        for (var i = 0; big.Length < 1024 * 1024; i++)
        {
            big.Append(i == 0 ? string.Empty : ",").Append($$"""{"i":{{i}},"text":"lorem ipsum dolor sit amet {{i}}"}""");
        }

        var payload = big.Append("]}").ToString();
        await Store.Journal.WriteAsync(new AtomicWrite(id, [new EventToWrite(1, "large", payload), new EventToWrite(2, "small", "{}")]));
        await Store.Snapshots.SaveAsync(new SnapshotEnvelope(id, 2, "state", payload, Clock.GetUtcNow()));

        var events = await ReplayAll(Store, id);
        Assert.Equal(2, events.Count);
        AssertJsonEqual(payload, events[0].Payload);
        AssertJsonEqual(payload, (await Store.Snapshots.LoadAsync(id))!.Payload);
    }
}

/// <summary>Runs an asynchronous action on dispose.</summary>
internal sealed class Release(Func<Task> release) : IAsyncDisposable
{
    public async ValueTask DisposeAsync() => await release();
}
