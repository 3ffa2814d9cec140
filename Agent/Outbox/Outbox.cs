using System.Text.Json;
using LiveTracker.Agent.Server;
using Microsoft.Data.Sqlite;

namespace LiveTracker.Agent.Outbox;

/// <summary>Where a capture is on its way to the server.</summary>
public enum CaptureState
{
    /// <summary>Stored here, not yet accepted by the server (still in its notice period, or waiting to be sent).</summary>
    Waiting,

    /// <summary>The server has it (<see cref="OutboxCapture.ScreenshotId"/>).</summary>
    Sent,

    /// <summary>The freelancer discarded it before upload (or deleted it after): that segment's time is dropped.</summary>
    Discarded,

    /// <summary>Discarded after (or while) it went up: the uploader deletes it on the server, then it is Discarded.</summary>
    Deleting,

    /// <summary>The server refused it for good (week locked, contract ended, …); kept to tell the freelancer.</summary>
    Failed,
}

public sealed record OutboxCapture(
    string Key, string ContractId, DateTimeOffset CapturedAt, DateTimeOffset SegmentStart, DateTimeOffset UploadAfter, CaptureMeta Meta,
    CaptureState State, int Attempts, DateTimeOffset NextAttempt, string? ScreenshotId, string? ProblemCode, string? Problem,
    int ImageBytes);

public sealed record OutboxMinute(string ContractId, DateTimeOffset Minute, int Keystrokes, int Clicks, int Scrolls, int Attempts);

public sealed record OutboxCounts(int CapturesWaiting, int MinutesWaiting);

/// <summary>
/// The agent's durable queue (SQLite in the data directory, WAL): every capture and activity minute is written here
/// before anything is sent, so a dead server, a restart or a kill -9 loses nothing. (synchronous=NORMAL: a committed
/// write survives the process dying at any point; only a power cut can take the last seconds back, and it spares a
/// laptop an fsync per minute.) Each
/// capture keeps its idempotency key for every resend, and an activity minute is sent as its total, which the
/// server stores in place of what it had: resending either is harmless. Also keeps the agent's small state
/// (what it was tracking, the contracts it last saw).
/// </summary>
public sealed class Outbox : IDisposable
{
    private readonly SqliteConnection connection;
    private readonly Lock gate = new();

    public Outbox(string path)
    {
        connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        connection.Open();
        Execute("""
            PRAGMA journal_mode = WAL;
            PRAGMA synchronous = NORMAL;
            PRAGMA busy_timeout = 5000;
            CREATE TABLE IF NOT EXISTS captures (
                key TEXT PRIMARY KEY, contract_id TEXT NOT NULL, captured_at INTEGER NOT NULL, segment_start INTEGER NOT NULL,
                upload_after INTEGER NOT NULL, meta TEXT NOT NULL, image BLOB, thumb BLOB, image_bytes INTEGER NOT NULL,
                state TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, next_attempt INTEGER NOT NULL DEFAULT 0,
                screenshot_id TEXT, problem_code TEXT, problem TEXT);
            CREATE INDEX IF NOT EXISTS captures_due ON captures (state, upload_after);
            CREATE TABLE IF NOT EXISTS activity (
                contract_id TEXT NOT NULL, minute INTEGER NOT NULL, keystrokes INTEGER NOT NULL, clicks INTEGER NOT NULL,
                scrolls INTEGER NOT NULL, state TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, next_attempt INTEGER NOT NULL DEFAULT 0,
                problem TEXT, PRIMARY KEY (contract_id, minute));
            CREATE INDEX IF NOT EXISTS activity_due ON activity (state, next_attempt);
            CREATE TABLE IF NOT EXISTS state (key TEXT PRIMARY KEY, value TEXT NOT NULL);
            """);
    }

    /// <summary>Stores a capture; it is uploaded once <paramref name="uploadAfter"/> has passed unless discarded first.</summary>
    public void AddCapture(string contractId, DateTimeOffset segmentStart, DateTimeOffset uploadAfter, CaptureMeta meta, byte[] image, byte[]? thumbnail)
    {
        ArgumentNullException.ThrowIfNull(meta);
        ArgumentNullException.ThrowIfNull(image);
        Execute(
            """
            INSERT INTO captures (key, contract_id, captured_at, segment_start, upload_after, meta, image, thumb, image_bytes, state)
            VALUES ($key, $contract, $at, $segment, $after, $meta, $image, $thumb, $bytes, 'Waiting')
            """,
            ("$key", meta.IdempotencyKey), ("$contract", contractId), ("$at", Ms(meta.CapturedAt)), ("$segment", Ms(segmentStart)),
            ("$after", Ms(uploadAfter)), ("$meta", JsonSerializer.Serialize(meta, AgentJson.Info<CaptureMeta>())), ("$image", image), ("$thumb", thumbnail),
            ("$bytes", image.Length));
    }

    /// <summary>Adds a minute's counts (a minute seen again after a restart adds up) and queues the total to be sent.</summary>
    public void AddMinute(string contractId, DateTimeOffset minute, int keystrokes, int clicks, int scrolls) =>
        Execute(
            """
            INSERT INTO activity (contract_id, minute, keystrokes, clicks, scrolls, state) VALUES ($c, $m, $k, $cl, $s, 'Waiting')
            ON CONFLICT (contract_id, minute) DO UPDATE SET keystrokes = keystrokes + $k, clicks = clicks + $cl, scrolls = scrolls + $s,
                state = 'Waiting', next_attempt = 0
            """,
            ("$c", contractId), ("$m", Ms(minute)), ("$k", keystrokes), ("$cl", clicks), ("$s", scrolls));

    /// <summary>The oldest capture due for upload at <paramref name="now"/>, with its bytes.</summary>
    public (OutboxCapture Capture, byte[] Image, byte[]? Thumbnail)? NextDueCapture(DateTimeOffset now)
    {
        lock (gate)
        {
            using var command = Command(
                $"SELECT {CaptureColumns}, image, thumb FROM captures WHERE state = 'Waiting' AND upload_after <= $now AND next_attempt <= $now ORDER BY captured_at LIMIT 1",
                ("$now", Ms(now)));
            using var reader = command.ExecuteReader();
            return reader.Read() ? (ReadCapture(reader), (byte[])reader["image"], reader["thumb"] as byte[]) : null;
        }
    }

    /// <summary>
    /// The due minutes of the oldest due minute's contract within its 15-minute UTC window. Every time zone's offset
    /// is a multiple of 15 minutes, so a batch never spans two work weeks, and the server's answer (accepted, or
    /// refused because that week is locked) is about all of it.
    /// </summary>
    public IReadOnlyList<OutboxMinute> NextDueMinutes(DateTimeOffset now)
    {
        lock (gate)
        {
            using var first = Command(
                "SELECT contract_id, minute FROM activity WHERE state = 'Waiting' AND next_attempt <= $now ORDER BY minute LIMIT 1", ("$now", Ms(now)));
            string contract;
            long window;
            using (var oldest = first.ExecuteReader())
            {
                if (!oldest.Read())
                {
                    return [];
                }

                (contract, window) = (oldest.GetString(0), oldest.GetInt64(1) - (oldest.GetInt64(1) % WindowMs));
            }

            using var command = Command(
                """
                SELECT contract_id, minute, keystrokes, clicks, scrolls, attempts FROM activity
                WHERE state = 'Waiting' AND contract_id = $c AND next_attempt <= $now AND minute >= $from AND minute < $to ORDER BY minute
                """,
                ("$c", contract), ("$now", Ms(now)), ("$from", window), ("$to", window + WindowMs));
            using var reader = command.ExecuteReader();
            var minutes = new List<OutboxMinute>();
            while (reader.Read())
            {
                minutes.Add(new OutboxMinute(reader.GetString(0), At(reader.GetInt64(1)), reader.GetInt32(2), reader.GetInt32(3), reader.GetInt32(4), reader.GetInt32(5)));
            }

            return minutes;
        }
    }

    /// <summary>The earliest moment anything waiting becomes due (null: nothing waits).</summary>
    public DateTimeOffset? NextDueAt()
    {
        lock (gate)
        {
            using var command = Command("""
                SELECT MIN(t) FROM (
                    SELECT MAX(upload_after, next_attempt) AS t FROM captures WHERE state = 'Waiting'
                    UNION ALL SELECT next_attempt FROM captures WHERE state = 'Deleting'
                    UNION ALL SELECT next_attempt FROM activity WHERE state = 'Waiting')
                """);
            return command.ExecuteScalar() is long ms ? At(ms) : null;
        }
    }

    /// <summary>
    /// Records the server's id. A capture discarded while its upload was on the way becomes <see cref="CaptureState.Deleting"/>
    /// (the uploader deletes it on the server next); returns the state it ends in.
    /// </summary>
    public CaptureState MarkCaptureSent(string key, string screenshotId)
    {
        lock (gate)
        {
            // The image is no longer needed once the server has it; the thumbnail stays for the recent-captures list.
            Execute(
                """
                UPDATE captures SET screenshot_id = $id, image = NULL, problem = NULL, problem_code = NULL,
                    state = CASE state WHEN 'Discarded' THEN 'Deleting' ELSE 'Sent' END, next_attempt = 0
                WHERE key = $key
                """,
                ("$key", key), ("$id", screenshotId));
            return Capture(key)?.State ?? CaptureState.Sent;
        }
    }

    /// <summary>The oldest capture to delete on the server (discarded after or during its upload).</summary>
    public OutboxCapture? NextDueDeletion(DateTimeOffset now)
    {
        lock (gate)
        {
            using var command = Command(
                $"SELECT {CaptureColumns} FROM captures WHERE state = 'Deleting' AND next_attempt <= $now ORDER BY captured_at LIMIT 1", ("$now", Ms(now)));
            using var reader = command.ExecuteReader();
            return reader.Read() ? ReadCapture(reader) : null;
        }
    }

    public void MarkCaptureFailed(string key, string? code, string problem) =>
        Execute("UPDATE captures SET state = 'Failed', image = NULL, problem_code = $code, problem = $p WHERE key = $key AND state = 'Waiting'",
            ("$key", key), ("$code", code), ("$p", problem));

    public void RetryCaptureLater(string key, DateTimeOffset at, string problem) =>
        Execute("UPDATE captures SET attempts = attempts + 1, next_attempt = $at, problem = $p WHERE key = $key",
            ("$key", key), ("$at", Ms(at)), ("$p", problem));

    /// <summary>Marks the minutes sent, unless counts were added to one while it was on its way (then it goes again).</summary>
    public void MarkMinutesSent(IReadOnlyList<OutboxMinute> minutes) => ForEachMinute(minutes,
        "UPDATE activity SET state = 'Sent', problem = NULL WHERE contract_id = $c AND minute = $m AND keystrokes = $k AND clicks = $cl AND scrolls = $s");

    public void MarkMinutesFailed(IReadOnlyList<OutboxMinute> minutes, string problem) => ForEachMinute(minutes,
        "UPDATE activity SET state = 'Failed', problem = $p WHERE contract_id = $c AND minute = $m AND keystrokes = $k AND clicks = $cl AND scrolls = $s",
        problem);

    public void RetryMinutesLater(IReadOnlyList<OutboxMinute> minutes, DateTimeOffset at, string problem) => ForEachMinute(minutes,
        "UPDATE activity SET attempts = attempts + 1, next_attempt = $at, problem = $p WHERE contract_id = $c AND minute = $m", problem, at);

    /// <summary>
    /// Discards a capture: one still waiting (even with its upload on the way) is Discarded, one the server has is
    /// queued for deletion there. Its image and thumbnail are dropped from this computer. Returns the capture as it
    /// was, or null when unknown.
    /// </summary>
    public OutboxCapture? Discard(string key)
    {
        lock (gate)
        {
            var capture = Capture(key);
            if (capture is { State: CaptureState.Waiting or CaptureState.Sent })
            {
                Execute(
                    "UPDATE captures SET state = CASE state WHEN 'Sent' THEN 'Deleting' ELSE 'Discarded' END, image = NULL, thumb = NULL, next_attempt = 0 WHERE key = $key",
                    ("$key", key));
            }

            return capture;
        }
    }

    /// <summary>Records that the server no longer has the capture.</summary>
    public void MarkDeleted(string key) => Execute("UPDATE captures SET state = 'Discarded', problem = NULL WHERE key = $key", ("$key", key));

    /// <summary>The server would not delete it (the week is locked): it stays billed, and the freelancer is told why.</summary>
    public void MarkDeleteRefused(string key, string problem) =>
        Execute("UPDATE captures SET state = 'Sent', problem = $p WHERE key = $key", ("$key", key), ("$p", "not deleted: " + problem));

    public OutboxCapture? Capture(string key)
    {
        lock (gate)
        {
            using var command = Command($"SELECT {CaptureColumns} FROM captures WHERE key = $key", ("$key", key));
            using var reader = command.ExecuteReader();
            return reader.Read() ? ReadCapture(reader) : null;
        }
    }

    public byte[]? Thumbnail(string key)
    {
        lock (gate)
        {
            using var command = Command("SELECT thumb FROM captures WHERE key = $key", ("$key", key));
            return command.ExecuteScalar() as byte[];
        }
    }

    /// <summary>The newest captures, newest first.</summary>
    public IReadOnlyList<OutboxCapture> RecentCaptures(int count)
    {
        lock (gate)
        {
            using var command = Command($"SELECT {CaptureColumns} FROM captures ORDER BY captured_at DESC LIMIT $n", ("$n", count));
            using var reader = command.ExecuteReader();
            var list = new List<OutboxCapture>();
            while (reader.Read())
            {
                list.Add(ReadCapture(reader));
            }

            return list;
        }
    }

    /// <summary>Captures the server refused for good, and refused activity, newest first: what the freelancer must be told.</summary>
    public IReadOnlyList<string> Problems(int count)
    {
        lock (gate)
        {
            using var command = Command(
                """
                SELECT problem FROM (
                    SELECT captured_at AS at, 'Capture ' || strftime('%Y-%m-%d %H:%M', captured_at / 1000, 'unixepoch') || ' UTC not uploaded: ' || problem AS problem
                    FROM captures WHERE state = 'Failed'
                    UNION ALL
                    SELECT minute, 'Activity ' || strftime('%Y-%m-%d %H:%M', minute / 1000, 'unixepoch') || ' UTC not uploaded: ' || problem FROM activity WHERE state = 'Failed')
                ORDER BY at DESC LIMIT $n
                """,
                ("$n", count));
            using var reader = command.ExecuteReader();
            var list = new List<string>();
            while (reader.Read())
            {
                list.Add(reader.GetString(0));
            }

            return list;
        }
    }

    public OutboxCounts Counts()
    {
        lock (gate)
        {
            using var command = Command(
                "SELECT (SELECT COUNT(*) FROM captures WHERE state IN ('Waiting', 'Deleting')), (SELECT COUNT(*) FROM activity WHERE state = 'Waiting')");
            using var reader = command.ExecuteReader();
            reader.Read();
            return new OutboxCounts(reader.GetInt32(0), reader.GetInt32(1));
        }
    }

    /// <summary>Segments of <paramref name="contractId"/> from <paramref name="from"/> on whose capture the server does not have yet.</summary>
    public int WaitingSegments(string contractId, DateTimeOffset from)
    {
        lock (gate)
        {
            using var command = Command(
                "SELECT COUNT(DISTINCT segment_start) FROM captures WHERE state = 'Waiting' AND contract_id = $c AND segment_start >= $from",
                ("$c", contractId), ("$from", Ms(from)));
            return Convert.ToInt32(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
        }
    }

    /// <summary>Whether a capture of that segment is already stored (a restarted agent does not capture it twice).</summary>
    public bool HasCapture(string contractId, DateTimeOffset segmentStart)
    {
        lock (gate)
        {
            using var command = Command("SELECT 1 FROM captures WHERE contract_id = $c AND segment_start = $s LIMIT 1",
                ("$c", contractId), ("$s", Ms(segmentStart)));
            return command.ExecuteScalar() is not null;
        }
    }

    /// <summary>Drops what was sent long ago: the database stays small over months.</summary>
    public void Prune(DateTimeOffset before)
    {
        Execute("DELETE FROM captures WHERE state IN ('Sent', 'Discarded', 'Failed') AND captured_at < $b", ("$b", Ms(before)));
        Execute("UPDATE captures SET thumb = NULL WHERE state = 'Discarded' AND thumb IS NOT NULL");
        Execute("DELETE FROM activity WHERE state IN ('Sent', 'Failed') AND minute < $b", ("$b", Ms(before)));
    }

    public T? Get<T>(string key)
    {
        lock (gate)
        {
            using var command = Command("SELECT value FROM state WHERE key = $k", ("$k", key));
            return command.ExecuteScalar() is string json ? JsonSerializer.Deserialize(json, AgentJson.Info<T>()) : default;
        }
    }

    public void Set<T>(string key, T? value)
    {
        if (value is null)
        {
            Execute("DELETE FROM state WHERE key = $k", ("$k", key));
        }
        else
        {
            Execute("INSERT INTO state (key, value) VALUES ($k, $v) ON CONFLICT (key) DO UPDATE SET value = $v",
                ("$k", key), ("$v", JsonSerializer.Serialize(value, AgentJson.Info<T>())));
        }
    }

    public void Dispose() => connection.Dispose();

    private const long WindowMs = 15 * 60 * 1000;

    private const string CaptureColumns =
        "key, contract_id, captured_at, segment_start, upload_after, meta, state, attempts, next_attempt, screenshot_id, problem_code, problem, image_bytes";

    private static OutboxCapture ReadCapture(SqliteDataReader r) => new(
        r.GetString(0), r.GetString(1), At(r.GetInt64(2)), At(r.GetInt64(3)), At(r.GetInt64(4)),
        JsonSerializer.Deserialize(r.GetString(5), AgentJson.Info<CaptureMeta>())!, Enum.Parse<CaptureState>(r.GetString(6)), r.GetInt32(7),
        At(r.GetInt64(8)), r.IsDBNull(9) ? null : r.GetString(9), r.IsDBNull(10) ? null : r.GetString(10), r.IsDBNull(11) ? null : r.GetString(11),
        r.GetInt32(12));

    private void ForEachMinute(IReadOnlyList<OutboxMinute> minutes, string sql, string? problem = null, DateTimeOffset? at = null)
    {
        lock (gate)
        {
            using var transaction = connection.BeginTransaction();
            foreach (var m in minutes)
            {
                using var command = Command(sql, ("$c", m.ContractId), ("$m", Ms(m.Minute)), ("$k", m.Keystrokes), ("$cl", m.Clicks),
                    ("$s", m.Scrolls), ("$p", problem), ("$at", at is { } a ? Ms(a) : 0));
                command.Transaction = transaction;
                command.ExecuteNonQuery();
            }

            transaction.Commit();
        }
    }

    private void Execute(string sql, params (string Name, object? Value)[] parameters)
    {
        lock (gate)
        {
            using var command = Command(sql, parameters);
            command.ExecuteNonQuery();
        }
    }

    private SqliteCommand Command(string sql, params (string Name, object? Value)[] parameters)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            if (sql.Contains(name, StringComparison.Ordinal))
            {
                command.Parameters.AddWithValue(name, value ?? DBNull.Value);
            }
        }

        return command;
    }

    private static long Ms(DateTimeOffset at) => at.ToUnixTimeMilliseconds();

    private static DateTimeOffset At(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms);
}
