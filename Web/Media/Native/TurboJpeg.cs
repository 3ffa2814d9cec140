using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace LiveTracker.Web.Media.Native;

/// <summary>
/// Debian's libturbojpeg (TurboJPEG API 2.x). Every call gets its own handle: a tjhandle is not thread-safe and
/// is cheap to create, so nothing is cached between uploads.
/// </summary>
internal static unsafe partial class TurboJpeg
{
    internal const string Library = "libturbojpeg.so.0";

    internal const int PixelFormatRgb = 0;   // TJPF_RGB
    internal const int PixelFormatGray = 6;  // TJPF_GRAY
    internal const int Subsampling420 = 2;   // TJSAMP_420
    internal const int ErrorWarning = 0;     // TJERR_WARNING

    // A truncated JPEG only warns ("premature end of data") and would come back with grey padding; stopping on
    // the warning makes truncation a hard failure. LIMITSCANS refuses progressive files with absurd scan counts
    // (a CPU bomb that is otherwise valid).
    internal const int StrictDecodeFlags = 8192 /* TJFLAG_STOPONWARNING */ | 32768 /* TJFLAG_LIMITSCANS */;

    [LibraryImport(Library)]
    private static partial nint tjInitDecompress();

    [LibraryImport(Library)]
    private static partial nint tjInitCompress();

    [LibraryImport(Library)]
    private static partial int tjDestroy(nint handle);

    [LibraryImport(Library)]
    private static partial int tjDecompressHeader3(TurboJpegHandle handle, byte* jpegBuf, CULong jpegSize,
        out int width, out int height, out int jpegSubsamp, out int jpegColorspace);

    [LibraryImport(Library)]
    private static partial int tjDecompress2(TurboJpegHandle handle, byte* jpegBuf, CULong jpegSize, byte* dstBuf,
        int width, int pitch, int height, int pixelFormat, int flags);

    [LibraryImport(Library)]
    private static partial int tjCompress2(TurboJpegHandle handle, byte* srcBuf, int width, int pitch, int height,
        int pixelFormat, ref byte* jpegBuf, ref CULong jpegSize, int jpegSubsamp, int jpegQual, int flags);

    [LibraryImport(Library)]
    private static partial void tjFree(byte* buffer);

    [LibraryImport(Library)]
    private static partial byte* tjGetErrorStr2(TurboJpegHandle handle);

    [LibraryImport(Library)]
    private static partial int tjGetErrorCode(TurboJpegHandle handle);

    [LibraryImport(Library)]
    private static partial ScalingFactor* tjGetScalingFactors(out int count);

    [StructLayout(LayoutKind.Sequential)]
    internal readonly record struct ScalingFactor(int Num, int Denom)
    {
        /// <summary>TJSCALED: the library rounds up.</summary>
        public int Scale(int dimension) => (int)(((long)dimension * Num + Denom - 1) / Denom);
    }

    /// <summary>What the header says; <see cref="Error"/> is set when it could not be read.</summary>
    internal readonly record struct Header(int Width, int Height, string? Error);

    /// <summary>The outcome of a decompression; <see cref="Error"/> is null on success.</summary>
    internal readonly record struct DecodeResult(string? Error, bool WarningOnly);

    internal sealed class TurboJpegHandle : SafeHandleZeroOrMinusOneIsInvalid
    {
        public TurboJpegHandle() : base(ownsHandle: true)
        {
        }

        protected override bool ReleaseHandle() => tjDestroy(handle) == 0;
    }

    internal static TurboJpegHandle OpenDecompressor() => Open(tjInitDecompress());

    internal static TurboJpegHandle OpenCompressor() => Open(tjInitCompress());

    private static TurboJpegHandle Open(nint raw)
    {
        var handle = new TurboJpegHandle();
        Marshal.InitHandle(handle, raw);
        if (handle.IsInvalid)
        {
            // Only an allocation failure inside the library gets here, never the input.
            throw new InvalidOperationException("libturbojpeg could not create a handle");
        }

        return handle;
    }

    /// <summary>Reads the frame header only (no pixel buffers are allocated), so a bomb is measured before it is opened.</summary>
    internal static Header ReadHeader(TurboJpegHandle handle, ReadOnlySpan<byte> jpeg)
    {
        fixed (byte* source = jpeg)
        {
            if (tjDecompressHeader3(handle, source, new CULong((nuint)jpeg.Length), out var width, out var height, out _, out _) != 0)
            {
                return new Header(0, 0, ErrorText(handle));
            }

            return new Header(width, height, null);
        }
    }

    /// <summary>Decompresses into <paramref name="destination"/> at exactly <paramref name="width"/>×<paramref name="height"/> (a size from <see cref="ScalingFactor.Scale"/>).</summary>
    internal static DecodeResult Decompress(TurboJpegHandle handle, ReadOnlySpan<byte> jpeg, Span<byte> destination,
        int width, int height, int pixelFormat)
    {
        var pixelSize = pixelFormat == PixelFormatGray ? 1 : 3;
        if ((long)width * height * pixelSize > destination.Length)
        {
            throw new ArgumentException("destination is smaller than the scaled image", nameof(destination));
        }

        fixed (byte* source = jpeg)
        fixed (byte* target = destination)
        {
            var status = tjDecompress2(handle, source, new CULong((nuint)jpeg.Length), target, width, width * pixelSize, height,
                pixelFormat, StrictDecodeFlags);
            if (status == 0)
            {
                return new DecodeResult(null, false);
            }

            return new DecodeResult(ErrorText(handle), tjGetErrorCode(handle) == ErrorWarning);
        }
    }

    /// <summary>Encodes packed pixels as a baseline 4:2:0 JPEG.</summary>
    internal static byte[] Compress(ReadOnlySpan<byte> pixels, int width, int height, int pixelFormat, int quality)
    {
        var pixelSize = pixelFormat == PixelFormatGray ? 1 : 3;
        if ((long)width * height * pixelSize > pixels.Length)
        {
            throw new ArgumentException("pixels are fewer than width × height", nameof(pixels));
        }

        using var handle = OpenCompressor();
        byte* output = null;
        var size = new CULong(0);
        try
        {
            fixed (byte* source = pixels)
            {
                var subsampling = pixelFormat == PixelFormatGray ? 3 /* TJSAMP_GRAY */ : Subsampling420;
                if (tjCompress2(handle, source, width, width * pixelSize, height, pixelFormat, ref output, ref size, subsampling, quality, 0) != 0)
                {
                    throw new InvalidOperationException($"libturbojpeg could not encode a {width}x{height} image: {ErrorText(handle)}");
                }
            }

            return new ReadOnlySpan<byte>(output, checked((int)size.Value)).ToArray();
        }
        finally
        {
            if (output != null)
            {
                tjFree(output);
            }
        }
    }

    /// <summary>The factors this build supports (2.x: n/8 for n = 1..16), read once per call: the table is the library's own static array.</summary>
    internal static ScalingFactor[] ScalingFactors()
    {
        var table = tjGetScalingFactors(out var count);
        if (table == null || count <= 0)
        {
            return [new ScalingFactor(1, 1)];
        }

        return new ReadOnlySpan<ScalingFactor>(table, count).ToArray();
    }

    private static string ErrorText(TurboJpegHandle handle)
    {
        var text = tjGetErrorStr2(handle);
        return text == null ? "unknown libjpeg error" : Marshal.PtrToStringUTF8((nint)text) ?? "unknown libjpeg error";
    }
}
