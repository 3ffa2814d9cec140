using LiveTracker.Agent.X11;

namespace LiveTracker.Agent;

internal static class Program
{
    private static int Main(string[] args)
    {
        if (args is not ["probe"])
        {
            Console.Error.WriteLine("usage: livetracker-agent probe   (prints what the agent sees on this X display)");
            return args.Length == 0 ? 0 : 2;
        }

        try
        {
            using var display = X11Display.Open();
            var window = new ActiveWindow(display).Read();
            var frame = new ScreenCapture(display).Grab();
            Console.WriteLine($"display: {display.Name} {display.DesktopSize.Width}x{display.DesktopSize.Height}");
            Console.WriteLine($"idle ms: {(long)new IdleClock(display).Idle().TotalMilliseconds}");
            Console.WriteLine($"active window: {(window is null ? "(none)" : $"{window.App} — {window.Title}")}");
            Console.WriteLine($"capture: {frame.Width}x{frame.Height}, {frame.EncodeJpeg(70).Length} bytes JPEG q70, black: {frame.IsBlack()}");
            return 0;
        }
        catch (X11UnavailableException e)
        {
            Console.Error.WriteLine(e.Message);
            return 1;
        }
    }
}
