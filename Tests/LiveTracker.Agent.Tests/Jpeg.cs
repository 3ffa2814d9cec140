using System.Runtime.InteropServices;

namespace LiveTracker.Agent.Tests;

/// <summary>Reads a JPEG's dimensions with libturbojpeg, independently of the agent's encoder binding.</summary>
internal static unsafe partial class Jpeg
{
    private const string Library = "libturbojpeg.so.0";

    [LibraryImport(Library)] private static partial nint tjInitDecompress();
    [LibraryImport(Library)] private static partial int tjDestroy(nint handle);

    [LibraryImport(Library)]
    private static partial int tjDecompressHeader3(nint handle, byte* jpegBuf, CULong jpegSize,
        out int width, out int height, out int jpegSubsamp, out int jpegColorspace);

    internal static (int Width, int Height) Size(byte[] jpeg)
    {
        var handle = tjInitDecompress();
        try
        {
            fixed (byte* buffer = jpeg)
            {
                return tjDecompressHeader3(handle, buffer, new CULong((uint)jpeg.Length), out var w, out var h, out _, out _) == 0
                    ? (w, h)
                    : throw new InvalidDataException("not a JPEG");
            }
        }
        finally
        {
            _ = tjDestroy(handle);
        }
    }
}
