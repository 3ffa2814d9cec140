namespace LiveTracker.Actors.Kernel;

/// <summary>An address to send messages to. Safe to share between threads; never exposes the actor itself.</summary>
public interface IActorRef
{
    /// <summary>Hierarchical name, e.g. <c>/user/contracts/shard-7/c-42</c>, for logs and diagnostics.</summary>
    string Path { get; }

    /// <summary>Enqueues the message; returns at once. A stopped recipient routes it to dead letters.</summary>
    void Tell(object message, IActorRef? sender = null);
}

/// <summary>Refs created by an <see cref="ActorSystem"/>, so <c>Ask</c> can find its clock and defaults.</summary>
internal interface ISystemRef : IActorRef
{
    ActorSystem System { get; }
}

public static class ActorRefExtensions
{
    /// <summary>Like Akka's <c>Forward</c>: keeps the original sender.</summary>
    public static void Forward(this IActorRef target, object message, IActorContext context) =>
        target.Tell(message, context.Sender);

    /// <summary>
    /// Sends <paramref name="message"/> and waits for one reply of type <typeparamref name="T"/>.
    /// A <see cref="Status.Failure"/> reply is thrown; no reply within the timeout (measured on the
    /// system's <see cref="TimeProvider"/>) throws <see cref="AskTimeoutException"/>.
    /// </summary>
    public static Task<T> Ask<T>(
        this IActorRef target, object message, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        if (target is not ISystemRef systemRef)
        {
            throw new ArgumentException($"Ask needs a ref created by an ActorSystem, got {target.GetType().Name}.", nameof(target));
        }

        return systemRef.System.Ask<T>(target, message, timeout, cancellationToken);
    }
}
