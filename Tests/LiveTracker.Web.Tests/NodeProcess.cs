using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace LiveTracker.Web.Tests;

/// <summary>The node program run as <c>./run</c> runs it (<c>dotnet LiveTracker.Web.dll --config ...</c>), its output collected.</summary>
public sealed partial class NodeProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly TaskCompletionSource<Uri> _serving = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private NodeProcess(Process process) => _process = process;

    /// <summary>Where it serves, once it printed so.</summary>
    public Uri BaseAddress => _serving.Task.IsCompletedSuccessfully ? _serving.Task.Result : throw new InvalidOperationException("The node is not serving.");

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>Starts the node and waits until it prints the address it serves at.</summary>
    public static async Task<NodeProcess> StartAsync(string configPath, IReadOnlyDictionary<string, string>? environment = null)
    {
        var program = Path.Combine(AppContext.BaseDirectory, "LiveTracker.Web.dll");
        var start = new ProcessStartInfo("dotnet", ["exec", program, "--config", configPath])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        var node = new NodeProcess(Process.Start(start)!);
        node._process.OutputDataReceived += (_, e) => node.Collect(e.Data);
        node._process.ErrorDataReceived += (_, e) => node.Collect(e.Data);
        node._process.BeginOutputReadLine();
        node._process.BeginErrorReadLine();
        var exited = node._process.WaitForExitAsync();
        if (await Task.WhenAny(node._serving.Task, exited, Task.Delay(TimeSpan.FromSeconds(90))) != node._serving.Task)
        {
            await node.DisposeAsync();
            throw new InvalidOperationException("The node did not start serving:\n" + node.Output);
        }

        return node;
    }

    /// <summary>Runs one of the node program's commands (e.g. <c>users add-operator</c>) to its end; its exit code.</summary>
    public static async Task<int> RunCommandAsync(string configPath, IReadOnlyDictionary<string, string> environment, params string[] command)
    {
        var program = Path.Combine(AppContext.BaseDirectory, "LiveTracker.Web.dll");
        var start = new ProcessStartInfo("dotnet", ["exec", program, .. command, "--config", configPath]) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(90));
        await Task.WhenAll(output, errors);
        return process.ExitCode;
    }

    /// <summary>SIGTERM, as a service manager stops it, and waits for it to exit.</summary>
    public Task StopAsync() => SignalAsync("TERM");

    /// <summary>kill -9: no shutdown code runs.</summary>
    public Task KillAsync() => SignalAsync("KILL");

    /// <summary>SIGSTOP: the process stands still (as in a long pause of the machine) until <see cref="ResumeAsync"/>.</summary>
    public Task PauseAsync() => SendAsync("STOP");

    /// <summary>SIGCONT after <see cref="PauseAsync"/>.</summary>
    public Task ResumeAsync() => SendAsync("CONT");

    /// <summary>Waits until the process has ended by itself; false if it still runs after <paramref name="timeout"/>.</summary>
    public async Task<bool> WaitForExitAsync(TimeSpan timeout)
    {
        try
        {
            await _process.WaitForExitAsync().WaitAsync(timeout);
            _process.WaitForExit(); // flushes the redirected streams
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    private async Task SignalAsync(string signal)
    {
        await SendAsync(signal);
        await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        _process.WaitForExit(); // flushes the redirected streams
    }

    private async Task SendAsync(string signal)
    {
        using var kill = Process.Start("kill", [$"-{signal}", _process.Id.ToString(CultureInfo.InvariantCulture)])!;
        await kill.WaitForExitAsync();
    }

    private void Collect(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }

        if (ServingLine().Match(line) is { Success: true } match)
        {
            _serving.TrySetResult(new Uri(match.Groups[1].Value));
        }
    }

    [GeneratedRegex(@"is serving at (http://\S+)")]
    private static partial Regex ServingLine();
}
