using System.Data.Common;
using System.Text;
using Akka.Actor;
using Akka.Persistence;
using LiveTracker.Actors.Configuration;
using LiveTracker.Actors.Hosting;
using LiveTracker.Actors.Live;
using LiveTracker.Testing;
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

        // An entity saves its snapshot after it has replied, so the first one may still be on its way to the store.
        LoadSnapshotResult? loaded = null;
        await AwaitAssertions.AwaitAssertAsync(
            async () =>
            {
                loaded = await persistence.SnapshotStoreFor(null).Ask<LoadSnapshotResult>(
                    new LoadSnapshot(persistenceId, SnapshotSelectionCriteria.Latest, long.MaxValue), AkkaTestNode.AskTimeout);
                Assert.NotNull(loaded.Snapshot);
            },
            AkkaTestNode.AskTimeout);
        var deleted = await persistence.JournalFor(null).Ask<object>(
            (IActorRef replyTo) => new DeleteMessagesTo(persistenceId, loaded!.Snapshot.Metadata.SequenceNr, replyTo), AkkaTestNode.AskTimeout, CancellationToken.None);
        Assert.IsType<DeleteMessagesSuccess>(deleted);
    }

    /// <summary>A connection (not yet open) to the node's database, as the journal's connection string names it.</summary>
    public static DbConnection Connection(LiveTracker.Actors.Configuration.PersistenceSettings persistence) =>
        persistence.Provider == PersistenceProvider.PostgreSql
            ? new Npgsql.NpgsqlConnection(LiveTrackerAkka.ConnectionString(persistence))
            : new Microsoft.Data.Sqlite.SqliteConnection(LiveTrackerAkka.ConnectionString(persistence));

    /// <summary>An entity's events as the journal table holds them: the manifest and the JSON, oldest first.</summary>
    public static async Task<IReadOnlyList<StoredEvent>> StoredEventsAsync(LiveTracker.Actors.Configuration.PersistenceSettings persistence, string persistenceId)
    {
        await using var connection = Connection(persistence);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT manifest, payload FROM {JournalPosition.JournalTable} WHERE persistence_id = @id ORDER BY sequence_nr";
        var id = command.CreateParameter();
        id.ParameterName = "id";
        id.Value = persistenceId;
        command.Parameters.Add(id);
        var events = new List<StoredEvent>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            events.Add(new StoredEvent(reader.GetString(0), Encoding.UTF8.GetString((byte[])reader.GetValue(1))));
        }

        return events;
    }
}

/// <summary>One row of the journal: the stable manifest name and the event's JSON.</summary>
public sealed record StoredEvent(string Manifest, string Payload);
