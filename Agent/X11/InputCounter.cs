using System.Runtime.InteropServices;

namespace LiveTracker.Agent.X11;

/// <summary>Input activity in one minute: counts only, never which key or where.</summary>
public readonly record struct InputCounts(int Keystrokes, int Clicks, int ScrollSteps)
{
    public static InputCounts operator +(InputCounts a, InputCounts b) =>
        new(a.Keystrokes + b.Keystrokes, a.Clicks + b.Clicks, a.ScrollSteps + b.ScrollSteps);
}

/// <summary>
/// Counts keystrokes, clicks and scroll steps of every client through the RECORD extension, on its own thread
/// with its own two connections (RECORD needs a control and a data connection, and Xlib connections are not
/// shared between threads). Only per-minute counts are kept. When the X server goes away the thread ends and
/// <see cref="Lost"/> turns true; the counts so far stay readable, and counting resumes only in a new instance.
/// </summary>
public sealed unsafe class InputCounter : IDisposable
{
    private const int KeyPress = 2, KeyRelease = 3, ButtonPress = 4;
    private const int RecordFromServer = 0, RecordAllClients = 3;

    private readonly X11Display control;
    private readonly X11Display data;
    private readonly nuint context;
    private readonly Thread thread;
    private readonly TimeProvider clock;
    private readonly Lock gate = new();
    private readonly SortedDictionary<DateTimeOffset, InputCounts> minutes = [];
    // Which keycodes are down, only to drop auto-repeat (a press of a key already down); never stored.
    private readonly bool[] down = new bool[256];
    private GCHandle self;
    private volatile bool stopping;

    public InputCounter(string? displayName = null, TimeProvider? clock = null)
    {
        this.clock = clock ?? TimeProvider.System;
        control = X11Display.Open(displayName);
        try
        {
            data = X11Display.Open(displayName);
            if (Xlib.XRecordQueryVersion(control.Handle, out _, out _) == 0)
            {
                throw new X11UnavailableException($"The X server on {control.Name} lacks the RECORD extension; input cannot be counted.");
            }

            var range = new Xlib.XRecordRange { DeviceEventsFirst = KeyPress, DeviceEventsLast = ButtonPress + 1 };
            var ranges = stackalloc Xlib.XRecordRange*[1];
            ranges[0] = &range;
            nuint clients = RecordAllClients;
            context = Xlib.XRecordCreateContext(control.Handle, 0, &clients, 1, ranges, 1);
            if (context == 0 || control.SyncAndTakeErrors().Count != 0)
            {
                throw new X11UnavailableException("XRecordCreateContext failed");
            }
        }
        catch
        {
            data?.Dispose();
            control.Dispose();
            throw;
        }

        self = GCHandle.Alloc(this);
        if (Xlib.XRecordEnableContextAsync(data.Handle, context, &OnIntercept, GCHandle.ToIntPtr(self)) == 0)
        {
            self.Free();
            Dispose();
            throw new X11UnavailableException("XRecordEnableContextAsync failed");
        }

        thread = new Thread(Pump) { IsBackground = true, Name = "X11 input counter" };
        thread.Start();
    }

    /// <summary>True once the connection to the X server broke; nothing is counted any more.</summary>
    public bool Lost => data.Lost || control.Lost;

    /// <summary>Counts of every minute seen so far that is not yet drained.</summary>
    public InputCounts Total
    {
        get
        {
            lock (gate)
            {
                return minutes.Values.Aggregate(default(InputCounts), (a, b) => a + b);
            }
        }
    }

    /// <summary>Removes and returns the counts of minutes that ended before <paramref name="before"/>.</summary>
    public IReadOnlyList<(DateTimeOffset Minute, InputCounts Counts)> DrainMinutes(DateTimeOffset before)
    {
        lock (gate)
        {
            var done = minutes.Where(m => m.Key.AddMinutes(1) <= before).Select(m => (m.Key, m.Value)).ToList();
            foreach (var (minute, _) in done)
            {
                _ = minutes.Remove(minute);
            }

            return done;
        }
    }

    private void Pump()
    {
        var h = data.Handle;
        var fd = new Xlib.PollFd { Fd = Xlib.XConnectionNumber(h), Events = 1 /* POLLIN */ };
        // A dead server hangs up the socket: poll then returns at once, and the next XRecordProcessReplies hits
        // the I/O error that marks the display lost, which ends the loop instead of spinning.
        while (!stopping && !data.Lost)
        {
            // Poll with a timeout so Dispose is noticed; RECORD replies are processed as soon as they arrive.
            _ = Xlib.poll(&fd, 1, 200);
            Xlib.XRecordProcessReplies(h);
        }
    }

    [UnmanagedCallersOnly]
    private static void OnIntercept(nint closure, Xlib.XRecordInterceptData* intercepted)
    {
        try
        {
            if (intercepted->Category == RecordFromServer && intercepted->DataLen > 0
                && GCHandle.FromIntPtr(closure).Target is InputCounter counter)
            {
                counter.Count(intercepted->Data[0] & 0x7F, intercepted->Data[1]);
            }
        }
        finally
        {
            Xlib.XRecordFreeData(intercepted);
        }
    }

    private void Count(int type, byte detail)
    {
        InputCounts delta;
        switch (type)
        {
            case KeyPress when down[detail]:
                return;  // auto-repeat: the key never went up
            case KeyPress:
                down[detail] = true;
                delta = new InputCounts(1, 0, 0);
                break;
            case KeyRelease:
                down[detail] = false;
                return;
            case ButtonPress when detail is >= 4 and <= 7:
                delta = new InputCounts(0, 0, 1);  // wheel up/down/left/right: one step each
                break;
            case ButtonPress when detail is 1 or 2 or 3 or 8 or 9:
                delta = new InputCounts(0, 1, 0);
                break;
            default:
                return;
        }

        var now = clock.GetUtcNow();
        var minute = new DateTimeOffset(now.Ticks - (now.Ticks % TimeSpan.TicksPerMinute), TimeSpan.Zero);
        lock (gate)
        {
            minutes[minute] = minutes.GetValueOrDefault(minute) + delta;
        }
    }

    public void Dispose()
    {
        if (stopping)
        {
            return;
        }

        stopping = true;
        // Only this thread uses the control connection, so Lost cannot change between the check and the calls
        // except through them: an I/O error on a dead server marks it lost and the calls return at once.
        if (context != 0 && !control.Lost)
        {
            var h = control.Handle;
            _ = Xlib.XRecordDisableContext(h, context);
            _ = Xlib.XSync(h, 0);
        }

        thread?.Join();
        if (context != 0 && !control.Lost)
        {
            _ = Xlib.XRecordFreeContext(control.Handle, context);
        }

        // A data connection lost on the pump thread is leaked, not closed, by X11Display.Dispose (see there).
        data?.Dispose();
        control.Dispose();
        if (self.IsAllocated)
        {
            self.Free();
        }
    }
}
