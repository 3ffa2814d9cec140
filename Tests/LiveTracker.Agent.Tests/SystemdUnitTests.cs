using System.Diagnostics;
using Xunit;

namespace LiveTracker.Agent.Tests;

/// <summary>The user service file ships in deploy/systemd; systemd itself checks it.</summary>
public sealed class SystemdUnitTests
{
    [Fact]
    public void The_user_service_passes_systemd_verify_and_runs_the_agent()
    {
        var repo = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(repo, "LiveTracker.sln")))
        {
            repo = Path.GetDirectoryName(repo)!;
        }

        var unit = File.ReadAllText(Path.Combine(repo, "deploy", "systemd", "livetracker-agent.service"));
        Assert.Contains("ExecStart=%h/.local/bin/livetracker-agent run\n", unit, StringComparison.Ordinal);
        Assert.Contains("Restart=on-failure", unit, StringComparison.Ordinal);

        // Verify a copy whose %h is a home where install-agent.sh would have put the agent.
        var home = Directory.CreateTempSubdirectory("livetracker-unit-").FullName;
        try
        {
            Directory.CreateDirectory(Path.Combine(home, ".local", "bin"));
            File.CreateSymbolicLink(Path.Combine(home, ".local", "bin", "livetracker-agent"), Path.Combine(AppContext.BaseDirectory, "livetracker-agent"));
            var copy = Path.Combine(home, "livetracker-agent.service");
            File.WriteAllText(copy, unit.Replace("%h", home, StringComparison.Ordinal));
            var info = new ProcessStartInfo("systemd-analyze", ["verify", copy]) { RedirectStandardError = true, RedirectStandardOutput = true };
            using var verify = Process.Start(info)!;
            var output = verify.StandardOutput.ReadToEnd() + verify.StandardError.ReadToEnd();
            verify.WaitForExit();
            Assert.True(verify.ExitCode == 0 && !output.Contains("livetracker-agent.service", StringComparison.Ordinal), output);
        }
        finally
        {
            Directory.Delete(home, recursive: true);
        }
    }
}
