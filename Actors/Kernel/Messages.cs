namespace LiveTracker.Actors.Kernel;

/// <summary>An ordinary message that stops the receiving actor once it is processed (after the messages before it).</summary>
public sealed class PoisonPill
{
    public static readonly PoisonPill Instance = new();
    private PoisonPill() { }
}

/// <summary>Sent to watchers when a watched actor has stopped.</summary>
public sealed record Terminated(IActorRef ActorRef);

/// <summary>Replies that carry an outcome instead of a value; <c>Ask</c> turns a failure into an exception.</summary>
public static class Status
{
    public sealed record Success(object? Value);
    public sealed record Failure(Exception Cause);
}

/// <summary>A message that could not be delivered because its recipient has stopped or never existed.</summary>
public sealed record DeadLetter(object Message, IActorRef? Sender, IActorRef Recipient);

/// <summary>Thrown by <c>Ask</c> when no reply arrived in time.</summary>
public sealed class AskTimeoutException(string message) : TimeoutException(message);

/// <summary>Thrown by <c>Ask</c> when the recipient stopped before replying.</summary>
public sealed class ActorStoppedException(string message) : Exception(message);

/// <summary>Raised for an <c>Ask</c> whose reply had another type than the caller expected.</summary>
public sealed class UnexpectedReplyException(string message) : Exception(message);
