using System.Runtime.InteropServices;

namespace LiveTracker.Agent.Local;

/// <summary>
/// The agent runs all day and works for a few milliseconds once a segment, so memory it used for a capture should
/// go back to the system, not wait in a heap for the next one (ADR 0007, bench/run agent).
/// </summary>
internal static partial class ProcessMemory
{
    // glibc's mallopt parameters (malloc.h).
    private const int TrimThreshold = -1, MmapThreshold = -3, ArenaMax = -8;

    /// <summary>
    /// Tunes glibc's malloc for a long-running process with bursts of large native buffers (the JPEG encoder's, the
    /// X image's): blocks of 128 KiB and more are mapped and unmapped on their own instead of staying in a heap
    /// (glibc otherwise raises that threshold to the largest block freed so far), free memory at a heap's top is
    /// returned from 128 KiB, and threads share two heaps instead of up to 8 per core. Without it a capture's buffers
    /// stayed resident in the heap of whichever thread pool thread took it: ~10 MB after a few captures.
    /// Does nothing where the C library is not glibc.
    /// </summary>
    public static void TuneNativeHeap()
    {
        try
        {
            _ = mallopt(ArenaMax, 2);
            _ = mallopt(MmapThreshold, 128 * 1024);
            _ = mallopt(TrimThreshold, 128 * 1024);
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
        {
        }
    }

    /// <summary>
    /// After a capture: a full compacting collection gives the scaled frame (~4 MB, in the large object heap, which
    /// only a full collection frees) and the small garbage of the last segment back to the system, and malloc_trim
    /// returns the free pages inside the native heaps. Once a segment this costs a few milliseconds.
    /// </summary>
    public static void Release()
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        try
        {
            _ = malloc_trim(0);
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
        {
        }
    }

    [LibraryImport("libc", EntryPoint = "mallopt")]
    private static partial int mallopt(int parameter, int value);

    [LibraryImport("libc", EntryPoint = "malloc_trim")]
    private static partial int malloc_trim(nuint pad);
}
