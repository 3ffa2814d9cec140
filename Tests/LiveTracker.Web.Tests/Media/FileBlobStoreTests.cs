using System.Security.Cryptography;
using LiveTracker.Web.Media;
using Xunit;

namespace LiveTracker.Web.Tests.Media;

/// <summary>The file store of a node on SQLite: where files go, and what a crash mid-write leaves.</summary>
public sealed class FileBlobStoreTests : BlobStoreContract, IDisposable
{
    private readonly string _dataDirectory = Directory.CreateTempSubdirectory("livetracker-blobs-").FullName;
    private readonly FileBlobStore _store;

    public FileBlobStoreTests() => _store = FileBlobStore.ForDataDirectory(_dataDirectory);

    protected override BlobStore Store => _store;

    public void Dispose() => Directory.Delete(_dataDirectory, recursive: true);

    [Fact]
    public async Task A_blob_is_a_file_at_root_ab_cd_key()
    {
        var bytes = RandomNumberGenerator.GetBytes(100_000);
        var expectedKey = Convert.ToHexStringLower(SHA256.HashData(bytes));

        await _store.PutAsync(bytes);

        Assert.Equal(bytes, await File.ReadAllBytesAsync(Path.Combine(_dataDirectory, "blobs", expectedKey[..2], expectedKey[2..4], expectedKey)));
    }

    [Fact]
    public async Task Storing_the_same_bytes_twice_leaves_the_file_untouched()
    {
        var bytes = RandomNumberGenerator.GetBytes(5000);

        var first = await _store.PutAsync(bytes);
        var written = File.GetLastWriteTimeUtc(_store.PathOf(first.Key));
        var second = await _store.PutAsync(bytes);

        Assert.True(first.Created);
        Assert.False(second.Created);
        Assert.Equal(first.Key, second.Key);
        Assert.Equal(written, File.GetLastWriteTimeUtc(_store.PathOf(first.Key)));
        Assert.Single(Directory.GetFiles(_store.Root, "*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task Concurrent_puts_of_the_same_bytes_leave_one_file_and_no_temporary_files()
    {
        var bytes = RandomNumberGenerator.GetBytes(200_000);

        await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => Task.Run(() => _store.PutAsync(bytes))));

        var file = Assert.Single(Directory.GetFiles(_store.Root, "*", SearchOption.AllDirectories));
        Assert.Equal(bytes, await File.ReadAllBytesAsync(file));
    }

    [Fact]
    public async Task Many_puts_leave_no_temporary_files()
    {
        for (var i = 0; i < 50; i++)
        {
            await _store.PutAsync(RandomNumberGenerator.GetBytes(1000 + i));
        }

        var files = Directory.GetFiles(_store.Root, "*", SearchOption.AllDirectories);
        Assert.Equal(50, files.Length);
        Assert.All(files, f => Assert.True(BlobKey.IsValid(Path.GetFileName(f)), f));
    }

    [Fact]
    public async Task A_cancelled_put_leaves_no_file()
    {
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _store.PutAsync(RandomNumberGenerator.GetBytes(1000), cancelled.Token));

        Assert.Empty(Directory.Exists(_store.Root) ? Directory.GetFiles(_store.Root, "*", SearchOption.AllDirectories) : []);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("../../etc/passwd")]
    [InlineData("E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855")]
    [InlineData("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b85")]
    [InlineData("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b8555")]
    [InlineData("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b85g")]
    [InlineData("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b8/.")]
    [InlineData("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b85\u0665")]
    public void Keys_that_are_not_64_lowercase_hex_characters_do_not_parse(string? key)
    {
        Assert.False(BlobKey.IsValid(key));
        Assert.False(BlobKey.TryParse(key, out _));
    }

    [Fact]
    public void A_valid_key_parses()
    {
        Assert.True(BlobKey.TryParse("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", out var key));
        Assert.Equal(BlobKey.Of([]), key);
    }

    [Fact]
    public async Task Temporary_files_left_by_a_crash_are_swept_and_blobs_kept()
    {
        var put = await _store.PutAsync(RandomNumberGenerator.GetBytes(100));
        var directory = Path.GetDirectoryName(_store.PathOf(put.Key))!;
        var stale = Path.Combine(directory, $".{put.Key.Value}.0123.tmp");
        var fresh = Path.Combine(directory, $".{put.Key.Value}.4567.tmp");
        await File.WriteAllBytesAsync(stale, [1, 2]);
        await File.WriteAllBytesAsync(fresh, [3, 4]);
        File.SetLastWriteTimeUtc(stale, DateTime.UtcNow.AddHours(-2));

        var deleted = await _store.DeleteTemporaryFilesAsync(TimeSpan.FromHours(1));

        Assert.Equal(1, deleted);
        Assert.False(File.Exists(stale));
        Assert.True(File.Exists(fresh));
        Assert.True(await _store.ExistsAsync(put.Key));
    }
}
