using LiveTracker.Actors.Kernel;

namespace LiveTracker.Actors.Tests.Kernel;

/// <summary>Replies to everything with the same message, and reports lifecycle events to a probe.</summary>
internal sealed class EchoActor(IActorRef? lifecycle = null) : ActorBase
{
    protected override void PreStart() => lifecycle?.Tell("pre-start:" + Self.Path);

    protected override void PostStop() => lifecycle?.Tell("post-stop:" + Self.Path);

    protected override void OnReceive(object message) => Sender.Tell(message, Self);
}

internal sealed record Fail(string Why);

internal sealed record Increment;

internal sealed record GetCount;

/// <summary>Counts increments; throws on <see cref="Fail"/>; reports lifecycle hooks.</summary>
internal sealed class CountingActor(IActorRef reporter) : ActorBase
{
    private int _count;

    protected override void PreStart() => reporter.Tell("pre-start");

    protected override void PostStop() => reporter.Tell("post-stop");

    protected override void PreRestart(Exception reason, object? message) => reporter.Tell("pre-restart:" + reason.Message);

    protected override void PostRestart(Exception reason) => reporter.Tell("post-restart:" + reason.Message);

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case Increment:
                _count++;
                break;
            case GetCount:
                Sender.Tell(_count);
                break;
            case Fail fail:
                throw new InvalidOperationException(fail.Why);
            default:
                Unhandled(message);
                break;
        }
    }
}
