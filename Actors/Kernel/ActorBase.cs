using Microsoft.Extensions.Logging;

namespace LiveTracker.Actors.Kernel;

/// <summary>What an actor may do from inside its message handler.</summary>
public interface IActorContext
{
    IActorRef Self { get; }

    /// <summary>Sender of the message being processed; dead letters when there is none.</summary>
    IActorRef Sender { get; }

    IActorRef Parent { get; }

    ActorSystem System { get; }

    ILogger Log { get; }

    IActorRef ActorOf(Props props, string? name = null);

    IActorRef? Child(string name);

    IEnumerable<IActorRef> Children { get; }

    /// <summary>Stops the actor (or one of its children) after the current message; queued messages go to dead letters.</summary>
    void Stop(IActorRef actor);

    /// <summary>Delivers <see cref="Terminated"/> when <paramref name="actor"/> stops (at once if it already has).</summary>
    void Watch(IActorRef actor);

    void Unwatch(IActorRef actor);
}

/// <summary>
/// Base of every actor. Override <see cref="OnReceive"/> for synchronous handling or
/// <see cref="OnReceiveAsync"/> when a message needs awaiting; either way the mailbox delivers the next
/// message only after the current one is fully handled, so actor state needs no locks.
/// </summary>
public abstract class ActorBase
{
    private ActorCell? _cell;
    private Action<object>? _behavior;

    internal ActorCell Cell => _cell ?? throw new InvalidOperationException(
        "Actor members may only be used once the actor was created by an ActorSystem (not from its constructor).");

    protected IActorContext Context => Cell;

    protected IActorRef Self => Cell.Self;

    protected IActorRef Sender => Cell.Sender;

    protected ILogger Log => Cell.Log;

    /// <summary>Keyed timers whose ticks arrive as ordinary messages (see <see cref="ITimerScheduler"/>).</summary>
    protected ITimerScheduler Timers => Cell.Timers;

    /// <summary>Sets messages aside to be handled later, in their original order.</summary>
    protected IStash Stash => Cell.Stash;

    /// <summary>The strategy applied to this actor's children (unless their Props carry their own).</summary>
    protected internal virtual SupervisorStrategy? ChildSupervisorStrategy => null;

    internal void Attach(ActorCell cell) => _cell = cell;

    protected virtual void PreStart() { }

    protected virtual void PostStop() { }

    /// <summary>Called on the failed instance before it is replaced. Timers are cancelled and the stash is returned to the mailbox.</summary>
    protected virtual void PreRestart(Exception reason, object? message) { }

    /// <summary>Called on the fresh instance after a restart, before <see cref="PreStart"/>.</summary>
    protected virtual void PostRestart(Exception reason) { }

    protected virtual void OnReceive(object message) => Unhandled(message);

    protected virtual ValueTask OnReceiveAsync(object message)
    {
        if (_behavior is { } behavior)
        {
            behavior(message);
        }
        else
        {
            OnReceive(message);
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>Replaces the handler for the next messages (Akka's <c>Become</c>); <see cref="Unbecome"/> restores <see cref="OnReceive"/>.</summary>
    protected void Become(Action<object> behavior) => _behavior = behavior;

    protected void Unbecome() => _behavior = null;

    /// <summary>Called for messages the actor does not handle: logged, and an <c>Ask</c> waiting on it fails at once.</summary>
    protected virtual void Unhandled(object message) => Cell.Unhandled(message);

    /// <summary>Hook for persistent actors: runs before any message is processed (recovery).</summary>
    internal virtual ValueTask InitializeAsync() => ValueTask.CompletedTask;

    internal void InvokePreStart() => PreStart();

    internal void InvokePostStop() => PostStop();

    internal void InvokePreRestart(Exception reason, object? message) => PreRestart(reason, message);

    internal void InvokePostRestart(Exception reason) => PostRestart(reason);

    internal ValueTask InvokeReceive(object message) => OnReceiveAsync(message);
}
