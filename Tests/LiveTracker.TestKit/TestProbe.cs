using System.Diagnostics;
using System.Threading.Channels;
using LiveTracker.Actors.Kernel;

namespace LiveTracker.TestKit;

/// <summary>
/// An actor whose received messages a test can expect, like Akka's TestProbe. Waits are in real time (messages
/// arrive from other threads); actor timers run on the system's clock, which a test may drive by hand.
/// </summary>
public sealed class TestProbe : IActorRef
{
    private readonly Channel<(object Message, IActorRef Sender)> _received = Channel.CreateUnbounded<(object, IActorRef)>();
    private readonly IActorRef _actor;
    private readonly TimeSpan _defaultTimeout;
    private DateTime? _deadline;

    internal TestProbe(ActorSystem system, string name, TimeSpan defaultTimeout)
    {
        _defaultTimeout = defaultTimeout;
        System = system;
        _actor = system.ActorOf(Props.Create(() => new ProbeActor(this)), name);
    }

    public ActorSystem System { get; }

    public string Path => _actor.Path;

    /// <summary>Sender of the last message taken by an expectation.</summary>
    public IActorRef? LastSender { get; private set; }

    public IActorRef Ref => _actor;

    public void Tell(object message, IActorRef? sender = null) => _actor.Tell(message, sender);

    /// <summary>Sends <paramref name="message"/> to <paramref name="target"/> with this probe as sender.</summary>
    public void Send(IActorRef target, object message) => target.Tell(message, _actor);

    /// <summary>Replies to the sender of the last expected message.</summary>
    public void Reply(object message) =>
        (LastSender ?? throw new TestKitAssertionException("Reply needs a message received first.")).Tell(message, _actor);

    /// <summary>Makes the probe receive <see cref="Terminated"/> when <paramref name="target"/> stops.</summary>
    public void Watch(IActorRef target) => _actor.Tell(new WatchCommand(target is TestProbe probe ? probe.Ref : target));

    public T ExpectMsg<T>(Func<T, bool>? predicate = null, TimeSpan? timeout = null) =>
        ExpectMsgAsync(predicate, timeout).GetAwaiter().GetResult();

    public async Task<T> ExpectMsgAsync<T>(Func<T, bool>? predicate = null, TimeSpan? timeout = null)
    {
        var (message, sender) = await ReceiveOneAsync(timeout, $"a {typeof(T).Name}");
        if (message is not T typed)
        {
            throw new TestKitAssertionException($"Expected a {typeof(T).Name} but received {Describe(message)}.");
        }

        if (predicate is not null && !predicate(typed))
        {
            throw new TestKitAssertionException($"Received {Describe(message)}, which does not match the expectation.");
        }

        LastSender = sender;
        return typed;
    }

    /// <summary>Expects exactly <paramref name="expected"/> (by value equality).</summary>
    public T ExpectMsg<T>(T expected, TimeSpan? timeout = null)
        where T : notnull =>
        ExpectMsg<T>(m => EqualityComparer<T>.Default.Equals(m, expected), timeout);

    /// <summary>Expects <see cref="Terminated"/> of exactly this incarnation (not an earlier one with the same path).</summary>
    public Terminated ExpectTerminated(IActorRef target, TimeSpan? timeout = null)
    {
        var actual = target is TestProbe probe ? probe.Ref : target;
        return ExpectMsg<Terminated>(t => ReferenceEquals(t.ActorRef, actual), timeout);
    }

    /// <summary>Asserts nothing arrives for <paramref name="duration"/>.</summary>
    public void ExpectNoMsg(TimeSpan duration) => ExpectNoMsgAsync(duration).GetAwaiter().GetResult();

    public async Task ExpectNoMsgAsync(TimeSpan duration)
    {
        using var cts = new CancellationTokenSource(duration);
        try
        {
            var (message, _) = await _received.Reader.ReadAsync(cts.Token);
            throw new TestKitAssertionException($"Expected no message for {duration.TotalMilliseconds:0} ms but received {Describe(message)}.");
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested)
        {
        }
    }

    /// <summary>Skips messages until one of type <typeparamref name="T"/> matches <paramref name="predicate"/>.</summary>
    public T FishForMessage<T>(Func<T, bool> predicate, TimeSpan? timeout = null) =>
        FishForMessageAsync(predicate, timeout).GetAwaiter().GetResult();

    public async Task<T> FishForMessageAsync<T>(Func<T, bool> predicate, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + RemainingOr(timeout);
        while (true)
        {
            var left = deadline - DateTime.UtcNow;
            var (message, sender) = await ReceiveOneAsync(left > TimeSpan.Zero ? left : TimeSpan.Zero, $"a matching {typeof(T).Name}");
            if (message is T typed && predicate(typed))
            {
                LastSender = sender;
                return typed;
            }
        }
    }

    /// <summary>Takes every message that arrives within <paramref name="duration"/>.</summary>
    public async Task<IReadOnlyList<object>> ReceiveWhileAsync(TimeSpan duration)
    {
        var all = new List<object>();
        using var cts = new CancellationTokenSource(duration);
        try
        {
            while (true)
            {
                all.Add((await _received.Reader.ReadAsync(cts.Token)).Message);
            }
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested)
        {
            return all;
        }
    }

    /// <summary>
    /// Runs <paramref name="block"/> and asserts it took between <paramref name="min"/> and <paramref name="max"/>;
    /// expectations inside default to the time left before <paramref name="max"/>.
    /// </summary>
    public T Within<T>(TimeSpan min, TimeSpan max, Func<T> block)
    {
        var outer = _deadline;
        var started = Stopwatch.StartNew();
        _deadline = DateTime.UtcNow + max;
        try
        {
            var result = block();
            var elapsed = started.Elapsed;
            if (elapsed < min || elapsed > max)
            {
                throw new TestKitAssertionException(
                    $"Block took {elapsed.TotalMilliseconds:0} ms, expected between {min.TotalMilliseconds:0} and {max.TotalMilliseconds:0} ms.");
            }

            return result;
        }
        finally
        {
            _deadline = outer;
        }
    }

    public void Within(TimeSpan max, Action block) => Within(TimeSpan.Zero, max, () =>
    {
        block();
        return true;
    });

    private TimeSpan RemainingOr(TimeSpan? timeout)
    {
        if (timeout is { } explicitTimeout)
        {
            return explicitTimeout;
        }

        if (_deadline is { } deadline)
        {
            var left = deadline - DateTime.UtcNow;
            return left > TimeSpan.Zero ? left : TimeSpan.Zero;
        }

        return _defaultTimeout;
    }

    private async Task<(object Message, IActorRef Sender)> ReceiveOneAsync(TimeSpan? timeout, string what)
    {
        var wait = RemainingOr(timeout);
        if (_received.Reader.TryRead(out var ready))
        {
            return ready;
        }

        using var cts = new CancellationTokenSource(wait);
        try
        {
            return await _received.Reader.ReadAsync(cts.Token);
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested)
        {
            throw new TestKitAssertionException($"Timed out after {wait.TotalMilliseconds:0} ms waiting for {what} at {Path}.");
        }
    }

    private static string Describe(object message) => $"{message.GetType().Name} {message}";

    private sealed record WatchCommand(IActorRef Target);

    private sealed class ProbeActor(TestProbe probe) : ActorBase
    {
        protected override void OnReceive(object message)
        {
            if (message is WatchCommand watch)
            {
                Context.Watch(watch.Target);
                return;
            }

            probe._received.Writer.TryWrite((message, Sender));
        }
    }
}
