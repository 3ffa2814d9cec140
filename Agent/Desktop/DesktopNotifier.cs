using System.ComponentModel;
using System.Diagnostics;
using System.Runtime.InteropServices;

namespace LiveTracker.Agent.Desktop;

/// <summary>
/// Desktop notifications through Debian's <c>notify-send</c> (libnotify-bin 0.8), which talks to whatever
/// notification service the desktop runs (org.freedesktop.Notifications on the session bus). A notification can
/// carry a capture thumbnail and buttons; <see cref="ShowAsync"/> waits for the user's answer.
/// </summary>
/// <remarks>
/// Nothing here throws because notifications are impossible (no notify-send, no session bus, no notification
/// service): the call returns null and <see cref="LastProblem"/> says why, for the caller to show once.
/// </remarks>
/// <param name="environment">
/// Variables that replace the process's own for notify-send and for the checks here (PATH,
/// DBUS_SESSION_BUS_ADDRESS, XDG_RUNTIME_DIR); an empty value removes a variable. Null: the process's environment.
/// </param>
public sealed partial class DesktopNotifier(IReadOnlyDictionary<string, string>? environment = null)
{
    /// <summary>The application name notification services show and group by.</summary>
    public const string AppName = "LiveTracker";

    /// <summary>How long past its expiry a notification may stay before it is withdrawn (servers close late).</summary>
    private static readonly TimeSpan ExpiryGrace = TimeSpan.FromSeconds(2);

    /// <summary>How long notify-send gets after SIGINT to withdraw its notification before it is killed.</summary>
    private static readonly TimeSpan InterruptGrace = TimeSpan.FromSeconds(1);

    private const int SigInt = 2;

    /// <summary>
    /// Whether notifications can be tried: notify-send is on the PATH and there is a session bus
    /// (DBUS_SESSION_BUS_ADDRESS, or the systemd user bus at $XDG_RUNTIME_DIR/bus that GLib finds by itself).
    /// Whether a notification service answers shows only when one is sent.
    /// </summary>
    public bool Available => FindNotifySend() is not null && SessionBusProblem() is null;

    /// <summary>
    /// Why the last <see cref="ShowAsync"/> could not show its notification (or its buttons), in words for the
    /// user; null when it went through, timed out or was cancelled.
    /// </summary>
    public string? LastProblem { get; private set; }

    /// <summary>
    /// Shows a notification and waits until the user clicks one of <paramref name="actions"/> (returns its key),
    /// or it is closed, expires or <paramref name="cancellationToken"/> fires (returns null; a notification still
    /// on screen is then withdrawn and notify-send ended). Returns null at once, with <see cref="LastProblem"/>
    /// set, when notifications cannot be shown.
    /// </summary>
    /// <param name="imagePath">A picture for the notification (the capture thumbnail), or null.</param>
    /// <param name="expireAfter">
    /// How long the notification stays; <see cref="Timeout.InfiniteTimeSpan"/> until the user closes it.
    /// </param>
    /// <param name="actions">Buttons: a key (no '=', no white space) returned when clicked, and its label.</param>
    public async Task<string?> ShowAsync(string summary, string body, string? imagePath, TimeSpan expireAfter,
        IReadOnlyList<(string Key, string Label)> actions, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(summary);
        ArgumentNullException.ThrowIfNull(body);
        ArgumentNullException.ThrowIfNull(actions);
        if (expireAfter != Timeout.InfiniteTimeSpan && expireAfter <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(expireAfter), expireAfter, "must be positive or infinite");
        }

        foreach (var (key, label) in actions)
        {
            if (string.IsNullOrEmpty(key) || key.Contains('=', StringComparison.Ordinal) || key.Any(char.IsWhiteSpace))
            {
                throw new ArgumentException($"Action key '{key}' must be non-empty, without '=' or white space.", nameof(actions));
            }

            ArgumentNullException.ThrowIfNull(label, nameof(actions));
        }

        var notifySend = FindNotifySend();
        if (notifySend is null)
        {
            LastProblem = "notify-send is not installed (apt install libnotify-bin), so desktop notifications cannot be shown.";
            return null;
        }

        if (SessionBusProblem() is { } busProblem)
        {
            LastProblem = busProblem;
            return null;
        }

        if (cancellationToken.IsCancellationRequested)
        {
            LastProblem = null;
            return null;
        }

        var info = StartInfo(notifySend, summary, body, imagePath, expireAfter, actions);
        Process? process;
        try
        {
            process = Process.Start(info);
        }
        catch (Win32Exception e)
        {
            LastProblem = $"Cannot run notify-send ({notifySend}): {e.Message}";
            return null;
        }

        if (process is null)
        {
            LastProblem = $"Cannot run notify-send ({notifySend}).";
            return null;
        }

        using (process)
        {
            return await WaitForAnswerAsync(process, expireAfter, actions, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<string?> WaitForAnswerAsync(Process process, TimeSpan expireAfter,
        IReadOnlyList<(string Key, string Label)> actions, CancellationToken cancellationToken)
    {
        var output = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var errors = new List<string>();
        var failed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var errorReader = ReadErrorsAsync(process.StandardError, errors, failed);
        var exited = process.WaitForExitAsync(CancellationToken.None);

        var stop = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var deadline = expireAfter == Timeout.InfiniteTimeSpan ? new CancellationTokenSource()
            : new CancellationTokenSource(expireAfter + ExpiryGrace);
        using var onDeadline = deadline.Token.Register(() => stop.TrySetResult());
        using var onCancel = cancellationToken.Register(() => stop.TrySetResult());

        _ = await Task.WhenAny(exited, failed.Task, stop.Task).ConfigureAwait(false);
        var exitedByItself = exited.IsCompleted;
        if (!exitedByItself)
        {
            await InterruptAsync(process, exited).ConfigureAwait(false);
        }

        await exited.ConfigureAwait(false);
        var stdout = await output.ConfigureAwait(false);
        await errorReader.ConfigureAwait(false);

        var line = stdout.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).FirstOrDefault();
        var clicked = actions.Select(a => a.Key).FirstOrDefault(key => key == line);
        string? problem;
        lock (errors)
        {
            problem = Describe(errors, exitedByItself ? process.ExitCode : 0, failed.Task.IsCompleted);
        }

        if (cancellationToken.IsCancellationRequested)
        {
            LastProblem = null;
            return null;
        }

        LastProblem = problem;
        return clicked;
    }

    /// <summary>Collects notify-send's complaints; completes <paramref name="failed"/> on one that means it cannot show.</summary>
    private static async Task ReadErrorsAsync(StreamReader reader, List<string> errors, TaskCompletionSource failed)
    {
        while (await reader.ReadLineAsync().ConfigureAwait(false) is { } line)
        {
            lock (errors)
            {
                errors.Add(line);
            }

            // Without a notification service (or with a dead bus) notify-send --wait reports the error and then
            // waits forever; these lines are final.
            if (line.StartsWith("GDBus.Error:", StringComparison.Ordinal) || line.StartsWith("Could not connect", StringComparison.Ordinal))
            {
                failed.TrySetResult();
            }
        }
    }

    /// <summary>
    /// SIGINT makes notify-send 0.8 close its notification ("Wait cancelled, closing notification") and exit; a
    /// process that does not go within <see cref="InterruptGrace"/> is killed.
    /// </summary>
    private static async Task InterruptAsync(Process process, Task exited)
    {
        try
        {
            _ = Kill(process.Id, SigInt);
            if (await Task.WhenAny(exited, Task.Delay(InterruptGrace)).ConfigureAwait(false) != exited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
            // exited meanwhile
        }
    }

    private static string? Describe(List<string> errors, int exitCode, bool failed)
    {
        var error = errors.LastOrDefault(e => e.StartsWith("GDBus.Error:", StringComparison.Ordinal)
            || e.StartsWith("Could not connect", StringComparison.Ordinal));
        if (error is not null && (error.Contains("ServiceUnknown", StringComparison.Ordinal)
                || error.Contains("NameHasNoOwner", StringComparison.Ordinal)))
        {
            return "No notification service is running in this desktop session (nothing provides "
                + "org.freedesktop.Notifications on the session bus), so notifications cannot be shown.";
        }

        if (error is not null && error.StartsWith("Could not connect", StringComparison.Ordinal))
        {
            return $"Cannot reach the D-Bus session bus for notifications ({error}).";
        }

        if (error is not null || failed)
        {
            return $"notify-send failed: {error ?? string.Join(" ", errors)}";
        }

        if (errors.Any(e => e.StartsWith("Actions are not supported", StringComparison.Ordinal)))
        {
            return "The desktop's notification service shows no buttons, so notifications cannot be answered there.";
        }

        return exitCode == 0 ? null
            : $"notify-send exited with code {exitCode}{(errors.Count == 0 ? "" : ": " + string.Join(" ", errors))}";
    }

    private ProcessStartInfo StartInfo(string notifySend, string summary, string body, string? imagePath,
        TimeSpan expireAfter, IReadOnlyList<(string Key, string Label)> actions)
    {
        var info = new ProcessStartInfo(notifySend)
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        var expireMs = expireAfter == Timeout.InfiniteTimeSpan ? 0 : (long)Math.Ceiling(expireAfter.TotalMilliseconds);
        info.ArgumentList.Add($"--app-name={AppName}");
        info.ArgumentList.Add($"--expire-time={Math.Min(expireMs, int.MaxValue)}");
        info.ArgumentList.Add("--wait");
        if (!string.IsNullOrEmpty(imagePath))
        {
            // The image-path hint is the picture (a file:// URI per the notification spec); the icon is for
            // services that show only that.
            var full = Path.GetFullPath(imagePath);
            info.ArgumentList.Add($"--icon={full}");
            info.ArgumentList.Add($"--hint=string:image-path:{new Uri(full).AbsoluteUri}");
        }

        foreach (var (key, label) in actions)
        {
            info.ArgumentList.Add($"--action={key}={label}");
        }

        // A summary or body starting with '-' is text, not an option.
        info.ArgumentList.Add("--");
        info.ArgumentList.Add(summary);
        info.ArgumentList.Add(body);
        if (environment is not null)
        {
            foreach (var (name, value) in environment)
            {
                if (value.Length == 0)
                {
                    _ = info.Environment.Remove(name);
                }
                else
                {
                    info.Environment[name] = value;
                }
            }
        }

        return info;
    }

    private string? Variable(string name)
    {
        var value = environment is not null && environment.TryGetValue(name, out var set) ? set : Environment.GetEnvironmentVariable(name);
        return string.IsNullOrEmpty(value) ? null : value;
    }

    private string? FindNotifySend()
    {
        const UnixFileMode Executable = UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
        if (OperatingSystem.IsWindows())
        {
            return null;  // the agent's desktop layer is for Linux desktops
        }

        foreach (var directory in (Variable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(directory, "notify-send");
            try
            {
                if (File.Exists(candidate) && (File.GetUnixFileMode(candidate) & Executable) != 0)
                {
                    return candidate;
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // an unreadable PATH entry is no notify-send
            }
        }

        return null;
    }

    private string? SessionBusProblem()
    {
        if (Variable("DBUS_SESSION_BUS_ADDRESS") is not null)
        {
            return null;
        }

        // systemd's user bus; GLib connects to it without the variable.
        if (Variable("XDG_RUNTIME_DIR") is { } runtime && File.Exists(Path.Combine(runtime, "bus")))
        {
            return null;
        }

        return "No D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is not set), so desktop notifications cannot be shown; "
            + "run the agent inside the desktop session.";
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
