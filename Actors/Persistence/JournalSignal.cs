namespace LiveTracker.Actors.Persistence;

/// <summary>
/// Wake-up for event-log readers (and, as a separate instance, for the reminder delivery service): completed
/// (and replaced) whenever new events (or reminder changes) may have committed.
/// A signal only says "look again"; waiters always confirm with the database, so a spurious or
/// stale wake-up costs one query and can never make a reader skip or spin.
/// </summary>
internal sealed class JournalSignal
{
    private TaskCompletionSource _current = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes at the next <see cref="Notify"/>. Take it BEFORE checking the database, so a
    /// commit that lands between the check and the wait is not missed.</summary>
    public Task Next => Volatile.Read(ref _current).Task;

    public void Notify()
    {
        var fired = Interlocked.Exchange(
            ref _current, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        fired.TrySetResult();
    }

    /// <summary>
    /// The shared body of <see cref="IEventLog.WaitForEventsAfterAsync"/>: returns as soon as the database
    /// has an ordering above <paramref name="afterOrdering"/>; otherwise sleeps until a wake-up or the
    /// safety-net poll, then checks again. Cancellation throws <see cref="OperationCanceledException"/>.
    /// </summary>
    public async Task WaitForEventsAfterAsync(
        long afterOrdering,
        Func<CancellationToken, Task<long>> readHighestOrdering,
        TimeSpan pollInterval,
        TimeProvider time,
        CancellationToken cancellationToken)
    {
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var wake = Next;
            if (await readHighestOrdering(cancellationToken).ConfigureAwait(false) > afterOrdering)
            {
                return;
            }

            try
            {
                await wake.WaitAsync(pollInterval, time, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                // Safety-net poll: look at the database again even without a wake-up.
            }
        }
    }
}
