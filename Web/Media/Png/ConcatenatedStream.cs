namespace LiveTracker.Web.Media.Png;

/// <summary>The payloads of a PNG's IDAT chunks read as one zlib stream, without copying them together first.</summary>
internal sealed class ConcatenatedStream(IReadOnlyList<ReadOnlyMemory<byte>> segments) : Stream
{
    private int _segment;
    private int _offset;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        while (_segment < segments.Count)
        {
            var remaining = segments[_segment].Span[_offset..];
            if (remaining.IsEmpty)
            {
                _segment++;
                _offset = 0;
                continue;
            }

            var count = Math.Min(remaining.Length, buffer.Length);
            remaining[..count].CopyTo(buffer);
            _offset += count;
            return count;
        }

        return 0;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
