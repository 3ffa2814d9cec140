namespace LiveTracker.Actors.Kernel;

/// <summary>Akka's stash: set the current message aside, later put everything back in front of the mailbox.</summary>
public interface IStash
{
    /// <summary>Sets the message being processed aside (with its sender).</summary>
    void Stash();

    /// <summary>Returns every stashed message, oldest first, ahead of anything still in the mailbox.</summary>
    void UnstashAll();

    int Count { get; }
}

internal sealed class MessageStash(ActorCell cell) : IStash
{
    private List<Envelope>? _stashed;

    public int Count => _stashed?.Count ?? 0;

    public void Stash()
    {
        var current = cell.CurrentEnvelope ?? throw new InvalidOperationException("Stash() can only be called while handling a message.");
        (_stashed ??= []).Add(current);
    }

    public void UnstashAll()
    {
        if (_stashed is not { Count: > 0 })
        {
            return;
        }

        cell.Prepend(_stashed);
        _stashed.Clear();
    }

    /// <summary>Messages still stashed when the actor stops are dead letters.</summary>
    public List<Envelope> TakeAll()
    {
        var all = _stashed ?? [];
        _stashed = null;
        return all;
    }
}
