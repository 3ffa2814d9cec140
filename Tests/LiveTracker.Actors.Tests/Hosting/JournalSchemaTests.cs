using System.Data.Common;
using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Hosting;
using LiveTracker.Actors.Accounts;
using LiveTracker.Actors.Configuration;
using LiveTracker.Actors.Contracts;
using LiveTracker.Actors.Hosting;
using LiveTracker.Actors.Live;
using LiveTracker.Actors.Tests.Databases;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace LiveTracker.Actors.Tests.Hosting;

/// <summary>
/// The tables the node creates on start: the journal refuses a second event with an entity's sequence number (the
/// last line of defence when two incarnations of an entity write at once, e.g. on both sides of a network
/// partition), and an entity's events are found by its persistence id without reading the whole journal.
/// </summary>
public abstract class JournalSchemaTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 16, 9, 30, 0, TimeSpan.Zero);

    protected abstract Func<PersistenceSettings, PersistenceSettings> Database { get; }

    [Fact]
    public async Task The_journal_refuses_a_second_event_with_the_same_sequence_number_of_an_entity()
    {
        await using var node = AkkaTestNode.Start(new FakeTimeProvider(Start), persistence: Database);
        var tokens = await node.Registry.GetAsync<TokenRegion>();
        var issued = await tokens.Ask<object>(
            new ShardingEnvelope("tok-schema", new IssueToken("usr_1", "cleo@example.com", "Cleo", UserRole.Client, "login", Start.AddDays(1))),
            AkkaTestNode.AskTimeout);
        Assert.IsType<Accepted>(issued);

        await using var connection = AkkaJournal.Connection(node.Settings.Persistence);
        await connection.OpenAsync();
        var duplicate = Command(connection, $"""
            INSERT INTO {JournalPosition.JournalTable} (persistence_id, sequence_nr, is_deleted, {CreatedColumn(node.Settings.Persistence)}, manifest, payload, serializer_id)
            SELECT persistence_id, sequence_nr, is_deleted, {CreatedColumn(node.Settings.Persistence)}, manifest, payload, serializer_id
            FROM {JournalPosition.JournalTable} WHERE persistence_id = 'token-tok-schema'
            """);

        await Assert.ThrowsAnyAsync<DbException>(() => duplicate.ExecuteNonQueryAsync());
        var count = Command(connection, $"SELECT COUNT(*) FROM {JournalPosition.JournalTable} WHERE persistence_id = 'token-tok-schema'");
        Assert.Equal(1L, Convert.ToInt64(await count.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task An_entitys_events_are_read_through_an_index_on_its_persistence_id()
    {
        await using var node = AkkaTestNode.Start(new FakeTimeProvider(Start), persistence: Database);
        var tokens = await node.Registry.GetAsync<TokenRegion>();
        Assert.IsType<Accepted>(await tokens.Ask<object>(
            new ShardingEnvelope("tok-plan", new IssueToken("usr_2", "otto@example.com", "Otto", UserRole.Freelancer, "login", Start.AddDays(1))),
            AkkaTestNode.AskTimeout));

        await using var connection = AkkaJournal.Connection(node.Settings.Persistence);
        await connection.OpenAsync();
        var postgres = node.Settings.Persistence.Provider == PersistenceProvider.PostgreSql;
        var query = $"SELECT payload FROM {JournalPosition.JournalTable} WHERE persistence_id = 'token-tok-plan' AND sequence_nr >= 1 ORDER BY sequence_nr";
        if (postgres)
        {
            // A table of a handful of rows is read whole whatever its indexes; ask the planner what it could use.
            await Command(connection, "SET enable_seqscan = off").ExecuteNonQueryAsync();
        }

        var plan = new List<string>();
        await using (var reader = await Command(connection, (postgres ? "EXPLAIN " : "EXPLAIN QUERY PLAN ") + query).ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                plan.Add(reader.GetValue(reader.FieldCount - 1).ToString()!);
            }
        }

        var text = string.Join(" | ", plan);
        Assert.Contains("event_journal_uq", text, StringComparison.Ordinal);
    }

    private static string CreatedColumn(PersistenceSettings persistence) =>
        persistence.Provider == PersistenceProvider.PostgreSql ? "created_at" : "timestamp";

    private static DbCommand Command(DbConnection connection, string sql)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        return command;
    }
}

public sealed class SqliteJournalSchemaTests(SqliteDatabaseFixture database) : JournalSchemaTests, IClassFixture<SqliteDatabaseFixture>
{
    protected override Func<PersistenceSettings, PersistenceSettings> Database => AkkaTestNode.OnSqlite(database.DatabaseFile);
}

public sealed class PostgresJournalSchemaTests(PostgresDatabaseFixture database) : JournalSchemaTests, IClassFixture<PostgresDatabaseFixture>
{
    protected override Func<PersistenceSettings, PersistenceSettings> Database => AkkaTestNode.OnPostgres(database.ConnectionString);
}
