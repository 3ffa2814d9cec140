namespace LiveTracker.Web.Media;

/// <summary>An upload read into memory, or <see cref="TooLarge"/> when it went past the limit (then no bytes are kept).</summary>
public sealed record UploadBody(byte[]? Bytes, bool TooLarge)
{
    /// <summary>
    /// Reads <paramref name="source"/> (a multipart section's body) to its end, but never more than
    /// <paramref name="maxBytes"/> + 1 bytes: a client cannot make the node buffer more than the limit by lying
    /// about, or omitting, the Content-Length.
    /// </summary>
    public static async Task<UploadBody> ReadAsync(Stream source, long maxBytes, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxBytes);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxBytes, Array.MaxLength - 1L);

        var buffer = new byte[(int)Math.Min(maxBytes + 1, 64 * 1024)];
        var length = 0;
        while (true)
        {
            if (length == buffer.Length)
            {
                if (length > maxBytes)
                {
                    return new UploadBody(null, TooLarge: true);
                }

                Array.Resize(ref buffer, (int)Math.Min(maxBytes + 1, (long)buffer.Length * 2));
            }

            var read = await source.ReadAsync(buffer.AsMemory(length), cancellationToken);
            if (read == 0)
            {
                break;
            }

            length += read;
        }

        if (length > maxBytes)
        {
            return new UploadBody(null, TooLarge: true);
        }

        Array.Resize(ref buffer, length);
        return new UploadBody(buffer, TooLarge: false);
    }
}
