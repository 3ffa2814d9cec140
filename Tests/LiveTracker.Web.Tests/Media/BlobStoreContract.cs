using System.Security.Cryptography;
using LiveTracker.Web.Media;
using Xunit;

namespace LiveTracker.Web.Tests.Media;

/// <summary>What every blob store does, whichever holds the bytes: each store's tests derive from this.</summary>
public abstract class BlobStoreContract
{
    protected abstract BlobStore Store { get; }

    [Fact]
    public async Task Bytes_round_trip_under_their_sha256()
    {
        var bytes = RandomNumberGenerator.GetBytes(100_000);

        var put = await Store.PutAsync(bytes);

        Assert.Equal(new BlobPut(put.Key, bytes.Length, Created: true), put);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(bytes)), put.Key.Value);
        Assert.True(await Store.ExistsAsync(put.Key));
        await using var stream = await Store.OpenReadAsync(put.Key);
        Assert.NotNull(stream);
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy);
        Assert.Equal(bytes, copy.ToArray());
    }

    [Fact]
    public async Task Storing_the_same_bytes_twice_stores_them_once()
    {
        var bytes = RandomNumberGenerator.GetBytes(5000);

        var first = await Store.PutAsync(bytes);
        var second = await Store.PutAsync(bytes);

        Assert.True(first.Created);
        Assert.False(second.Created);
        Assert.Equal(first.Key, second.Key);
    }

    [Fact]
    public async Task Of_concurrent_puts_of_the_same_bytes_exactly_one_creates_the_blob()
    {
        var bytes = RandomNumberGenerator.GetBytes(200_000);

        var puts = await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => Task.Run(() => Store.PutAsync(bytes))));

        Assert.Single(puts.Select(p => p.Key).Distinct());
        Assert.Single(puts, p => p.Created);
        await using var stream = await Store.OpenReadAsync(puts[0].Key);
        using var copy = new MemoryStream();
        await stream!.CopyToAsync(copy);
        Assert.Equal(bytes, copy.ToArray());
    }

    [Fact]
    public async Task A_cancelled_put_stores_nothing()
    {
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        var bytes = RandomNumberGenerator.GetBytes(1000);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Store.PutAsync(bytes, cancelled.Token));

        Assert.False(await Store.ExistsAsync(BlobKey.Of(bytes)));
    }

    [Fact]
    public async Task A_blob_never_stored_is_not_there()
    {
        var key = BlobKey.Of(RandomNumberGenerator.GetBytes(64));

        Assert.False(await Store.ExistsAsync(key));
        Assert.Null(await Store.OpenReadAsync(key));
        await Assert.ThrowsAsync<InvalidOperationException>(() => Store.ExistsAsync(default));
    }
}
