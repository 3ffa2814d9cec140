using System.ComponentModel;
using System.Runtime.InteropServices;

namespace LiveTracker.Web.Media.Native;

/// <summary>
/// fsync of a directory, which .NET has no API for (it refuses to open directories): without it a rename can be
/// lost in a power cut even though the renamed file's data was flushed.
/// </summary>
internal static partial class LibC
{
    private const int ReadOnlyCloseOnExec = 0x80000; // O_RDONLY | O_CLOEXEC (same value on x86-64 and arm64)

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);

    /// <summary>Makes the entries of <paramref name="directory"/> durable; a no-op off Linux.</summary>
    /// <exception cref="IOException">The directory could not be opened or synced.</exception>
    public static void SyncDirectory(string directory)
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
            Close(fd);
        }
    }
}
