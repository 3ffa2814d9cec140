namespace LiveTracker.Web.Media;

/// <summary>The outcome of <see cref="BlobStore.PutAsync"/>: the key, and whether these bytes were new.</summary>
public sealed record BlobPut(BlobKey Key, long Length, bool Created);

/// <summary>
/// Where screenshots and thumbnails live: content-addressed (the key is the SHA-256 of the bytes), so the same upload
/// stored twice (an agent retrying) is one blob, and a blob never changes once stored. A blob is stored before the
/// event that names it is persisted, so an event never points at nothing. It lives beside the journal (ADR 0014): in
/// files under the data directory when the journal is SQLite (one node), in the database when it is PostgreSQL, so
/// every node of a cluster serves every screenshot. Safe for concurrent use.
/// </summary>
public abstract class BlobStore
{
    /// <summary>Stores <paramref name="bytes"/> under their key; storing bytes that are already there writes nothing.</summary>
    public abstract Task<BlobPut> PutAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken = default);

    /// <summary>Whether a blob is stored under <paramref name="key"/>.</summary>
    public abstract Task<bool> ExistsAsync(BlobKey key, CancellationToken cancellationToken = default);

    /// <summary>
    /// Opens a blob for reading (suited to streaming into an HTTP response), or null when there is none under
    /// <paramref name="key"/>. The caller disposes the stream.
    /// </summary>
    public abstract Task<Stream?> OpenReadAsync(BlobKey key, CancellationToken cancellationToken = default);
}
