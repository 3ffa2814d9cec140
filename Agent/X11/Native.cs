using System.Runtime.InteropServices;

namespace LiveTracker.Agent.X11;

/// <summary>
/// Only the Xlib, MIT-SHM, RECORD, MIT-SCREEN-SAVER, RandR and libc calls the agent uses. Struct layouts are the
/// x86-64/arm64 LP64 ones (C <c>long</c> and XIDs are 8 bytes).
/// </summary>
internal static unsafe partial class Xlib
{
    private const string X11 = "libX11.so.6";
    private const string Xext = "libXext.so.6";
    private const string Xtst = "libXtst.so.6";
    private const string Xss = "libXss.so.1";
    private const string Xrandr = "libXrandr.so.2";
    private const string Libc = "libc";

    internal const int ZPixmap = 2;
    internal const int LsbFirst = 0;
    internal static readonly nuint AllPlanes = nuint.MaxValue;
    internal const nuint AnyPropertyType = 0;

    [StructLayout(LayoutKind.Sequential)]
    internal struct XImage
    {
        public int Width, Height, XOffset, Format;
        public byte* Data;
        public int ByteOrder, BitmapUnit, BitmapBitOrder, BitmapPad, Depth, BytesPerLine, BitsPerPixel;
        public nuint RedMask, GreenMask, BlueMask;
        public nint ObData;
        public nint CreateImage;
        public delegate* unmanaged<XImage*, int> DestroyImage;
    }

    [StructLayout(LayoutKind.Sequential)]
    internal struct XShmSegmentInfo
    {
        public nuint ShmSeg;
        public int ShmId;
        public byte* ShmAddr;
        public int ReadOnly;
    }

    [StructLayout(LayoutKind.Sequential)]
    internal struct XErrorEvent
    {
        public int Type;
        public nint Display;
        public nuint ResourceId;
        public nuint Serial;
        public byte ErrorCode, RequestCode, MinorCode;
    }

    [StructLayout(LayoutKind.Sequential)]
    internal struct XClassHint
    {
        public byte* ResName;
        public byte* ResClass;
    }

    [StructLayout(LayoutKind.Sequential)]
    internal struct XScreenSaverInfo
    {
        public nuint Window;
        public int State, Kind;
        public nuint TilOrSince, Idle, EventMask;
    }

    [StructLayout(LayoutKind.Sequential)]
    internal struct XRRMonitorInfo
    {
        public nuint Name;
        public int Primary, Automatic, NOutput, X, Y, Width, Height, MWidth, MHeight;
        public nint Outputs;
    }

    /// <summary>XRecordRange; only device_events is set (KeyPress..ButtonRelease), the rest stays zero.</summary>
    [StructLayout(LayoutKind.Explicit, Size = 32)]
    internal struct XRecordRange
    {
        [FieldOffset(18)] public byte DeviceEventsFirst;
        [FieldOffset(19)] public byte DeviceEventsLast;
    }

    [StructLayout(LayoutKind.Sequential)]
    internal struct XRecordInterceptData
    {
        public nuint IdBase;
        public nuint ServerTime;
        public nuint ClientSeq;
        public int Category;
        public int ClientSwapped;
        public byte* Data;
        public nuint DataLen;
    }

    [LibraryImport(X11)] internal static partial int XInitThreads();
    [LibraryImport(X11, StringMarshalling = StringMarshalling.Utf8)] internal static partial nint XOpenDisplay(string? name);
    [LibraryImport(X11)] internal static partial int XCloseDisplay(nint display);
    [LibraryImport(X11)] internal static partial nint XSetErrorHandler(delegate* unmanaged<nint, XErrorEvent*, int> handler);
    [LibraryImport(X11)] internal static partial nint XSetIOErrorHandler(delegate* unmanaged<nint, int> handler);

    /// <summary>libX11 1.7 and later; older ones lack the symbol (EntryPointNotFoundException).</summary>
    [LibraryImport(X11)]
    internal static partial nint XSetIOErrorExitHandler(nint display, delegate* unmanaged<nint, nint, void> handler, nint userData);
    [LibraryImport(X11)] internal static partial int XSync(nint display, int discard);
    [LibraryImport(X11)] internal static partial int XFlush(nint display);
    [LibraryImport(X11)] internal static partial int XFree(void* data);
    [LibraryImport(X11)] internal static partial int XConnectionNumber(nint display);
    [LibraryImport(X11)] internal static partial int XDefaultScreen(nint display);
    [LibraryImport(X11)] internal static partial nuint XRootWindow(nint display, int screen);
    [LibraryImport(X11)] internal static partial int XDisplayWidth(nint display, int screen);
    [LibraryImport(X11)] internal static partial int XDisplayHeight(nint display, int screen);
    [LibraryImport(X11)] internal static partial int XDefaultDepth(nint display, int screen);
    [LibraryImport(X11)] internal static partial nint XDefaultVisual(nint display, int screen);
    [LibraryImport(X11)] internal static partial byte* XDisplayString(nint display);

    [LibraryImport(X11)]
    internal static partial XImage* XGetImage(nint display, nuint drawable, int x, int y, uint width, uint height,
        nuint planeMask, int format);

    [LibraryImport(X11, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial nuint XInternAtom(nint display, string name, int onlyIfExists);

    [LibraryImport(X11)]
    internal static partial int XGetWindowProperty(nint display, nuint window, nuint property, nint offset, nint length,
        int delete, nuint reqType, out nuint actualType, out int actualFormat, out nuint items, out nuint bytesAfter,
        out byte* prop);

    [LibraryImport(X11)] internal static partial int XGetClassHint(nint display, nuint window, out XClassHint hint);
    [LibraryImport(X11)] internal static partial int XGetInputFocus(nint display, out nuint focus, out int revertTo);

    [LibraryImport(X11)]
    internal static partial int XQueryTree(nint display, nuint window, out nuint root, out nuint parent,
        out nuint* children, out uint count);

    [LibraryImport(X11)]
    internal static partial int XGetGeometry(nint display, nuint drawable, out nuint root, out int x, out int y,
        out uint width, out uint height, out uint border, out uint depth);

    [LibraryImport(X11)]
    internal static partial int XTranslateCoordinates(nint display, nuint src, nuint dest, int srcX, int srcY,
        out int destX, out int destY, out nuint child);

    [LibraryImport(Xext)] internal static partial int XShmQueryExtension(nint display);

    [LibraryImport(Xext)]
    internal static partial XImage* XShmCreateImage(nint display, nint visual, uint depth, int format, byte* data,
        XShmSegmentInfo* info, uint width, uint height);

    [LibraryImport(Xext)] internal static partial int XShmAttach(nint display, XShmSegmentInfo* info);
    [LibraryImport(Xext)] internal static partial int XShmDetach(nint display, XShmSegmentInfo* info);

    [LibraryImport(Xext)]
    internal static partial int XShmGetImage(nint display, nuint drawable, XImage* image, int x, int y, nuint planeMask);

    [LibraryImport(Libc)] internal static partial int shmget(int key, nuint size, int flags);
    [LibraryImport(Libc)] internal static partial byte* shmat(int id, void* address, int flags);
    [LibraryImport(Libc)] internal static partial int shmdt(void* address);
    [LibraryImport(Libc)] internal static partial int shmctl(int id, int command, void* buffer);
    [LibraryImport(Libc)] internal static partial int poll(PollFd* fds, nuint count, int timeoutMs);

    [StructLayout(LayoutKind.Sequential)]
    internal struct PollFd
    {
        public int Fd;
        public short Events, REvents;
    }

    [LibraryImport(Xss)] internal static partial int XScreenSaverQueryExtension(nint display, out int eventBase, out int errorBase);
    [LibraryImport(Xss)] internal static partial int XScreenSaverQueryInfo(nint display, nuint drawable, XScreenSaverInfo* info);

    [LibraryImport(Xrandr)]
    internal static partial XRRMonitorInfo* XRRGetMonitors(nint display, nuint window, int getActive, out int count);

    [LibraryImport(Xrandr)] internal static partial void XRRFreeMonitors(XRRMonitorInfo* monitors);

    [LibraryImport(Xtst)] internal static partial int XRecordQueryVersion(nint display, out int major, out int minor);

    [LibraryImport(Xtst)]
    internal static partial nuint XRecordCreateContext(nint display, int datumFlags, nuint* clients, int clientCount,
        XRecordRange** ranges, int rangeCount);

    [LibraryImport(Xtst)]
    internal static partial int XRecordEnableContextAsync(nint display, nuint context,
        delegate* unmanaged<nint, XRecordInterceptData*, void> callback, nint closure);

    [LibraryImport(Xtst)] internal static partial void XRecordProcessReplies(nint display);
    [LibraryImport(Xtst)] internal static partial int XRecordDisableContext(nint display, nuint context);
    [LibraryImport(Xtst)] internal static partial int XRecordFreeContext(nint display, nuint context);
    [LibraryImport(Xtst)] internal static partial void XRecordFreeData(XRecordInterceptData* data);
}

/// <summary>Debian's libturbojpeg (TurboJPEG API 2.x), compression only.</summary>
internal static unsafe partial class TurboJpeg
{
    private const string Library = "libturbojpeg.so.0";
    internal const int PixelFormatBgrx = 3;  // TJPF_BGRX
    internal const int Subsampling420 = 2;   // TJSAMP_420
    // TJFLAG_PROGRESSIVE: progressive with optimised Huffman tables, the same pixels in fewer bytes; every decoder reads it.
    internal const int FlagProgressive = 16384;

    [LibraryImport(Library)] internal static partial nint tjInitCompress();
    [LibraryImport(Library)] internal static partial int tjDestroy(nint handle);
    [LibraryImport(Library)] internal static partial void tjFree(byte* buffer);
    [LibraryImport(Library)] internal static partial byte* tjGetErrorStr2(nint handle);

    [LibraryImport(Library)]
    internal static partial int tjCompress2(nint handle, byte* srcBuf, int width, int pitch, int height,
        int pixelFormat, ref byte* jpegBuf, ref CULong jpegSize, int jpegSubsamp, int jpegQual, int flags);
}
