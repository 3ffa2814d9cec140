using LiveTracker.Actors.Configuration;
using Microsoft.Extensions.Logging;

namespace LiveTracker.Web.Media;

public static class MediaServices
{
    /// <summary>
    /// Registers the screenshot media services as singletons (all three are stateless or file-backed and
    /// thread-safe): <see cref="ImageInspector"/>, <see cref="Thumbnailer"/> and the node's <see cref="BlobStore"/>, beside
    /// the journal: files under <c>data-directory/blobs</c> on SQLite, the <c>livetracker_blobs</c> table on PostgreSQL. Resolving them fails fast when libSkiaSharp (or the fontconfig/freetype it links) cannot be loaded.
    /// </summary>
    public static IServiceCollection AddScreenshotMedia(this IServiceCollection services, LiveTrackerSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        services.AddSingleton(_ => new ImageInspector());
        services.AddSingleton(provider => new Thumbnailer(provider.GetRequiredService<ImageInspector>()));
        services.AddSingleton<BlobStore>(provider => settings.Persistence.Provider == PersistenceProvider.PostgreSql
            ? new PostgresBlobStore(settings.Persistence.ConnectionString, provider.GetService<ILogger<PostgresBlobStore>>())
            : FileBlobStore.ForDataDirectory(settings.DataDirectory, provider.GetService<ILogger<FileBlobStore>>()));
        return services;
    }
}
