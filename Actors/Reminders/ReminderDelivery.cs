using System.Collections.Concurrent;
using LiveTracker.Actors.Cluster;
using LiveTracker.Actors.Persistence;
using Microsoft.Extensions.Logging;

namespace LiveTracker.Actors.Reminders;

/// <summary>
/// Delivers due durable reminders to their entities. Each round reads the reminders due by now (so those that fell
/// due while the node was down are delivered on start-up), asks each entity through its region, and completes the
/// reminder only after the entity acknowledged — at least once: a crash in between delivers it again, and
/// entities are idempotent. Between rounds it sleeps until the next due time on the injected clock, waking early
/// when a reminder is set in this process or after the poll interval (reminders set elsewhere).
/// </summary>
public sealed partial class ReminderDelivery : IAsyncDisposable
{
    private readonly IReminderStore _store;
    private readonly IReadOnlyDictionary<string, EntityRegion> _regions;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ReminderDeliverySettings _settings;
    private readonly ConcurrentDictionary<ReminderKey, DateTimeOffset> _retryNotBefore = new();
    private readonly CancellationTokenSource _stopping = new();
    private Task _loop = Task.CompletedTask;
    private long _delivered;

    private static readonly TimeSpan MaxSleep = TimeSpan.FromDays(7);
    private static readonly TimeSpan TimerTolerance = TimeSpan.FromMilliseconds(50);

    private ReminderDelivery(
        IReminderStore store, IReadOnlyDictionary<string, EntityRegion> regions, TimeProvider time, ILogger logger, ReminderDeliverySettings settings)
    {
        _store = store;
        _regions = regions;
        _time = time;
        _logger = logger;
        _settings = settings;
    }

    /// <summary>Reminders acknowledged by their entities since the start.</summary>
    public long Delivered => Interlocked.Read(ref _delivered);

    /// <summary>Starts delivering to the given regions (keyed by their type name, the reminders' entity type).</summary>
    public static ReminderDelivery Start(
        IReminderStore store,
        IEnumerable<EntityRegion> regions,
        TimeProvider time,
        ILogger logger,
        ReminderDeliverySettings? settings = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(regions);
        var delivery = new ReminderDelivery(
            store, regions.ToDictionary(r => r.TypeName, StringComparer.Ordinal), time ?? TimeProvider.System, logger, settings ?? new ReminderDeliverySettings());
        delivery._loop = Task.Run(delivery.RunAsync);
        return delivery;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stopping.IsCancellationRequested)
        {
            await _stopping.CancelAsync().ConfigureAwait(false);
        }

        try
        {
            await _loop.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        _stopping.Dispose();
    }

    private async Task RunAsync()
    {
        var token = _stopping.Token;
        while (!token.IsCancellationRequested)
        {
            var changed = _store.WhenChangedAsync();
            DateTimeOffset wakeAt;
            try
            {
                if (await DeliverDueAsync(token).ConfigureAwait(false))
                {
                    continue; // delivered something: look again at once, more may be due by now
                }

                wakeAt = await NextWakeAsync(token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                return;
            }
#pragma warning disable CA1031 // The loop must outlive a database outage; it retries after the delay.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                LogRoundFailed(_logger, ex);
                wakeAt = _time.GetUtcNow() + _settings.RetryDelay;
            }

            LogSleeping(_logger, wakeAt);
            await SleepUntilAsync(wakeAt, changed, token).ConfigureAwait(false);
        }
    }

    /// <summary>Delivers one batch of due reminders; true when it delivered any (or tried to).</summary>
    private async Task<bool> DeliverDueAsync(CancellationToken token)
    {
        var now = _time.GetUtcNow();
        var due = await _store.ReadDueAsync(now, _settings.BatchSize, token).ConfigureAwait(false);
        var ready = due.Where(r => !_retryNotBefore.TryGetValue(r.Key, out var notBefore) || notBefore <= now).ToList();
        LogRound(_logger, now, due.Count, ready.Count);
        await Parallel.ForEachAsync(
            ready,
            new ParallelOptions { MaxDegreeOfParallelism = _settings.Parallelism, CancellationToken = token },
            async (reminder, ct) => await DeliverAsync(reminder, ct).ConfigureAwait(false)).ConfigureAwait(false);
        return ready.Count > 0;
    }

    private async Task DeliverAsync(StoredReminder reminder, CancellationToken token)
    {
        var key = reminder.Key;
        try
        {
            if (!_regions.TryGetValue(key.EntityType, out var region))
            {
                // Another node (or a later version) owns this type; it stays for whoever can deliver it.
                LogNoRegion(_logger, key.EntityType, key.EntityId, key.Name);
                _retryNotBefore[key] = _time.GetUtcNow() + _settings.PollInterval;
                return;
            }

            await region.Ask<ReminderAck>(key.EntityId, new ReminderDue(key.Name, reminder.DueAt), _settings.AckTimeout, token).ConfigureAwait(false);
            await _store.CompleteAsync(reminder, _time.GetUtcNow(), token).ConfigureAwait(false);
            _retryNotBefore.TryRemove(key, out _);
            Interlocked.Increment(ref _delivered);
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            throw;
        }
#pragma warning disable CA1031 // A failing entity must not stop the others' reminders; it is retried later.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LogDeliveryFailed(_logger, ex, key.EntityType, key.EntityId, key.Name);
            _retryNotBefore[key] = _time.GetUtcNow() + _settings.RetryDelay;
        }
    }

    private async Task<DateTimeOffset> NextWakeAsync(CancellationToken token)
    {
        // Read afresh: the clock may have moved during the round (a test's manual clock jumps days at once).
        var now = _time.GetUtcNow();
        var latest = now + _settings.PollInterval;
        var due = await _store.ReadDueAsync(now, _settings.BatchSize, token).ConfigureAwait(false);
        if (due.Any(r => !_retryNotBefore.TryGetValue(r.Key, out var notBefore) || notBefore <= now))
        {
            return now;
        }

        if (due.Count > 0)
        {
            // All that is due waits for a retry: wake for the earliest one.
            var retry = due.Min(r => _retryNotBefore[r.Key]);
            return retry < latest ? retry : latest;
        }

        var next = await _store.ReadNextDueAsync(token).ConfigureAwait(false);
        return next is { } at && at < latest ? at : latest;
    }

    private async Task SleepUntilAsync(DateTimeOffset wakeAt, Task changed, CancellationToken token)
    {
        while (true)
        {
            var before = _time.GetUtcNow();
            var delay = wakeAt - before;
            if (delay <= TimeSpan.Zero)
            {
                return;
            }

            using var sleep = CancellationTokenSource.CreateLinkedTokenSource(token);
            var timer = Task.Delay(delay < MaxSleep ? delay : MaxSleep, _time, sleep.Token);

            // A timer counts from when it is made: had the clock jumped meanwhile (a test's manual clock does, by
            // days), this one would ring late. Make it again from the new time.
            var jumped = _time.GetUtcNow() - before > TimerTolerance;
            if (!jumped)
            {
                await Task.WhenAny(timer, changed).ConfigureAwait(false);
            }

            await sleep.CancelAsync().ConfigureAwait(false);
            try
            {
                await timer.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }

            if (!jumped)
            {
                return;
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Reminders due at {Now}: {Due}, delivering {Ready}")]
    private static partial void LogRound(ILogger logger, DateTimeOffset now, int due, int ready);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Reminder delivery sleeps until {WakeAt} or a change")]
    private static partial void LogSleeping(ILogger logger, DateTimeOffset wakeAt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Delivering reminder {Name} to {EntityType}/{EntityId} failed; retrying later")]
    private static partial void LogDeliveryFailed(ILogger logger, Exception exception, string entityType, string entityId, string name);

    [LoggerMessage(Level = LogLevel.Warning, Message = "No region of type {EntityType} on this node for reminder {Name} of {EntityId}")]
    private static partial void LogNoRegion(ILogger logger, string entityType, string entityId, string name);

    [LoggerMessage(Level = LogLevel.Error, Message = "A reminder delivery round failed; trying again later")]
    private static partial void LogRoundFailed(ILogger logger, Exception exception);
}
