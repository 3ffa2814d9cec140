using System.Runtime.InteropServices;

namespace LiveTracker.Web.Media.Native;

/// <summary>Fails fast, at start-up, with the package to install when a codec library is missing.</summary>
internal static class NativeImaging
{
    public static void EnsureAvailable()
    {
        Require(TurboJpeg.Library, "libturbojpeg0");
        Require(LibWebP.Library, "libwebp7");
    }

    private static void Require(string library, string debianPackage)
    {
        if (!NativeLibrary.TryLoad(library, out var handle))
        {
            throw new InvalidOperationException(
                $"{library} cannot be loaded; screenshots cannot be checked without it (Debian/Ubuntu: apt-get install {debianPackage}; ./run and ./test install it when run as root)");
        }

        // The P/Invoke stubs load it again themselves; this handle only proved it is there.
        NativeLibrary.Free(handle);
    }
}
