namespace LiveTracker.Actors.Persistence.Sqlite;

/// <summary>Schema of the SQLite back-end, as ordered migrations recorded in <c>persistence_schema_version</c>.</summary>
internal static class SqliteSchema
{
    public const string VersionTableDdl = """
        CREATE TABLE IF NOT EXISTS persistence_schema_version (
            version     INTEGER PRIMARY KEY,
            description TEXT    NOT NULL,
            applied_at  INTEGER NOT NULL -- microseconds since the Unix epoch, UTC
        );
        """;

    /// <summary>Append new migrations at the end; never edit one that has shipped.</summary>
    public static IReadOnlyList<(int Version, string Description, string Sql)> Migrations { get; } =
    [
        (1, "journal, snapshots, deletion marks", """
            -- AUTOINCREMENT (not just INTEGER PRIMARY KEY): an ordering is never reused, even after the
            -- newest rows were deleted, so a reader's stored offset can never be overtaken by old numbers.
            CREATE TABLE journal (
                ordering       INTEGER PRIMARY KEY AUTOINCREMENT,
                persistence_id TEXT    NOT NULL,
                sequence_nr    INTEGER NOT NULL,
                event_type     TEXT    NOT NULL,
                payload        TEXT    NOT NULL, -- JSON
                writer         TEXT    NOT NULL, -- node id + lease epoch of the writing node
                created_at     INTEGER NOT NULL, -- microseconds since the Unix epoch, UTC
                UNIQUE (persistence_id, sequence_nr)
            );

            -- Highest sequence number removed by DeleteEventsTo: keeps the entity's highest sequence number
            -- after its events are gone, and refuses re-use of deleted sequence numbers by a stale writer.
            CREATE TABLE journal_deletions (
                persistence_id TEXT    NOT NULL PRIMARY KEY,
                deleted_to     INTEGER NOT NULL
            ) WITHOUT ROWID;

            CREATE TABLE snapshots (
                persistence_id TEXT    NOT NULL,
                sequence_nr    INTEGER NOT NULL,
                manifest       TEXT    NOT NULL,
                payload        TEXT    NOT NULL, -- JSON
                created_at     INTEGER NOT NULL, -- microseconds since the Unix epoch, UTC
                PRIMARY KEY (persistence_id, sequence_nr)
            );
            """),
        (2, "reminders", """
            -- Durable reminders, changed in the same transaction as their entity's events. The delivery service
            -- reads them by due_at; version grows with every effective change, so a completion can tell whether
            -- the entity moved the reminder while it was being delivered.
            CREATE TABLE reminders (
                entity_type TEXT    NOT NULL,
                entity_id   TEXT    NOT NULL,
                name        TEXT    NOT NULL,
                due_at      INTEGER NOT NULL, -- microseconds since the Unix epoch, UTC
                recurrence  INTEGER CHECK (recurrence > 0), -- microseconds; NULL for a one-off reminder
                version     INTEGER NOT NULL,
                PRIMARY KEY (entity_type, entity_id, name)
            ) WITHOUT ROWID;

            CREATE INDEX reminders_due_at ON reminders (due_at);
            """),
    ];
}
