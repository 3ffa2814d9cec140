using LiveTracker.Web.Media;
using Xunit;

namespace LiveTracker.Web.Tests.Media;

public sealed class UploadBodyTests
{
    [Theory]
    [InlineData(0, false)]
    [InlineData(1000, false)]
    [InlineData(300_000, false)]
    [InlineData(300_001, true)]
    [InlineData(5_000_000, true)]
    public async Task A_body_is_read_up_to_the_limit_and_no_further(int length, bool tooLarge)
    {
        var bytes = new byte[length];
        new Random(length).NextBytes(bytes);
        await using var source = new TrickleStream(bytes);

        var body = await UploadBody.ReadAsync(source, maxBytes: 300_000);

        Assert.Equal(tooLarge, body.TooLarge);
        if (tooLarge)
        {
            Assert.Null(body.Bytes);
            Assert.True(source.Delivered <= 300_001 + TrickleStream.Chunk, $"read {source.Delivered} bytes of an oversized body");
        }
        else
        {
            Assert.Equal(bytes, body.Bytes);
        }
    }

    /// <summary>A body without a length that arrives in small pieces, as a chunked upload does.</summary>
    private sealed class TrickleStream(byte[] bytes) : Stream
    {
        public const int Chunk = 7001;

        public long Delivered { get; private set; }

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            var n = (int)Math.Min(Math.Min(count, Chunk), bytes.Length - Delivered);
            bytes.AsSpan((int)Delivered, n).CopyTo(buffer.AsSpan(offset));
            Delivered += n;
            return n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
