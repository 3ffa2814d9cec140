using System.Text;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace LiveTracker.Actors.Persistence.Sqlite;

/// <summary>
/// A raw prepared SQLite statement on the writer connection's handle, for the journal's per-event hot path.
/// Per execution, <see cref="SqliteCommand.ExecuteNonQuery"/> creates a data reader and looks up and re-binds
/// every parameter by name; binding by index into one statement prepared once leaves only SQLite's own work.
/// Errors surface as the same <see cref="SqliteException"/>s as through <see cref="SqliteCommand"/>. Used by the
/// store's single writer only (under its write lock), never concurrently.
/// </summary>
internal sealed class SqliteRawStatement : IDisposable
{
    private readonly sqlite3 _db;
    private readonly sqlite3_stmt _statement;
    private byte[] _utf8 = new byte[512];

    public SqliteRawStatement(sqlite3 db, string sql)
    {
        _db = db;
        var rc = raw.sqlite3_prepare_v3(db, sql, raw.SQLITE_PREPARE_PERSISTENT, out _statement);
        SqliteException.ThrowExceptionForRC(rc, db);
    }

    /// <summary>The 1-based index of the named parameter (a name used twice in the SQL has one index).</summary>
    public int Index(string name)
    {
        var index = raw.sqlite3_bind_parameter_index(_statement, name);
        return index > 0 ? index : throw new InvalidOperationException($"The statement has no parameter {name}.");
    }

    public void BindText(int index, string value)
    {
        if (value.Length == 0)
        {
            // An empty span has no pointer and would bind NULL; the string overload binds ''.
            Check(raw.sqlite3_bind_text(_statement, index, string.Empty));
            return;
        }

        // UTF-8 into a reused buffer: no allocation per value; SQLite copies it (SQLITE_TRANSIENT).
        if (Encoding.UTF8.GetMaxByteCount(value.Length) > _utf8.Length)
        {
            var exact = Encoding.UTF8.GetByteCount(value);
            if (exact > _utf8.Length)
            {
                _utf8 = new byte[Math.Max(exact, _utf8.Length * 2)];
            }
        }

        var written = Encoding.UTF8.GetBytes(value, _utf8);
        Check(raw.sqlite3_bind_text(_statement, index, _utf8.AsSpan(0, written)));
    }

    public void BindInt64(int index, long value) => Check(raw.sqlite3_bind_int64(_statement, index, value));

    public void BindNull(int index) => Check(raw.sqlite3_bind_null(_statement, index));

    /// <summary>Runs a statement that returns no rows; true when it changed at least one row.</summary>
    public bool ExecuteNonQuery()
    {
        try
        {
            var rc = raw.sqlite3_step(_statement);
            if (rc != raw.SQLITE_DONE)
            {
                SqliteException.ThrowExceptionForRC(rc, _db);
                throw new InvalidOperationException($"Unexpected SQLite result {rc} from a statement without rows.");
            }

            return raw.sqlite3_changes(_db) > 0;
        }
        finally
        {
            raw.sqlite3_reset(_statement);
        }
    }

    /// <summary>Runs a query; the first column of its first row as an integer, or null without rows or when NULL.</summary>
    public long? ExecuteScalarInt64()
    {
        try
        {
            var rc = raw.sqlite3_step(_statement);
            if (rc == raw.SQLITE_DONE)
            {
                return null;
            }

            if (rc != raw.SQLITE_ROW)
            {
                SqliteException.ThrowExceptionForRC(rc, _db);
                throw new InvalidOperationException($"Unexpected SQLite result {rc} from a query.");
            }

            return raw.sqlite3_column_type(_statement, 0) == raw.SQLITE_NULL ? null : raw.sqlite3_column_int64(_statement, 0);
        }
        finally
        {
            raw.sqlite3_reset(_statement);
        }
    }

    public void Dispose() => _statement.Dispose();

    private void Check(int rc)
    {
        if (rc != raw.SQLITE_OK)
        {
            SqliteException.ThrowExceptionForRC(rc, _db);
        }
    }
}
