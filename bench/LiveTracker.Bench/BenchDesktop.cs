using System.Diagnostics;
using System.Globalization;

namespace LiveTracker.Bench;

/// <summary>
/// A throwaway headless desktop for the agent benchmark: Xvfb at the given size on a display it picks itself,
/// openbox managing it, and X clients started on it. Everything started is killed, and waited for, on Dispose.
/// </summary>
internal sealed class BenchDesktop : IDisposable
{
    private readonly Process server;
    private readonly List<Process> clients = [];

    private BenchDesktop(Process server, string display)
    {
        this.server = server;
        Display = display;
    }

    public string Display { get; }

    public static BenchDesktop Start(int width, int height)
    {
        // -displayfd: Xvfb picks a free display number and writes it once it accepts connections.
        var info = new ProcessStartInfo("Xvfb") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in (string[])["-displayfd", "1", "-screen", "0", string.Create(CultureInfo.InvariantCulture, $"{width}x{height}x24"), "-nolisten", "tcp"])
        {
            info.ArgumentList.Add(arg);
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException("cannot start Xvfb");
        process.ErrorDataReceived += (_, _) => { };
        process.BeginErrorReadLine();
        var line = process.StandardOutput.ReadLineAsync();
        if (!line.Wait(TimeSpan.FromSeconds(15)) || line.Result is not { Length: > 0 } number)
        {
            process.Kill();
            process.WaitForExit();
            throw new InvalidOperationException("Xvfb did not report a display number");
        }

        var desktop = new BenchDesktop(process, ":" + number.Trim());
        try
        {
            desktop.StartClient("openbox", "--sm-disable");
            desktop.WaitFor(() => desktop.Run("xprop", "-root", "_NET_SUPPORTING_WM_CHECK").Contains("window id", StringComparison.Ordinal), "openbox");
            return desktop;
        }
        catch
        {
            desktop.Dispose();
            throw;
        }
    }

    public void StartClient(string file, params string[] args)
    {
        var process = Process.Start(Info(file, args)) ?? throw new InvalidOperationException($"cannot start {file}");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        lock (clients)
        {
            clients.Add(process);
        }
    }

    /// <summary>Starts an xterm with a unique WM_CLASS and waits until it is mapped; returns its window id.</summary>
    public string Xterm(string windowClass, params string[] args)
    {
        StartClient("xterm", ["-class", windowClass, .. args]);
        return Run("xdotool", "search", "--sync", "--onlyvisible", "--class", windowClass).Split('\n')[0].Trim();
    }

    /// <summary>Runs a command to completion and returns its standard output; fails on a non-zero exit.</summary>
    public string Run(string file, params string[] args)
    {
        using var process = Process.Start(Info(file, args)) ?? throw new InvalidOperationException($"cannot start {file}");
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(15_000))
        {
            process.Kill();
            throw new TimeoutException($"{file} {string.Join(' ', args)} did not finish");
        }

        return process.ExitCode == 0 ? stdout
            : throw new InvalidOperationException($"{file} {string.Join(' ', args)} exited {process.ExitCode}: {stderr.Result}");
    }

    public void WaitFor(Func<bool> condition, string what, int timeoutMs = 15_000)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.ElapsedMilliseconds > timeoutMs)
            {
                throw new TimeoutException($"timed out waiting for {what}");
            }

            Thread.Sleep(50);
        }
    }

    private ProcessStartInfo Info(string file, string[] args)
    {
        var info = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment["DISPLAY"] = Display;
        info.Environment["LC_ALL"] = "C.UTF-8";
        info.Environment.Remove("WAYLAND_DISPLAY");
        return info;
    }

    public void Dispose()
    {
        lock (clients)
        {
            foreach (var client in clients)
            {
                Stop(client);
            }
        }

        Stop(server);
    }

    private static void Stop(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }

            process.WaitForExit();
        }
        catch (InvalidOperationException)
        {
            // already gone
        }

        process.Dispose();
    }
}
