namespace LiveTracker.Agent.Local;

/// <summary>
/// Wakes a background loop early: <see cref="WaitAsync"/> returns at the timeout (on the given clock) or as soon as
/// <see cref="Set"/> is called, including a Set that came while the loop was busy.
/// </summary>
public sealed class Signal
{
    private TaskCompletionSource set = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Set() => Volatile.Read(ref set).TrySetResult();

    public async Task WaitAsync(TimeSpan timeout, TimeProvider clock, CancellationToken cancellationToken)
    {
        var current = Volatile.Read(ref set);
        if (!current.Task.IsCompleted)
        {
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var delay = Task.Delay(timeout, clock, stop.Token);
            _ = await Task.WhenAny(current.Task, delay);
            await stop.CancelAsync();
            cancellationToken.ThrowIfCancellationRequested();
        }

        if (current.Task.IsCompleted)
        {
            _ = Interlocked.CompareExchange(ref set, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously), current);
        }
    }
}
