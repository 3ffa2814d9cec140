using Akka.Actor;
using Akka.Persistence;
using Xunit;

namespace LiveTracker.Actors.Tests.Hosting;

/// <summary>What tests do to a node's journal and snapshot store through Akka.Persistence's own protocol.</summary>
public static class AkkaJournal
{
    /// <summary>
    /// Deletes an entity's events up to its latest snapshot (which must exist), so recovering it proves the snapshot
    /// alone holds its state.
    /// </summary>
    public static async Task DeleteEventsUpToLatestSnapshotAsync(ActorSystem system, string persistenceId)
    {
        var persistence = Akka.Persistence.Persistence.Instance.Apply(system);
        var loaded = await persistence.SnapshotStoreFor(null).Ask<LoadSnapshotResult>(
            new LoadSnapshot(persistenceId, SnapshotSelectionCriteria.Latest, long.MaxValue), AkkaTestNode.AskTimeout);
        Assert.NotNull(loaded.Snapshot);
        var deleted = await persistence.JournalFor(null).Ask<object>(
            (IActorRef replyTo) => new DeleteMessagesTo(persistenceId, loaded.Snapshot.Metadata.SequenceNr, replyTo), AkkaTestNode.AskTimeout, CancellationToken.None);
        Assert.IsType<DeleteMessagesSuccess>(deleted);
    }
}
