namespace LiveTracker.Actors.Kernel;

public enum Directive
{
    /// <summary>Keep the actor and its state; drop the failing message.</summary>
    Resume,

    /// <summary>Replace the actor with a fresh instance (after a backoff); drop the failing message.</summary>
    Restart,

    /// <summary>Stop the actor for good.</summary>
    Stop,
}

/// <summary>
/// What happens when an actor throws: a <see cref="Directive"/> chosen by <see cref="Decider"/>; restarts wait an
/// exponential backoff (<see cref="MinBackoff"/> doubling up to <see cref="MaxBackoff"/>) and the actor is
/// stopped once it failed more than <see cref="MaxRestarts"/> times within <see cref="Within"/>.
/// Messages that arrive during the backoff wait in the mailbox.
/// </summary>
public sealed record SupervisorStrategy(
    int MaxRestarts,
    TimeSpan Within,
    TimeSpan MinBackoff,
    TimeSpan MaxBackoff,
    Func<Exception, Directive>? Decider = null)
{
    public static SupervisorStrategy Default { get; } =
        new(10, TimeSpan.FromMinutes(1), TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(10));

    public static SupervisorStrategy StoppingStrategy { get; } =
        new(0, TimeSpan.FromMinutes(1), TimeSpan.Zero, TimeSpan.Zero, _ => Directive.Stop);

    public Directive Decide(Exception exception) => Decider?.Invoke(exception) ?? Directive.Restart;

    /// <summary>The wait before the <paramref name="restartNumber"/>-th restart in the current window (1-based).</summary>
    public TimeSpan BackoffFor(int restartNumber)
    {
        if (MinBackoff <= TimeSpan.Zero)
        {
            return TimeSpan.Zero;
        }

        var exponent = Math.Min(restartNumber - 1, 30);
        var ticks = MinBackoff.Ticks * Math.Pow(2, exponent);
        return ticks >= MaxBackoff.Ticks ? MaxBackoff : TimeSpan.FromTicks((long)ticks);
    }
}
