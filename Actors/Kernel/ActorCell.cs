using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace LiveTracker.Actors.Kernel;

internal readonly record struct Envelope(object Message, IActorRef? Sender);

/// <summary>
/// The runtime side of one actor: its mailbox, its processing loop, children, watchers, timers, stash and the
/// supervision of its own failures. Everything but <see cref="Tell"/> and the system-message queue is touched
/// only from the actor's own loop, which handles one message at a time.
/// </summary>
internal sealed partial class ActorCell : IActorContext, ISystemRef
{
    private readonly Channel<Envelope> _mailbox = Channel.CreateUnbounded<Envelope>(
        new UnboundedChannelOptions { SingleReader = true, SingleWriter = false, AllowSynchronousContinuations = false });

    // Entities are many and mostly idle, so everything an actor may never need is created on first use;
    // _lock guards the collections other threads touch (children, watchers).
    private readonly Lock _lock = new();
    private readonly TaskCompletionSource _terminated = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private ConcurrentQueue<SystemMessage>? _systemMessages;
    private Queue<Envelope>? _front;
    private Dictionary<string, ActorCell>? _children;
    private HashSet<IActorRef>? _watchers;
    private HashSet<IActorRef>? _watching;
    private Queue<DateTimeOffset>? _recentFailures;
    private CancellationTokenSource? _backoffCancellation;
    private volatile bool _stopSignalled;
    private readonly Props _props;
    private readonly SupervisorStrategy _strategy;
    private readonly ActorCell? _parent;
    private readonly MessageStash _stash;
    private readonly TimerScheduler _timers;
    private ILogger? _log;
    private ActorBase? _actor;
    private bool _stopAfterCurrent;
    private bool _stopping;
    private int _terminatedFlag;
    private long _childNameCounter;

    public ActorCell(ActorSystem system, Props props, string name, ActorCell? parent, SupervisorStrategy strategy)
    {
        System = system;
        _props = props;
        Name = name;
        _parent = parent;
        _strategy = strategy;
        _stash = new MessageStash(this);
        _timers = new TimerScheduler(this, system.Time);
    }

    /// <summary>The last element of <see cref="Path"/>; the path itself is built on demand (logs, errors).</summary>
    public string Name { get; }

    public string Path => _parent is null ? Name : _parent.Path.EndsWith('/') ? _parent.Path + Name : _parent.Path + "/" + Name;

    public ActorSystem System { get; }

    public IActorRef Self => this;

    public IActorRef Sender => CurrentEnvelope?.Sender ?? System.DeadLetters;

    public IActorRef Parent => (IActorRef?)_parent ?? System.DeadLetters;

    public ILogger Log => _log ??= System.LoggerFactory.CreateLogger(_props.ActorType);

    public IEnumerable<IActorRef> Children
    {
        get
        {
            lock (_lock)
            {
                return _children is null ? [] : [.. _children.Values];
            }
        }
    }

    internal Envelope? CurrentEnvelope { get; private set; }

    internal ITimerScheduler Timers => _timers;

    internal IStash Stash => _stash;

    internal Task Completion => _terminated.Task;

    internal bool IsTerminated => Volatile.Read(ref _terminatedFlag) == 1;

    internal bool IsStopping
    {
        get
        {
            lock (_lock)
            {
                return _stopping;
            }
        }
    }

    public void Tell(object message, IActorRef? sender = null)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (!_mailbox.Writer.TryWrite(new Envelope(message, sender)))
        {
            DeadLetter(new Envelope(message, sender));
        }
    }

    public IActorRef ActorOf(Props props, string? name = null) => CreateChild(props, name);

    public IActorRef? Child(string name)
    {
        lock (_lock)
        {
            return _children?.GetValueOrDefault(name);
        }
    }

    public void Stop(IActorRef actor)
    {
        if (ReferenceEquals(actor, this))
        {
            _stopAfterCurrent = true;
        }
        else if (actor is ActorCell cell)
        {
            cell.SendSystem(SystemMessage.Stop);
        }
        else
        {
            throw new ArgumentException($"Only local actors can be stopped, not {actor.Path}.", nameof(actor));
        }
    }

    public void Watch(IActorRef actor)
    {
        if (actor is not ActorCell target)
        {
            throw new ArgumentException($"Only local actors can be watched, not {actor.Path}.", nameof(actor));
        }

        if ((_watching ??= []).Add(actor))
        {
            target.AddWatcher(this);
        }
    }

    public void Unwatch(IActorRef actor)
    {
        if (_watching is not null && _watching.Remove(actor) && actor is ActorCell target)
        {
            target.RemoveWatcher(this);
        }
    }

    internal ActorCell CreateChild(Props props, string? name)
    {
        ArgumentNullException.ThrowIfNull(props);

        name ??= "$" + Interlocked.Increment(ref _childNameCounter).ToString(global::System.Globalization.CultureInfo.InvariantCulture);
        if (name.Length == 0 || name.Contains('/', StringComparison.Ordinal))
        {
            throw new ArgumentException($"Invalid actor name '{name}'.", nameof(name));
        }

        var strategy = props.SupervisorStrategy ?? _actor?.ChildSupervisorStrategy ?? System.DefaultSupervisorStrategy;
        var child = new ActorCell(System, props, name, this, strategy);
        lock (_lock)
        {
            _children ??= new Dictionary<string, ActorCell>(StringComparer.Ordinal);
            // Checked under the lock that StopChildrenAsync snapshots under: a child is either in that
            // snapshot (and stopped with its parent) or refused here, never left running.
            if (_stopping)
            {
                throw new InvalidOperationException($"{Path} is stopping and cannot create children.");
            }

            if (_children.TryGetValue(name, out var existing) && existing.IsTerminated)
            {
                _children.Remove(name);
            }

            if (!_children.TryAdd(name, child))
            {
                throw new InvalidOperationException($"An actor named '{name}' already exists under {Path}.");
            }
        }

        child.Start();
        return child;
    }

    internal void Start() => _ = Task.Run(RunAsync);

    internal void SendSystem(SystemMessage message)
    {
        var queue = Volatile.Read(ref _systemMessages)
            ?? Interlocked.CompareExchange(ref _systemMessages, new ConcurrentQueue<SystemMessage>(), null)
            ?? _systemMessages;
        queue.Enqueue(message);
        if (message.Kind == SystemMessageKind.Stop)
        {
            // Interrupts a restart backoff; the backoff checks the flag after publishing its cancellation source.
            _stopSignalled = true;
            Volatile.Read(ref _backoffCancellation)?.Cancel();
        }

        // Wakes the loop; the wake-up itself is discarded when dequeued. A terminated actor needs no wake-up.
        _mailbox.Writer.TryWrite(new Envelope(Wakeup.Instance, null));
    }

    internal void Prepend(List<Envelope> envelopes)
    {
        _front ??= new Queue<Envelope>();
        var rest = _front.ToArray();
        _front.Clear();
        foreach (var envelope in envelopes)
        {
            _front.Enqueue(envelope);
        }

        foreach (var envelope in rest)
        {
            _front.Enqueue(envelope);
        }
    }

    internal void Unhandled(object message)
    {
        LogUnhandled(Log, Path, message.GetType().Name);
        if (CurrentEnvelope?.Sender is IAskRef ask)
        {
            ask.Fail(new UnexpectedReplyException($"{Path} does not handle {message.GetType().Name}."));
        }
    }

    private void AddWatcher(IActorRef watcher)
    {
        lock (_lock)
        {
            if (!IsTerminated)
            {
                (_watchers ??= []).Add(watcher);
                return;
            }
        }

        watcher.Tell(new Terminated(this));
    }

    private void RemoveWatcher(IActorRef watcher)
    {
        lock (_lock)
        {
            _watchers?.Remove(watcher);
        }
    }

    private async Task RunAsync()
    {
        try
        {
            if (await StartInstanceAsync(null, null))
            {
                await ProcessMailboxAsync();
            }
        }
#pragma warning disable CA1031 // The loop must always reach termination, whatever went wrong.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LogLoopCrashed(Log, ex, Path);
        }

        await TerminateAsync();
    }

    /// <summary>Messages handled in a row before the loop yields its thread to other actors (Akka's throughput).</summary>
    private const int Throughput = 256;

    private async Task ProcessMailboxAsync()
    {
        var reader = _mailbox.Reader;
        while (true)
        {
            // Handlers that complete synchronously run back to back without an await per message; the loop
            // only awaits for an empty mailbox, an asynchronous handler, supervision, or to yield after a burst.
            var drained = false;
            for (var handled = 0; handled < Throughput; handled++)
            {
                if (_systemMessages is { IsEmpty: false } && ProcessSystemMessages())
                {
                    return;
                }

                Envelope envelope;
                if (_front is { Count: > 0 })
                {
                    envelope = _front.Dequeue();
                }
                else if (!reader.TryRead(out envelope))
                {
                    drained = true;
                    break;
                }

                if (envelope.Message is Wakeup)
                {
                    continue;
                }

                var outcome = Invoke(envelope, out var pending, out var failure);
                if (outcome == InvokeOutcome.Pending && !await AwaitHandlerAsync(pending))
                {
                    return;
                }

                if ((outcome == InvokeOutcome.Failed && !await HandleFailureAsync(failure!.Exception, failure.Message))
                    || outcome == InvokeOutcome.Stop
                    || _stopAfterCurrent)
                {
                    return;
                }
            }

            if (!drained)
            {
                // A full burst: let other actors have the thread before going on.
                await Task.Yield();
            }
            else if (!await reader.WaitToReadAsync())
            {
                return;
            }
        }
    }

    /// <summary>Handles pending system messages; true when the actor must stop now.</summary>
    private bool ProcessSystemMessages()
    {
        while (_systemMessages!.TryDequeue(out var message))
        {
            switch (message.Kind)
            {
                case SystemMessageKind.Stop:
                    return true;
                case SystemMessageKind.ChildTerminated:
                    lock (_lock)
                    {
                        var child = (ActorCell)message.Ref!;
                        if (_children is not null && _children.TryGetValue(child.Name, out var current) && ReferenceEquals(current, child))
                        {
                            _children.Remove(child.Name);
                        }
                    }

                    break;
            }
        }

        return false;
    }

    private enum InvokeOutcome
    {
        Done,
        Pending,
        Failed,
        Stop,
    }

    /// <summary>Runs one message through the actor without awaiting; an asynchronous handler is returned as pending.</summary>
    private sealed record Failure(Exception Exception, object Message);

    private InvokeOutcome Invoke(Envelope envelope, out ValueTask pending, out Failure? failure)
    {
        pending = default;
        failure = null;
        var message = envelope.Message;
        switch (message)
        {
            case TimerTick tick:
                var due = _timers.Accept(tick);
                if (due is null)
                {
                    return InvokeOutcome.Done;
                }

                message = due;
                envelope = envelope with { Message = due };
                break;
            case PoisonPill:
                return InvokeOutcome.Stop;
            case Terminated terminated when _watching is null || !_watching.Remove(terminated.ActorRef):
                // Unwatched before the notice arrived: Akka drops it.
                return InvokeOutcome.Done;
        }

        CurrentEnvelope = envelope;
        try
        {
            pending = _actor!.InvokeReceive(message);
            if (!pending.IsCompleted)
            {
                return InvokeOutcome.Pending;
            }

            pending.GetAwaiter().GetResult();
            CurrentEnvelope = null;
            return InvokeOutcome.Done;
        }
#pragma warning disable CA1031 // Any failure of actor code goes to supervision.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            CurrentEnvelope = null;
            failure = new Failure(ex, message);
            return InvokeOutcome.Failed;
        }
    }

    /// <summary>Finishes an asynchronous handler (the mailbox waits meanwhile); false when the actor must stop.</summary>
    private async ValueTask<bool> AwaitHandlerAsync(ValueTask pending)
    {
        var message = CurrentEnvelope?.Message;
        Exception? failure = null;
        try
        {
            await pending;
        }
#pragma warning disable CA1031 // Any failure of actor code goes to supervision.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            failure = ex;
        }

        // Cleared before supervision, so a restarted instance never sees the failed message as current.
        CurrentEnvelope = null;
        return failure is null || await HandleFailureAsync(failure, message);
    }

    /// <summary>Applies the supervision strategy; false when the actor must stop.</summary>
    private async Task<bool> HandleFailureAsync(Exception exception, object? message)
    {
        var directive = _strategy.Decide(exception);
        if (directive == Directive.Resume && message is null)
        {
            // A start (constructor, PreStart, recovery) that failed has no healthy instance to resume.
            directive = Directive.Restart;
        }

        if (directive == Directive.Resume)
        {
            LogFailure(Log, exception, Path, message?.GetType().Name ?? "(start)", directive.ToString());
            return true;
        }

        if (directive == Directive.Restart)
        {
            var now = System.Time.GetUtcNow();
            _recentFailures ??= new Queue<DateTimeOffset>();
            _recentFailures.Enqueue(now);
            while (_recentFailures.Count > 0 && now - _recentFailures.Peek() > _strategy.Within)
            {
                _recentFailures.Dequeue();
            }

            if (_recentFailures.Count > _strategy.MaxRestarts)
            {
                LogGivingUp(Log, exception, Path, _recentFailures.Count, _strategy.Within);
                return false;
            }
        }
        else
        {
            LogFailure(Log, exception, Path, message?.GetType().Name ?? "(start)", directive.ToString());
            return false;
        }

        var restarts = _recentFailures?.Count ?? 1;
        var backoff = _strategy.BackoffFor(restarts);
        LogRestarting(Log, exception, Path, message?.GetType().Name ?? "(start)", restarts, backoff);
        return await StartInstanceAsync(exception, message, backoff);
    }

    /// <summary>
    /// Creates (or re-creates) the actor instance and runs its start hooks, retrying per the strategy when they
    /// throw. False when the actor must stop instead.
    /// </summary>
    private async Task<bool> StartInstanceAsync(Exception? restartReason, object? failedMessage, TimeSpan backoff = default)
    {
        if (restartReason is not null)
        {
            await PrepareRestartAsync(restartReason, failedMessage);
            if (backoff > TimeSpan.Zero)
            {
                using var cancellation = new CancellationTokenSource();
                Volatile.Write(ref _backoffCancellation, cancellation);
                try
                {
                    if (_stopSignalled)
                    {
                        return false;
                    }

                    await Task.Delay(backoff, System.Time, cancellation.Token);
                }
                catch (OperationCanceledException)
                {
                    return false;
                }
                finally
                {
                    Volatile.Write(ref _backoffCancellation, null);
                }
            }
        }

        try
        {
            var actor = _props.Factory();
            actor.Attach(this);
            _actor = actor;
            if (restartReason is not null)
            {
                actor.InvokePostRestart(restartReason);
            }

            actor.InvokePreStart();
            await actor.InitializeAsync();
            return true;
        }
#pragma warning disable CA1031 // Start failures are supervised like message failures.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            return await HandleFailureAsync(ex, null);
        }
    }

    private async Task PrepareRestartAsync(Exception reason, object? failedMessage)
    {
        if (_actor is { } failed)
        {
            try
            {
                failed.InvokePreRestart(reason, failedMessage);
            }
#pragma warning disable CA1031 // A throwing hook must not prevent the restart.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                LogHookFailed(Log, ex, Path, nameof(ActorBase.InvokePreRestart));
            }
        }

        _timers.CancelAll();
        _stash.UnstashAll();
        await StopChildrenAsync();
    }

    private async Task StopChildrenAsync()
    {
        ActorCell[] children;
        lock (_lock)
        {
            children = _children is null ? [] : [.. _children.Values];
        }

        foreach (var child in children)
        {
            child.SendSystem(SystemMessage.Stop);
        }

        await Task.WhenAll(children.Select(c => c.Completion));
    }

    private async Task TerminateAsync()
    {
        lock (_lock)
        {
            _stopping = true;
        }

        try
        {
            await TerminateCoreAsync();
        }
        finally
        {
            // Whatever went wrong above, the parent and whoever awaits this actor must not wait forever.
            _terminated.TrySetResult();
        }
    }

    private async Task TerminateCoreAsync()
    {
        _timers.CancelAll();
        try
        {
            await StopChildrenAsync();
            _actor?.InvokePostStop();
        }
#pragma warning disable CA1031 // Termination must complete even if PostStop throws.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LogHookFailed(Log, ex, Path, "PostStop");
        }

        // Timers started by PostStop must not outlive the actor either.
        _timers.Close();

        IActorRef[] watchers;
        lock (_lock)
        {
            Volatile.Write(ref _terminatedFlag, 1);
            watchers = _watchers is null ? [] : [.. _watchers];
            _watchers = null;
        }

        // From here on Tell fails to write and routes straight to dead letters, so nothing slips in unseen.
        _mailbox.Writer.TryComplete();
        foreach (var envelope in _stash.TakeAll().Concat(_front ?? []))
        {
            DeadLetter(envelope);
        }

        _front = null;
        while (_mailbox.Reader.TryRead(out var envelope))
        {
            DeadLetter(envelope);
        }

        foreach (var watched in _watching ?? [])
        {
            (watched as ActorCell)?.RemoveWatcher(this);
        }

        // The parent forgets the child before any watcher (often the parent itself) hears of the stop, so a
        // new child of the same name can be created as soon as Terminated is handled.
        _parent?.SendSystem(new SystemMessage(SystemMessageKind.ChildTerminated, this));
        foreach (var watcher in watchers)
        {
            watcher.Tell(new Terminated(this));
        }
    }

    private void DeadLetter(Envelope envelope)
    {
        // Internal plumbing (wake-ups, timer ticks racing a stop) is not a message anybody sent.
        if (envelope.Message is Wakeup or TimerTick)
        {
            return;
        }

        System.PublishDeadLetter(new DeadLetter(envelope.Message, envelope.Sender, this));
    }

    public override string ToString() => Path;

    [LoggerMessage(Level = LogLevel.Error, Message = "Actor {Path} failed handling {MessageType}; directive {Directive}")]
    private static partial void LogFailure(ILogger logger, Exception exception, string path, string messageType, string directive);

    [LoggerMessage(Level = LogLevel.Error, Message = "Actor {Path} failed handling {MessageType}; restart {Restart} in the window after {Backoff}")]
    private static partial void LogRestarting(ILogger logger, Exception exception, string path, string messageType, int restart, TimeSpan backoff);

    [LoggerMessage(Level = LogLevel.Error, Message = "Actor {Path} failed {Failures} times within {Window}; stopping it")]
    private static partial void LogGivingUp(ILogger logger, Exception exception, string path, int failures, TimeSpan window);

    [LoggerMessage(Level = LogLevel.Error, Message = "Actor {Path}: lifecycle hook {Hook} threw")]
    private static partial void LogHookFailed(ILogger logger, Exception exception, string path, string hook);

    [LoggerMessage(Level = LogLevel.Critical, Message = "Actor {Path}: mailbox loop crashed")]
    private static partial void LogLoopCrashed(ILogger logger, Exception exception, string path);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Actor {Path} did not handle a {MessageType}")]
    private static partial void LogUnhandled(ILogger logger, string path, string messageType);
}

internal enum SystemMessageKind
{
    Stop,
    ChildTerminated,
}

internal sealed record SystemMessage(SystemMessageKind Kind, IActorRef? Ref)
{
    public static readonly SystemMessage Stop = new(SystemMessageKind.Stop, null);
}

internal sealed class Wakeup
{
    public static readonly Wakeup Instance = new();
}
