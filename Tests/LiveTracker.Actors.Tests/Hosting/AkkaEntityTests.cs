using Akka.Cluster.Sharding;
using Akka.Hosting;
using LiveTracker.Actors.Accounts;
using LiveTracker.Actors.Configuration;
using LiveTracker.Actors.Contracts;
using LiveTracker.Actors.Hosting;
using LiveTracker.Actors.Serialization;
using LiveTracker.Actors.Operations;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Time.Testing;
using Xunit;
using Xunit.Abstractions;

namespace LiveTracker.Actors.Tests.Hosting;

/// <summary>
/// Entities on Akka.NET as the node runs them (Akka.Hosting, a one-member cluster, sharding, Akka.Persistence.Sql on
/// SQLite), with every message serialized as if it crossed the network.
/// </summary>
public sealed class AkkaEntityTests : Akka.TestKit.Xunit2.TestKit
{
    private static readonly DateTimeOffset Start = new(2026, 11, 16, 9, 30, 0, TimeSpan.Zero);
    private readonly AkkaTestNode _node;

    public AkkaEntityTests(ITestOutputHelper output)
        : this(AkkaTestNode.Start(new FakeTimeProvider(Start)), output)
    {
    }

    private AkkaEntityTests(AkkaTestNode node, ITestOutputHelper output)
        : base(node.System, output)
    {
        _node = node;
    }

    private FakeTimeProvider Time => (FakeTimeProvider)_node.Time;

    private LiveTrackerSettings Settings => _node.Settings;

    private ActorRegistry ActorRegistry => _node.Registry;

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
        {
            _node.Dispose();
        }
    }

    [Fact]
    public async Task An_issued_token_stands_for_its_user_until_revoked_and_a_second_issue_for_someone_else_is_refused()
    {
        var tokens = await ActorRegistry.GetAsync<TokenRegion>();
        var issue = new IssueToken("usr_1", "cleo@example.com", "Cleo", UserRole.Client, "login", Start.AddDays(30));

        tokens.Tell(new ShardingEnvelope("tok-1", issue), TestActor);
        await ExpectMsgAsync<Accepted>();
        tokens.Tell(new ShardingEnvelope("tok-1", issue with { UserId = "usr_2" }), TestActor);
        Assert.Equal("token-exists", (await ExpectMsgAsync<Rejected>()).Code);
        tokens.Tell(new ShardingEnvelope("tok-1", new GetToken()), TestActor);
        var active = await ExpectMsgAsync<TokenView>();
        tokens.Tell(new ShardingEnvelope("tok-1", new RevokeToken()), TestActor);
        await ExpectMsgAsync<Accepted>();
        tokens.Tell(new ShardingEnvelope("tok-1", new GetToken()), TestActor);
        var revoked = await ExpectMsgAsync<TokenView>();
        tokens.Tell(new ShardingEnvelope("tok-unknown", new GetToken()), TestActor);

        Assert.True(active.ActiveAt(Start));
        Assert.False(active.ActiveAt(Start.AddDays(30)));
        Assert.False(revoked.ActiveAt(Start));
        Assert.Equal("not-found", (await ExpectMsgAsync<Rejected>()).Code);
    }

    [Fact]
    public async Task Support_reports_come_back_newest_first_and_a_retried_report_is_kept_once()
    {
        var desk = await ActorRegistry.GetAsync<SupportDeskRegion>();
        foreach (var n in new[] { 1, 2, 2, 3 })
        {
            desk.Tell(new ShardingEnvelope(SupportDesk.EntityId, new FileSupportReport($"rep_{n}", "usr_1", "cleo@example.com", "problem", $"Problem {n}", null)), TestActor);
            await ExpectMsgAsync<Accepted>();
            Time.Advance(TimeSpan.FromMinutes(1));
        }

        desk.Tell(new ShardingEnvelope(SupportDesk.EntityId, new GetSupportReports()), TestActor);
        var reports = (await ExpectMsgAsync<SupportReports>()).Reports;

        Assert.Equal(["rep_3", "rep_2", "rep_1"], reports.Select(r => r.ReportId));
        Assert.Equal(Start.AddMinutes(3), reports[0].At);
    }

    [Fact]
    public async Task The_journal_holds_stable_manifest_names_and_json_never_a_clr_type_name()
    {
        var tokens = await ActorRegistry.GetAsync<TokenRegion>();
        tokens.Tell(new ShardingEnvelope("tok-stored", new IssueToken("usr_9", "otto@example.com", "Otto", UserRole.Freelancer, "login", Start.AddDays(1))), TestActor);
        await ExpectMsgAsync<Accepted>();

        await using var connection = new SqliteConnection($"Data Source={Settings.Persistence.SqliteFile};Mode=ReadOnly");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT manifest, serializer_id, payload FROM event_journal WHERE persistence_id = 'token-tok-stored'";
        await using var row = await command.ExecuteReaderAsync();
        Assert.True(await row.ReadAsync(), "the event is in the journal");
        var payload = System.Text.Encoding.UTF8.GetString((byte[])row["payload"]);

        Assert.Equal("token.issued.v1", row.GetString(0));
        Assert.Equal(LiveTrackerSerializer.Id, row.GetInt32(1));
        Assert.StartsWith("{\"userId\":\"usr_9\"", payload, StringComparison.Ordinal);
        Assert.DoesNotContain("LiveTracker.", payload, StringComparison.Ordinal);
    }
}
