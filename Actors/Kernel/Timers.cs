namespace LiveTracker.Actors.Kernel;

/// <summary>
/// Keyed timers with Akka's semantics: starting a timer with a key that is in use cancels the old one, and a
/// tick of a cancelled or replaced timer that is already in the mailbox is never delivered. Time comes from the
/// system's <see cref="TimeProvider"/>. All timers are cancelled when the actor restarts or stops.
/// </summary>
public interface ITimerScheduler
{
    void StartSingleTimer(object key, object message, TimeSpan delay);

    void StartPeriodicTimer(object key, object message, TimeSpan interval);

    void StartPeriodicTimer(object key, object message, TimeSpan initialDelay, TimeSpan interval);

    bool IsTimerActive(object key);

    void Cancel(object key);

    void CancelAll();
}

internal sealed record TimerTick(object Key, long Generation, object Message);

internal sealed class TimerScheduler(ActorCell cell, TimeProvider time) : ITimerScheduler
{
    private Dictionary<object, ActiveTimer>? _timers;
    private long _generation;
    private bool _closed;

    public void StartSingleTimer(object key, object message, TimeSpan delay) =>
        Start(key, message, delay, Timeout.InfiniteTimeSpan, periodic: false);

    public void StartPeriodicTimer(object key, object message, TimeSpan interval) =>
        Start(key, message, interval, interval, periodic: true);

    public void StartPeriodicTimer(object key, object message, TimeSpan initialDelay, TimeSpan interval) =>
        Start(key, message, initialDelay, interval, periodic: true);

    public bool IsTimerActive(object key) => _timers?.ContainsKey(key) ?? false;

    public void Cancel(object key)
    {
        if (_timers is not null && _timers.Remove(key, out var timer))
        {
            timer.Timer.Dispose();
        }
    }

    public void CancelAll()
    {
        if (_timers is null)
        {
            return;
        }

        foreach (var timer in _timers.Values)
        {
            timer.Timer.Dispose();
        }

        _timers.Clear();
    }

    /// <summary>After the actor terminated: cancels everything and ignores later starts.</summary>
    internal void Close()
    {
        CancelAll();
        _closed = true;
    }

    /// <summary>Returns the message to deliver for a tick, or null when the tick is stale.</summary>
    internal object? Accept(TimerTick tick)
    {
        if (_timers is null || !_timers.TryGetValue(tick.Key, out var timer) || timer.Generation != tick.Generation)
        {
            return null;
        }

        if (!timer.Periodic)
        {
            _timers.Remove(tick.Key);
            timer.Timer.Dispose();
        }

        return tick.Message;
    }

    private void Start(object key, object message, TimeSpan dueTime, TimeSpan period, bool periodic)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(message);
        if (dueTime < TimeSpan.Zero || (periodic && period <= TimeSpan.Zero))
        {
            throw new ArgumentOutOfRangeException(nameof(dueTime), "Timer delays must be non-negative and periods positive.");
        }

        Cancel(key);
        if (_closed)
        {
            return;
        }

        var tick = new TimerTick(key, ++_generation, message);
        // The callback runs on a timer thread: it only enqueues, the actor decides on its own thread whether the tick is still current.
        var timer = time.CreateTimer(static state => ((TimerCallbackState)state!).Fire(), new TimerCallbackState(cell, tick), dueTime, period);
        (_timers ??= [])[key] = new ActiveTimer(tick.Generation, periodic, timer);
    }

    private sealed record ActiveTimer(long Generation, bool Periodic, ITimer Timer);

    private sealed class TimerCallbackState(ActorCell cell, TimerTick tick)
    {
        public void Fire() => cell.Self.Tell(tick, null);
    }
}
