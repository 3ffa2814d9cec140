using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace LiveTracker.Actors.Kernel;

/// <summary>Settings of an <see cref="ActorSystem"/>; defaults match <c>akka.hocon</c>.</summary>
public sealed record ActorSystemSettings
{
    public TimeSpan DefaultAskTimeout { get; init; } = TimeSpan.FromSeconds(5);

    public SupervisorStrategy DefaultSupervisorStrategy { get; init; } = SupervisorStrategy.Default;
}

/// <summary>
/// Hosts actors: creates top-level actors, routes dead letters, and shuts everything down cleanly
/// (children before parents, every mailbox drained to dead letters, every loop finished).
/// All time (timers, ask timeouts, supervision backoff) comes from <see cref="Time"/>.
/// </summary>
public sealed partial class ActorSystem : IAsyncDisposable
{
    private readonly ActorCell _guardian;
    private readonly ConcurrentDictionary<IActorRef, byte> _deadLetterSubscribers = new();
    private readonly CancellationTokenSource _terminating = new();
    private readonly ILogger _log;
    private long _askCounter;
    private long _deadLetterCount;

    private ActorSystem(string name, ActorSystemSettings settings, TimeProvider time, ILoggerFactory loggerFactory)
    {
        Name = name;
        Settings = settings;
        Time = time;
        LoggerFactory = loggerFactory;
        _log = loggerFactory.CreateLogger<ActorSystem>();
        DeadLetters = new DeadLetterRef(this);
        _guardian = new ActorCell(this, Props.Create(() => new GuardianActor()), "/user", null, settings.DefaultSupervisorStrategy);
        _guardian.Start();
    }

    public string Name { get; }

    public ActorSystemSettings Settings { get; }

    public TimeProvider Time { get; }

    public ILoggerFactory LoggerFactory { get; }

    public IActorRef DeadLetters { get; }

    /// <summary>Messages that could not be delivered since the system started.</summary>
    public long DeadLetterCount => Interlocked.Read(ref _deadLetterCount);

    /// <summary>Completes when <see cref="TerminateAsync"/> has stopped every actor.</summary>
    public Task WhenTerminated => _guardian.Completion;

    internal SupervisorStrategy DefaultSupervisorStrategy => Settings.DefaultSupervisorStrategy;

    public static ActorSystem Create(
        string name,
        ActorSystemSettings? settings = null,
        TimeProvider? time = null,
        ILoggerFactory? loggerFactory = null) =>
        new(name, settings ?? new ActorSystemSettings(), time ?? TimeProvider.System, loggerFactory ?? NullLoggerFactory.Instance);

    /// <summary>Creates a top-level actor under <c>/user</c>.</summary>
    public IActorRef ActorOf(Props props, string? name = null)
    {
        ObjectDisposedException.ThrowIf(_terminating.IsCancellationRequested, this);
        return _guardian.CreateChild(props, name);
    }

    /// <summary>Stops the actor ahead of the messages still in its mailbox (they become dead letters).</summary>
    public void Stop(IActorRef actor)
    {
        if (actor is not ActorCell cell)
        {
            throw new ArgumentException($"Only local actors can be stopped, not {actor.Path}.", nameof(actor));
        }

        cell.SendSystem(SystemMessage.Stop);
    }

    /// <summary>Completes when the actor has stopped (PostStop ran and its mailbox was drained).</summary>
    public static Task WhenStopped(IActorRef actor) =>
        actor is ActorCell cell ? cell.Completion : throw new ArgumentException("Not a local actor.", nameof(actor));

    /// <summary>Every dead letter is also told to <paramref name="subscriber"/> (like Akka's EventStream subscription).</summary>
    public void SubscribeDeadLetters(IActorRef subscriber) => _deadLetterSubscribers.TryAdd(subscriber, 0);

    public void UnsubscribeDeadLetters(IActorRef subscriber) => _deadLetterSubscribers.TryRemove(subscriber, out _);

    /// <summary>Stops all actors, children before parents, and fails outstanding asks.</summary>
    public async Task TerminateAsync()
    {
        if (!_terminating.IsCancellationRequested)
        {
            // Refuse new top-level actors and fail outstanding asks first, then stop everything.
            await _terminating.CancelAsync();
            _guardian.SendSystem(SystemMessage.Stop);
        }

        await _guardian.Completion;
    }

    public ValueTask DisposeAsync() => new(TerminateAsync());

    internal async Task<T> Ask<T>(IActorRef target, object message, TimeSpan? timeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        var effectiveTimeout = timeout ?? Settings.DefaultAskTimeout;
        var askRef = new AskRef<T>(this, "/temp/ask-" + Interlocked.Increment(ref _askCounter).ToString(global::System.Globalization.CultureInfo.InvariantCulture));
        using var linked = cancellationToken.CanBeCanceled
            ? CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _terminating.Token)
            : null;
        var token = linked?.Token ?? _terminating.Token;
        target.Tell(message, askRef);
        try
        {
            return await askRef.Task.WaitAsync(effectiveTimeout, Time, token);
        }
        catch (TimeoutException)
        {
            // A late reply or failure must land on a finished task, not leave an unobserved fault behind.
            askRef.Abandon();
            throw new AskTimeoutException(
                $"No reply from {target.Path} to {message.GetType().Name} within {effectiveTimeout.TotalMilliseconds:0} ms.");
        }
        catch (OperationCanceledException)
        {
            askRef.Abandon();
            if (_terminating.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                throw new ActorStoppedException($"The actor system terminated before {target.Path} replied.");
            }

            throw;
        }
    }

    internal void PublishDeadLetter(DeadLetter deadLetter)
    {
        Interlocked.Increment(ref _deadLetterCount);
        if (deadLetter.Message is DeadLetter)
        {
            // A dead letter to a subscriber that has stopped: publishing it again would recurse forever.
            return;
        }

        if (deadLetter.Sender is IAskRef ask)
        {
            ask.Fail(new ActorStoppedException($"{deadLetter.Recipient.Path} has stopped; {deadLetter.Message.GetType().Name} was not delivered."));
        }

        LogDeadLetter(_log, deadLetter.Message.GetType().Name, deadLetter.Recipient.Path);
        foreach (var subscriber in _deadLetterSubscribers.Keys)
        {
            // A subscriber that has stopped is dropped here rather than kept (and told) forever.
            if (subscriber is ActorCell { IsTerminated: true })
            {
                _deadLetterSubscribers.TryRemove(subscriber, out _);
                continue;
            }

            subscriber.Tell(deadLetter);
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Dead letter: {MessageType} to {Recipient}")]
    private static partial void LogDeadLetter(ILogger logger, string messageType, string recipient);

    private sealed class GuardianActor : ActorBase
    {
        protected override void OnReceive(object message)
        {
        }
    }

    private sealed class DeadLetterRef(ActorSystem system) : ISystemRef
    {
        public string Path => "/deadLetters";

        public ActorSystem System => system;

        public void Tell(object message, IActorRef? sender = null)
        {
            if (message is not DeadLetter)
            {
                system.PublishDeadLetter(new DeadLetter(message, sender, this));
            }
        }

        public override string ToString() => Path;
    }
}

internal interface IAskRef
{
    void Fail(Exception exception);
}

/// <summary>The temporary ref an Ask waits on: completes with the first reply.</summary>
internal sealed class AskRef<T>(ActorSystem system, string path) : ISystemRef, IAskRef
{
    private readonly TaskCompletionSource<T> _reply = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public string Path => path;

    public ActorSystem System => system;

    public Task<T> Task => _reply.Task;

    public void Tell(object message, IActorRef? sender = null)
    {
        switch (message)
        {
            case T value:
                _reply.TrySetResult(value);
                break;
            case Status.Failure failure:
                _reply.TrySetException(failure.Cause);
                break;
            case Status.Success { Value: T value }:
                _reply.TrySetResult(value);
                break;
            default:
                _reply.TrySetException(new UnexpectedReplyException(
                    $"Expected a reply of type {typeof(T).Name} but got {message.GetType().Name}."));
                break;
        }
    }

    public void Fail(Exception exception) => _reply.TrySetException(exception);

    /// <summary>The asker stopped waiting: later replies are ignored instead of faulting an unobserved task.</summary>
    public void Abandon() => _reply.TrySetCanceled();

    public override string ToString() => Path;
}
