using System.ComponentModel;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace LiveTracker.Web.Media;

/// <summary>
/// Blobs as files, for a node on SQLite: a blob lives at <c>root/ab/cd/&lt;key&gt;</c>. Writes go to a temporary file in the final directory, are flushed to disk, then renamed into place:
/// a crash leaves at most a temporary file (see <see cref="DeleteTemporaryFilesAsync"/>), never a partial blob
/// under its key.
/// </summary>
public sealed partial class FileBlobStore : BlobStore
{
    private const string TemporarySuffix = ".tmp";
    private readonly ILogger _logger;
    private readonly SemaphoreSlim[] _writing = [.. Enumerable.Range(0, 64).Select(_ => new SemaphoreSlim(1, 1))];

    public FileBlobStore(string root, ILogger<FileBlobStore>? logger = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(root);
        Root = Path.GetFullPath(root);
        _logger = logger ?? (ILogger)NullLogger.Instance;
    }

    /// <summary>The store of a node: <c>blobs</c> under its data directory.</summary>
    public static FileBlobStore ForDataDirectory(string dataDirectory, ILogger<FileBlobStore>? logger = null) =>
        new(Path.Combine(dataDirectory, "blobs"), logger);

    public string Root { get; }

    public override async Task<BlobPut> PutAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var key = BlobKey.Of(bytes.Span);
        var path = PathOf(key);
        if (File.Exists(path))
        {
            return new BlobPut(key, bytes.Length, Created: false);
        }

        // One writer per key in this process: .NET's no-overwrite move checks, then renames, so two writers of the
        // same bytes could both "create" the blob. (Across processes the outcome is the same file either way.)
        var stripe = _writing[(int)((uint)key.Value.GetHashCode(StringComparison.Ordinal) % (uint)_writing.Length)];
        await stripe.WaitAsync(cancellationToken);
        try
        {
            return File.Exists(path) ? new BlobPut(key, bytes.Length, Created: false) : await WriteAsync(bytes, key, path, cancellationToken);
        }
        finally
        {
            stripe.Release();
        }
    }

    private async Task<BlobPut> WriteAsync(ReadOnlyMemory<byte> bytes, BlobKey key, string path, CancellationToken cancellationToken)
    {

        var directory = Path.GetDirectoryName(path)!;
        var newDirectories = CreateDirectories(directory);
        // A leading dot and a suffix no key has: never mistaken for a blob, and unique per writer.
        var temporary = Path.Combine(directory, $".{key.Value}.{Guid.NewGuid():N}{TemporarySuffix}");
        try
        {
            var options = new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                Share = FileShare.None,
                Options = FileOptions.Asynchronous,
                PreallocationSize = bytes.Length,
            };
            await using (var file = new FileStream(temporary, options))
            {
                await file.WriteAsync(bytes, cancellationToken);
                await file.FlushAsync(cancellationToken);
                // The rename below must not become durable before the data it points at.
                file.Flush(flushToDisk: true);
            }

            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                File.Move(temporary, path, overwrite: false);
            }
            catch (IOException) when (File.Exists(path))
            {
                // Another upload of the same bytes won the race; its file is identical by construction.
                return new BlobPut(key, bytes.Length, Created: false);
            }

            // The new name, and any directory made for it, must survive a power cut as the data does.
            SyncDirectory(directory);
            foreach (var created in newDirectories)
            {
                SyncDirectory(Path.GetDirectoryName(created)!);
            }

            LogStored(_logger, key.Value, bytes.Length);
            return new BlobPut(key, bytes.Length, Created: true);
        }
        finally
        {
            // Gone after a successful rename; left behind by a failure or cancellation otherwise.
            File.Delete(temporary);
        }
    }

    public override Task<bool> ExistsAsync(BlobKey key, CancellationToken cancellationToken = default) => Task.FromResult(File.Exists(PathOf(key)));

    public override Task<Stream?> OpenReadAsync(BlobKey key, CancellationToken cancellationToken = default)
    {
        try
        {
            return Task.FromResult<Stream?>(new FileStream(PathOf(key), FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 64 * 1024,
                FileOptions.Asynchronous | FileOptions.SequentialScan));
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return Task.FromResult<Stream?>(null);
        }
    }

    /// <summary>
    /// Deletes temporary files older than <paramref name="olderThan"/>, which only a crash mid-write leaves behind;
    /// meant for node start-up. Returns how many were deleted.
    /// </summary>
    public Task<int> DeleteTemporaryFilesAsync(TimeSpan olderThan, CancellationToken cancellationToken = default)
    {
        if (!Directory.Exists(Root))
        {
            return Task.FromResult(0);
        }

        return Task.Run(() =>
        {
            var cutoff = DateTime.UtcNow - olderThan;
            var deleted = 0;
            foreach (var file in Directory.EnumerateFiles(Root, "*" + TemporarySuffix, SearchOption.AllDirectories))
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (File.GetLastWriteTimeUtc(file) < cutoff)
                {
                    File.Delete(file);
                    deleted++;
                }
            }

            if (deleted > 0)
            {
                LogTemporaryFilesDeleted(_logger, deleted, Root);
            }

            return deleted;
        }, cancellationToken);
    }

    /// <summary>Creates <c>root/ab/cd</c> as needed and returns the directories it created, deepest first.</summary>
    private List<string> CreateDirectories(string directory)
    {
        var missing = new List<string>();
        for (var d = directory; !Directory.Exists(d) && d.Length >= Root.Length; d = Path.GetDirectoryName(d)!)
        {
            missing.Add(d);
        }

        Directory.CreateDirectory(directory);
        return missing;
    }

    /// <summary>Where <paramref name="key"/> lives: two levels of 256 directories keep any one directory small.</summary>
    internal string PathOf(BlobKey key)
    {
        var value = key.Value;
        return Path.Combine(Root, value[..2], value[2..4], value);
    }

    private const int ReadOnlyCloseOnExec = 0x80000; // O_RDONLY | O_CLOEXEC (same value on x86-64 and arm64)

    /// <summary>
    /// fsync of a directory, which .NET has no API for (it refuses to open directories): without it a rename can be
    /// lost in a power cut even though the renamed file's data was flushed. A no-op off Linux.
    /// </summary>
    private static void SyncDirectory(string directory)
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        var fd = Open(directory, ReadOnlyCloseOnExec);
        if (fd < 0)
        {
            throw new IOException($"cannot open {directory} to sync it", new Win32Exception(Marshal.GetLastPInvokeError()));
        }

        try
        {
            if (Fsync(fd) != 0)
            {
                throw new IOException($"cannot sync {directory}", new Win32Exception(Marshal.GetLastPInvokeError()));
            }
        }
        finally
        {
            _ = Close(fd);
        }
    }

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Stored blob {Key} ({Length} bytes)")]
    private static partial void LogStored(ILogger logger, string key, long length);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Deleted {Count} temporary files left by interrupted writes under {Root}")]
    private static partial void LogTemporaryFilesDeleted(ILogger logger, int count, string root);
}
