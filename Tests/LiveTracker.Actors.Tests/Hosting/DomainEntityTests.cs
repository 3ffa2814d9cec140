using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Akka.Actor;
using Akka.Persistence;
using LiveTracker.Actors.Hosting;
using LiveTracker.Actors.Live;
using LiveTracker.Actors.Operations;
using LiveTracker.Actors.Serialization;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Time.Testing;
using Xunit;
using Xunit.Abstractions;

namespace LiveTracker.Actors.Tests.Hosting;

/// <summary>
/// What every entity of the weekly cycle inherits from <see cref="DomainEntity"/>, on the node's real journal: a
/// command that fails half-way leaves nothing behind, and events an older version wrote are read in today's shape.
/// </summary>
public sealed class DomainEntityTests : Akka.TestKit.Xunit2.TestKit
{
    private static readonly DateTimeOffset Start = new(2026, 11, 16, 9, 30, 0, TimeSpan.Zero);
    private readonly AkkaTestNode _node;

    static DomainEntityTests() => LiveTrackerSerializer.Events.AddUpcaster(new ReportFiledV0ToV1());

    public DomainEntityTests(ITestOutputHelper output)
        : this(AkkaTestNode.Start(new FakeTimeProvider(Start)), output)
    {
    }

    private DomainEntityTests(AkkaTestNode node, ITestOutputHelper output)
        : base(node.System, output)
    {
        _node = node;
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
        {
            _node.Dispose();
        }
    }

    [Fact]
    public async Task A_command_that_throws_after_queueing_an_event_writes_nothing_and_the_next_command_sees_the_state_before_it()
    {
        var id = "notebook-" + Guid.NewGuid().ToString("N");
        var notebook = Sys.ActorOf(Props.Create(() => new Notebook(id, _node.Time)));
        notebook.Tell("first", TestActor);
        Assert.Equal(1, await ExpectMsgAsync<int>());

        notebook.Tell("second, then fail", TestActor); // answered by nobody: the entity restarts from its journal
        notebook.Tell("third", TestActor);

        Assert.Equal(2, await ExpectMsgAsync<int>());
        var stored = await AkkaJournal.StoredEventsAsync(_node.Settings.Persistence, id);
        Assert.Equal(["first", "third"], stored.Select(e => JsonNode.Parse(e.Payload)!["description"]!.GetValue<string>()));
        // A fresh incarnation recovers exactly what was written.
        notebook.Tell(PoisonPill.Instance);
        var recovered = Sys.ActorOf(Props.Create(() => new Notebook(id, _node.Time)));
        recovered.Tell(Notebook.Count, TestActor);
        Assert.Equal(2, await ExpectMsgAsync<int>());
    }

    [Fact]
    public async Task Events_an_older_version_wrote_are_upcast_while_the_entity_recovers()
    {
        var id = "notebook-" + Guid.NewGuid().ToString("N");
        // The journal creates its tables on first use.
        Sys.ActorOf(Props.Create(() => new Notebook(id + "-other", _node.Time))).Tell("create the tables", TestActor);
        await ExpectMsgAsync<int>();
        // Version 0 of the event called the description "text" and had no log excerpt.
        await WriteRawAsync(id, 1, ReportFiledV0ToV1.OldManifest, """{"reportId":"rep_old","userId":"usr_1","email":"cleo@example.com","kind":"problem","text":"Written by v0","at":"2026-11-01T08:00:00+00:00"}""");
        await WriteRawAsync(id, 2, "support.report-filed.v1", """{"reportId":"rep_new","userId":"usr_1","email":"cleo@example.com","kind":"problem","description":"Written by v1","logExcerpt":null,"at":"2026-11-02T08:00:00+00:00"}""");

        var notebook = Sys.ActorOf(Props.Create(() => new Notebook(id, _node.Time)));
        notebook.Tell(Notebook.List, TestActor);

        Assert.Equal(["Written by v0", "Written by v1"], await ExpectMsgAsync<string[]>());
        notebook.Tell("after the upgrade", TestActor);
        Assert.Equal(3, await ExpectMsgAsync<int>());
    }

    private async Task WriteRawAsync(string persistenceId, long sequenceNr, string manifest, string json)
    {
        await using var connection = new SqliteConnection(LiveTrackerAkka.ConnectionString(_node.Settings.Persistence));
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = $"INSERT INTO {JournalPosition.JournalTable} (persistence_id, sequence_nr, is_deleted, timestamp, manifest, payload, serializer_id) " +
            "VALUES (@id, @seq, false, @at, @manifest, @payload, @serializer)";
        command.Parameters.AddWithValue("@id", persistenceId);
        command.Parameters.AddWithValue("@seq", sequenceNr);
        command.Parameters.AddWithValue("@at", Start.UtcTicks);
        command.Parameters.AddWithValue("@manifest", manifest);
        command.Parameters.AddWithValue("@payload", Encoding.UTF8.GetBytes(json));
        command.Parameters.AddWithValue("@serializer", LiveTrackerSerializer.Id);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>Support reports' first shape: "text" became "description", and a log excerpt was added.</summary>
    private sealed class ReportFiledV0ToV1 : IEventUpcaster
    {
        public const string OldManifest = "support.report-filed.v0";

        public string FromManifest => OldManifest;

        public string ToManifest => "support.report-filed.v1";

        public JsonObject Upcast(JsonObject payload)
        {
            var text = payload["text"]?.DeepClone();
            payload.Remove("text");
            payload["description"] = text;
            payload["logExcerpt"] = null;
            return payload;
        }
    }

    /// <summary>
    /// A minimal entity on <see cref="DomainEntity"/>: each text command is one report-filed event (a product event, so
    /// it goes through the product's serializer); a text ending in "then fail" throws after queueing its event.
    /// </summary>
    private sealed class Notebook(string persistenceId, TimeProvider time) : DomainEntity(persistenceId, "notebooks", persistenceId, time, snapshotEvery: 1_000)
    {
        public const string Count = "?count";
        public const string List = "?list";
        private readonly List<string> _notes = [];

        protected override void Handle(object command)
        {
            switch (command)
            {
                case Count:
                    Sender.Tell(_notes.Count);
                    break;
                case List:
                    Sender.Tell(_notes.ToArray());
                    break;
                case string text:
                    Persist(
                        new SupportReportFiled($"rep_{_notes.Count + 1}", "usr_1", "cleo@example.com", "problem", text, null, Now),
                        _ => Sender.Tell(_notes.Count));
                    if (text.EndsWith("then fail", StringComparison.Ordinal))
                    {
                        throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture, $"failed after queueing note {_notes.Count + 1}"));
                    }

                    break;
            }
        }

        protected override void ApplyEvent(object @event)
        {
            if (@event is SupportReportFiled filed)
            {
                _notes.Add(filed.Description);
            }
        }

        protected override object CreateSnapshot() =>
            new SupportDeskSnapshot([.. _notes.Select(n => new SupportReport("rep", "usr_1", "cleo@example.com", "problem", n, null, Start))]);

        protected override void ApplySnapshot(object snapshot)
        {
            _notes.Clear();
            _notes.AddRange(((SupportDeskSnapshot)snapshot).Reports.Select(r => r.Description));
        }
    }
}
