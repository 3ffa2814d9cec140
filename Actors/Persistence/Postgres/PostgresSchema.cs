namespace LiveTracker.Actors.Persistence.Postgres;

/// <summary>Schema of the PostgreSQL back-end, as ordered migrations recorded in <c>persistence_schema_version</c>.</summary>
internal static class PostgresSchema
{
    /// <summary>
    /// Advisory lock held (transaction-scoped) while migrating, so nodes starting together migrate one after
    /// the other and the later ones find the work done. The value spells "LTPSMIG1".
    /// </summary>
    public const long MigrationLockKey = 0x4C54_5053_4D49_4731;

    /// <summary>
    /// Advisory lock taken first in every journal write transaction, released by its commit. Identity values
    /// are handed out under it, so transactions commit in ordering order: a reader that has seen ordering N
    /// can never later find a newly committed event below N. The value spells "LTJORDR1".
    /// </summary>
    public const long OrderingLockKey = 0x4C54_4A4F_5244_5231;

    /// <summary>LISTEN/NOTIFY channel; the payload is the highest ordering of the committed batch.</summary>
    public const string NotificationChannel = "livetracker_journal";

    public const string VersionTableDdl = """
        CREATE TABLE IF NOT EXISTS persistence_schema_version (
            version     integer     PRIMARY KEY,
            description text        NOT NULL,
            applied_at  timestamptz NOT NULL
        )
        """;

    /// <summary>Append new migrations at the end; never edit one that has shipped.</summary>
    public static IReadOnlyList<(int Version, string Description, string Sql)> Migrations { get; } =
    [
        (1, "journal, snapshots, deletion marks", """
            CREATE TABLE journal (
                ordering       bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                persistence_id text        NOT NULL,
                sequence_nr    bigint      NOT NULL,
                event_type     text        NOT NULL,
                payload        jsonb       NOT NULL,
                writer         text        NOT NULL, -- node id + lease epoch of the writing node
                created_at     timestamptz NOT NULL,
                CONSTRAINT journal_persistence_id_sequence_nr_key UNIQUE (persistence_id, sequence_nr)
            );

            -- Highest sequence number removed by DeleteEventsTo: keeps the entity's highest sequence number
            -- after its events are gone, and refuses re-use of deleted sequence numbers by a stale writer.
            CREATE TABLE journal_deletions (
                persistence_id text   PRIMARY KEY,
                deleted_to     bigint NOT NULL
            );

            CREATE TABLE snapshots (
                persistence_id text        NOT NULL,
                sequence_nr    bigint      NOT NULL,
                manifest       text        NOT NULL,
                payload        jsonb       NOT NULL,
                created_at     timestamptz NOT NULL,
                PRIMARY KEY (persistence_id, sequence_nr)
            );
            """),
        (2, "reminders", """
            -- Durable reminders, changed in the same transaction as their entity's events. The delivery service
            -- reads them by due_at; version grows with every effective change, so a completion can tell whether
            -- the entity moved the reminder while it was being delivered. The key columns sort bytewise ("C"),
            -- so due reminders come in the same order as on SQLite whatever the database's collation.
            CREATE TABLE reminders (
                entity_type text COLLATE "C" NOT NULL,
                entity_id   text COLLATE "C" NOT NULL,
                name        text COLLATE "C" NOT NULL,
                due_at      timestamptz      NOT NULL,
                recurrence  bigint CHECK (recurrence > 0), -- microseconds; NULL for a one-off reminder
                version     bigint           NOT NULL,
                PRIMARY KEY (entity_type, entity_id, name)
            );

            CREATE INDEX reminders_due_at ON reminders (due_at);
            """),
    ];
}
