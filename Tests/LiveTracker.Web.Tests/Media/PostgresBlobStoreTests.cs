using System.Security.Cryptography;
using LiveTracker.Web.Media;
using Xunit;

namespace LiveTracker.Web.Tests.Media;

/// <summary>The store of a node on PostgreSQL, on the server <c>./test</c> starts (<c>LIVETRACKER_TEST_PG</c>).</summary>
public sealed class PostgresBlobStoreTests : BlobStoreContract, IAsyncLifetime
{
    private static readonly string ConnectionString = Environment.GetEnvironmentVariable("LIVETRACKER_TEST_PG")
        ?? throw new InvalidOperationException("LIVETRACKER_TEST_PG is not set; ./test starts PostgreSQL and sets it.");

    private readonly PostgresBlobStore _store = new(ConnectionString);

    protected override BlobStore Store => _store;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _store.DisposeAsync();

    [Fact]
    public async Task A_blob_stored_through_one_node_is_read_by_another()
    {
        var bytes = RandomNumberGenerator.GetBytes(300_000);
        await using var otherNode = new PostgresBlobStore(ConnectionString);

        var put = await _store.PutAsync(bytes);
        await using var stream = await otherNode.OpenReadAsync(put.Key);

        Assert.NotNull(stream);
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy);
        Assert.Equal(bytes, copy.ToArray());
        Assert.False((await otherNode.PutAsync(bytes)).Created);
    }
}
