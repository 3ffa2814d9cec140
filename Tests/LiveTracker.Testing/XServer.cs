using System.Diagnostics;

namespace LiveTracker.Testing;

/// <summary>
/// A throwaway Xvfb (1280x800 unless told otherwise, 24-bit) on a free display number, optionally with openbox, plus helpers to start
/// X clients and drive xdotool. Everything started is killed, and waited for, on Dispose.
/// </summary>
public sealed class XServer : IDisposable
{
    private readonly Process server;
    private readonly List<Process> clients = [];

    private XServer(Process server, string display)
    {
        this.server = server;
        Display = display;
    }

    public string Display { get; }

    public static XServer Start(bool windowManager, bool blackRoot = false, int width = 1280, int height = 800)
    {
        // -displayfd makes Xvfb pick a free display itself and write its number once it accepts connections:
        // no guessing and no polling for the socket.
        var info = new ProcessStartInfo("Xvfb") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in (string[])["-displayfd", "1", "-screen", "0", string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{width}x{height}x24"), "-nolisten", "tcp"])
        {
            info.ArgumentList.Add(arg);
        }

        if (blackRoot)
        {
            info.ArgumentList.Add("-br");
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

        var x = new XServer(process, ":" + number.Trim());
        try
        {
            if (windowManager)
            {
                x.StartWindowManager();
            }
        }
        catch
        {
            // A fixture that fails to start must not leave its X server behind.
            x.Dispose();
            throw;
        }

        return x;
    }

    private void StartWindowManager()
    {
        // Once in a few dozen runs on a loaded machine openbox never took the screen; a second start does.
        for (var attempt = 1; ; attempt++)
        {
            var log = new System.Text.StringBuilder();
            var openbox = StartClient("openbox", log, "--sm-disable");
            try
            {
                WaitFor(() => Run("xprop", "-root", "_NET_SUPPORTING_WM_CHECK").Contains("window id", StringComparison.Ordinal),
                    "openbox to manage the screen");
                break;
            }
            catch (TimeoutException e)
            {
                var exited = openbox.HasExited ? $"exited {openbox.ExitCode}" : "running";
                if (attempt == 2)
                {
                    throw new TimeoutException($"{e.Message} (openbox {exited}: {log})");
                }

                Console.Error.WriteLine($"openbox did not start ({exited}: {log}); retrying");
                Stop(openbox);
            }
        }
    }

    public Process StartClient(string file, params string[] args) => StartClient(file, null, args);

    private Process StartClient(string file, System.Text.StringBuilder? log, params string[] args)
    {
        var process = Process.Start(Info(file, args)) ?? throw new InvalidOperationException($"cannot start {file}");
        process.OutputDataReceived += (_, e) => Append(log, e.Data);
        process.ErrorDataReceived += (_, e) => Append(log, e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        lock (clients)
        {
            clients.Add(process);
        }

        return process;
    }

    private static void Append(System.Text.StringBuilder? log, string? line)
    {
        if (log is not null && line is not null)
        {
            lock (log)
            {
                _ = log.AppendLine(line);
            }
        }
    }

    /// <summary>Starts an xterm with a unique WM_CLASS, waits until it is mapped, focuses it, returns its window id.</summary>
    public string Xterm(string windowClass, params string[] args)
    {
        _ = StartClient("xterm", ["-class", windowClass, .. args]);
        var id = Run("xdotool", "search", "--sync", "--onlyvisible", "--class", windowClass).Split('\n')[0].Trim();
        Focus(id);
        return id;
    }

    public void Focus(string id)
    {
        _ = Run("xdotool", "windowactivate", "--sync", id);
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

    public void WaitFor(Func<bool> condition, string what, int timeoutMs = 10_000)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.ElapsedMilliseconds > timeoutMs)
            {
                throw new TimeoutException($"timed out waiting for {what}");
            }

            Thread.Sleep(25);
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
        // xterm turns a UTF-8 -T title into COMPOUND_TEXT only under a UTF-8 locale.
        info.Environment["LC_ALL"] = "C.UTF-8";
        info.Environment.Remove("WAYLAND_DISPLAY");
        return info;
    }

    /// <summary>Kills the X server itself (as a crash or logout would) and waits until it has exited.</summary>
    public void KillServer()
    {
        if (!server.HasExited)
        {
            server.Kill();
        }

        server.WaitForExit();
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

        // A display number is reusable only after the old server has exited and removed its lock.
        Stop(server);
    }

    /// <summary>Kills <paramref name="process"/> if it still runs, waits for it and disposes it.</summary>
    public static void Stop(Process process)
    {
        ArgumentNullException.ThrowIfNull(process);
        try
        {
            if (!process.HasExited)
            {
                process.Kill();
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
