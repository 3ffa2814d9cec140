using LiveTracker.Actors.Configuration;
using LiveTracker.Web.Media;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace LiveTracker.Web.Tests.Media;

public sealed class MediaServicesTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("livetracker-media-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task The_media_services_resolve_with_the_blob_store_under_the_data_directory()
    {
        var config = Path.Combine(_directory, "akka.hocon");
        await File.WriteAllTextAsync(config, """livetracker.data-directory = "node-data" """);
        var settings = LiveTrackerSettings.Load(config);
        await using var provider = new ServiceCollection().AddLogging().AddScreenshotMedia(settings).BuildServiceProvider();

        var store = Assert.IsType<FileBlobStore>(provider.GetRequiredService<BlobStore>());
        var thumbnailer = provider.GetRequiredService<Thumbnailer>();

        Assert.Equal(Path.Combine(_directory, "node-data", "blobs"), store.Root);
        Assert.Equal(320, thumbnailer.MaxSide);
        Assert.Same(provider.GetRequiredService<ImageInspector>(), provider.GetRequiredService<ImageInspector>());
        var put = await store.PutAsync("first blob"u8.ToArray());
        Assert.True(await store.ExistsAsync(put.Key));
    }

    [Fact]
    public async Task A_node_on_postgresql_keeps_its_blobs_in_the_database_so_every_node_serves_them()
    {
        var config = Path.Combine(_directory, "akka.hocon");
        await File.WriteAllTextAsync(config, """
            livetracker.persistence {
              provider = postgresql
              connection-string = ${?LIVETRACKER_TEST_PG}
            }
            """);
        var settings = LiveTrackerSettings.Load(config);
        await using var provider = new ServiceCollection().AddLogging().AddScreenshotMedia(settings).BuildServiceProvider();

        var store = Assert.IsType<PostgresBlobStore>(provider.GetRequiredService<BlobStore>());

        var put = await store.PutAsync(System.Security.Cryptography.RandomNumberGenerator.GetBytes(100));
        Assert.True(await store.ExistsAsync(put.Key));
        Assert.False(Directory.Exists(Path.Combine(_directory, "data", "blobs")));
    }
}
