using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Runtime.Versioning;
using System.Text;
using System.Text.Json;
using LiveTracker.Actors.Configuration;
using LiveTracker.Agent.Control;
using LiveTracker.Agent.Local;
using LiveTracker.Agent.Tracking;
using LiveTracker.Agent.X11;
using LiveTracker.Testing;
using LiveTracker.Web.Hosting;

// The agent (X11, /proc) exists on Linux only, and so does its benchmark.
[assembly: SupportedOSPlatform("linux")]

namespace LiveTracker.Bench;

/// <summary>
/// The Linux desktop agent as a freelancer runs it: <c>livetracker-agent run</c> as its own process on a busy
/// 1920×1080 X desktop, signed in to a real node (in this process, SQLite) through a proxy that counts every byte,
/// on a fast clock shared by node and agent so ten-minute segments pass in seconds. Its CPU time and memory are read
/// from <c>/proc</c>: first while tracking (one capture per segment, input counted and sent each minute), then, as
/// the baseline, the same process signed in and not tracking for the same real time with the same typing.
/// </summary>
internal static class AgentBenchmark
{
    private const int Width = 1920, Height = 1080;
    private const double GoalCpuPercent = 1, GoalRssMb = 60, GoalKbPerSegment = 100;
    private const string Password = "agent bench password";
    private static readonly DateTimeOffset SimulatedStart = new(2026, 11, 18, 8, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Segment = TimeSpan.FromMinutes(10);
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private static readonly string[] Words = ["fix", "test", "build", "review", "commit", "deploy", "refactor", "merge"];

    public static async Task<string> RunAsync(string work, string agentExe, TimeSpan measured, double speed, string command, TextWriter log)
    {
        var directory = Directory.CreateDirectory(Path.Combine(work, "agent")).FullName;
        var ticksPerSecond = double.Parse(Shell("getconf", "CLK_TCK").Trim(), CultureInfo.InvariantCulture);
        log.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"agent: {Width}x{Height} busy desktop, clock {speed:0.#}x, {measured.TotalSeconds:N0} s tracked + {measured.TotalSeconds:N0} s idle (real)"));

        using var desktop = XServer.Start(windowManager: true, width: Width, height: Height);
        var typingWindow = BusyDesktop(desktop);

        // Node and agent share one fast clock; timeouts in the node's settings are on that clock.
        var clock = new AgentClock(speed, SimulatedStart, DateTimeOffset.UtcNow);
        var config = Path.Combine(directory, "node.conf");
        await File.WriteAllTextAsync(config, $$"""
            livetracker {
              data-directory = "{{Path.Combine(directory, "node")}}"
              http { bind = "127.0.0.1", port = 0, auth-requests-per-minute = 1000, uploads-per-minute = 100000 }
              persistence { provider = sqlite }
              actors { ask-timeout = 30m }
              sharding { passivate-idle-entity-after = 1h }
            }
            """);
        await using var node = LiveTrackerHost.Build(LiveTrackerSettings.Load(config), ["--Logging:LogLevel:Default=Warning"], clock);
        await node.StartAsync();
        await using var proxy = await CountingProxy.StartAsync(new Uri(node.Urls.Single()));
        var (freelancerEmail, contractId) = await SignUpAsync(new Uri(node.Urls.Single()));

        var home = Path.Combine(directory, "home");
        var paths = AgentPaths.FromEnvironment(name => name == "LIVETRACKER_AGENT_HOME" ? home : null);
        // The defaults (JPEG quality 40, at most 1280 wide, whole desktop), except the notice before each upload,
        // which would hold every capture back a minute waiting for a person to look at it.
        new AgentSettings().With("noticeBeforeUpload", "false").Save(paths);
        var agent = new AgentProcess(agentExe, home, clock, desktop.Display);
        try
        {
            _ = await agent.CliAsync(Password + "\n", "login", "--server", proxy.Address.ToString(), "--email", freelancerEmail, "--password-stdin");
            var started = Stopwatch.StartNew();
            agent.Start();
            await EventuallyAsync(() => ControlServer.Find(paths)?.Pid == agent.Pid, "the agent's control page", TimeSpan.FromSeconds(60), agent);
            var startup = started.Elapsed;
            _ = await agent.CliAsync("", "start", "--contract", contractId, "--memo", "Benchmark: busy desktop");

            // Warm-up (not measured): start-up, the first tick and the first capture, encoded and uploaded.
            using var control = new ControlClient(ControlServer.Find(paths)!);
            await EventuallyAsync(
                async () => (await control.StateAsync()).RecentCaptures.Any(c => c.State == "sent"), "the first capture to be uploaded",
                Segment / speed * 2 + TimeSpan.FromSeconds(30), agent);
            var warmUp = started.Elapsed;
            var keysPerBurst = Words.Average(w => w.Length + 1);
            var typingEvery = TimeSpan.FromMinutes(1) / speed;
            using var typing = new CancellationTokenSource();
            var typist = TypeAsync(desktop, typingWindow, typingEvery, typing.Token);

            var a = Reading.Take(agent.Pid, proxy, ticksPerSecond);
            log.WriteLine($"  tracking: warm-up done {warmUp.TotalSeconds:N1} s after start (control page after {startup.TotalSeconds:N1} s); measuring {measured.TotalSeconds:N0} s");
            await Task.Delay(measured);
            var b = Reading.Take(agent.Pid, proxy, ticksPerSecond);
            var state = await control.StateAsync();
            var sentCaptures = state.RecentCaptures.Where(c => c.State == "sent").ToList();
            var jpegBytes = sentCaptures.Count == 0 ? 0 : sentCaptures.Average(c => c.Bytes);
            log.WriteLine(b.Since(a).Describe("  tracked"));

            _ = await agent.CliAsync("", "stop");
            // Let the stop's last minute go out before the baseline starts.
            await Task.Delay(TimeSpan.FromSeconds(3));
            var c = Reading.Take(agent.Pid, proxy, ticksPerSecond);
            await Task.Delay(measured);
            var d = Reading.Take(agent.Pid, proxy, ticksPerSecond);
            log.WriteLine(d.Since(c).Describe("  idle   "));
            await typing.CancelAsync();
            var keysPerSecond = await typist;

            // The same captures made in this process from the same desktop: sizes at other settings, and what a poll costs.
            var sizes = CaptureSizes(desktop.Display);
            var pollMicroseconds = PollCost(desktop.Display);
            await agent.StopAsync();
            return Report(command, speed, startup, warmUp, ticksPerSecond, b.Since(a), d.Since(c), b, d, jpegBytes, sizes, pollMicroseconds,
                keysPerSecond, keysPerBurst, typingEvery);
        }
        catch
        {
            await Console.Error.WriteLineAsync("agent output (last lines):\n" + agent.Output);
            throw;
        }
        finally
        {
            await agent.DisposeAsync();
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        }
    }

    /// <summary>
    /// Four xterms tiling the screen, full of text in different colours (a directory listing, a licence, a build
    /// log), and a fifth in front where the freelancer types. Returns the window the typing goes to.
    /// </summary>
    private static string BusyDesktop(XServer desktop)
    {
        const string Listing = "ls -laR --color=always /usr/share | head -2000; cat /usr/share/common-licenses/GPL-3; sleep infinity";
        _ = desktop.Xterm("BenchList", "-geometry", "158x38+0+0", "-e", "sh", "-c", Listing);
        _ = desktop.Xterm("BenchLicense", "-geometry", "158x38+962+0", "-bg", "#1e1e2e", "-fg", "#cdd6f4", "-e", "sh", "-c",
            "cat /usr/share/common-licenses/GPL-3 /usr/share/common-licenses/Apache-2.0; sleep infinity");
        _ = desktop.Xterm("BenchLog", "-geometry", "158x38+0+545", "-bg", "#fdf6e3", "-fg", "#657b83", "-e", "sh", "-c",
            "ls -la --color=always /usr/bin /usr/lib | head -1000; dpkg -l | head -400; sleep infinity");
        _ = desktop.Xterm("BenchTop", "-geometry", "158x38+962+545", "-bg", "black", "-fg", "#a6e3a1", "-e", "sh", "-c",
            "ps auxww; cat /proc/cpuinfo /proc/meminfo; sleep infinity");
        var editor = desktop.Xterm("BenchTyping", "-geometry", "110x30+420+250", "-e", "sh", "-c", "head -40 /usr/share/common-licenses/GPL-2; exec cat");
        _ = desktop.Run("xdotool", "windowactivate", "--sync", editor);
        // Let the terminals finish printing before anything is measured.
        Thread.Sleep(2000);
        return editor;
    }

    /// <summary>Types a word and Return into the front terminal once every simulated minute; returns keys typed per real second.</summary>
    private static async Task<double> TypeAsync(XServer desktop, string window, TimeSpan every, CancellationToken cancellationToken)
    {
        var keys = 0;
        var word = 0;
        var clock = Stopwatch.StartNew();
        using var timer = new PeriodicTimer(every);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                var text = Words[word++ % Words.Length] + "\n";
                await Task.Run(() =>
                {
                    // xdotool types through XTEST into the focused window, as a keyboard would (RECORD sees it).
                    if (desktop.Run("xdotool", "getwindowfocus").Trim() != window)
                    {
                        _ = desktop.Run("xdotool", "windowactivate", "--sync", window);
                    }

                    _ = desktop.Run("xdotool", "type", "--delay", "20", text);
                }, CancellationToken.None);
                keys += text.Length;
            }
        }
        catch (OperationCanceledException)
        {
        }

        return keys / clock.Elapsed.TotalSeconds;
    }

    private static async Task<(string Email, string ContractId)> SignUpAsync(Uri node)
    {
        using var client = await SignedInAsync(node, "client", $"client-{Guid.NewGuid():N}@example.test");
        var email = $"freelancer-{Guid.NewGuid():N}@example.test";
        using var freelancer = await SignedInAsync(node, "freelancer", email);
        using var created = await client.PostAsJsonAsync("/api/contracts", new
        {
            freelancerEmail = email, title = "Agent benchmark", kind = "hourly", hourlyRateCents = 6000, currency = "USD", segmentMinutes = 10,
            idleTimeoutMinutes = 20,
        });
        _ = created.EnsureSuccessStatusCode();
        return (email, (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("contractId").GetString()!);
    }

    private static async Task<HttpClient> SignedInAsync(Uri node, string role, string email)
    {
        var http = new HttpClient { BaseAddress = node };
        using var registered = await http.PostAsJsonAsync("/api/auth/register", new { email, password = Password, displayName = role, role });
        _ = registered.EnsureSuccessStatusCode();
        using var login = await http.PostAsJsonAsync("/api/auth/login", new { email, password = Password });
        var token = (await login.EnsureSuccessStatusCode().Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return http;
    }

    private sealed record CaptureSize(string Setting, int Width, int Height, double JpegBytes, double ThumbnailBytes, double Milliseconds);

    /// <summary>The agent's own capture code (grab, scale, encode), in this process, on the same desktop: medians of 5.</summary>
    private static List<CaptureSize> CaptureSizes(string display)
    {
        using var tracked = TrackedDesktop.Open(TimeProvider.System, display);
        var result = new List<CaptureSize>();
        foreach (var (setting, quality, maxWidth) in (ReadOnlySpan<(string, int, int)>)[
            ("quality 60, at most 1600 wide", 60, 1600), ("quality 80, at most 1600 wide", 80, 1600), ("quality 60, full size", 60, 0),
            ("quality 40, at most 1600 wide", 40, 1600), ("quality 60, at most 1280 wide", 60, 1280), ("quality 50, at most 1280 wide", 50, 1280),
            ("quality 50, at most 1366 wide", 50, 1366), ("quality 40, at most 1280 wide (default)", 40, 1280)])
        {
            _ = tracked.Grab(CaptureArea.WholeDesktop, quality, maxWidth, blur: false);
            var shots = Enumerable.Range(0, 5).Select(_ =>
            {
                var clock = Stopwatch.StartNew();
                var shot = tracked.Grab(CaptureArea.WholeDesktop, quality, maxWidth, blur: false);
                return (shot, clock.Elapsed.TotalMilliseconds);
            }).ToList();
            result.Add(new CaptureSize(setting, shots[0].shot.Width, shots[0].shot.Height, Measure.Median(shots.Select(s => (double)s.shot.Jpeg.Length)),
                Measure.Median(shots.Select(s => (double)s.shot.Thumbnail.Length)), Measure.Median(shots.Select(s => s.TotalMilliseconds))));
        }

        return result;
    }

    /// <summary>
    /// What one tracking poll asks of X (idle time, the input counter's finished minutes), timed in this process:
    /// wall-clock microseconds, an upper bound on its CPU time since the X round trip is spent waiting.
    /// </summary>
    private static double PollCost(string display)
    {
        using var tracked = TrackedDesktop.Open(TimeProvider.System, display);
        const int Polls = 2_000;
        for (var i = 0; i < 200; i++)
        {
            _ = tracked.Idle();
            _ = tracked.DrainMinutes(DateTimeOffset.UtcNow);
        }

        var clock = Stopwatch.StartNew();
        for (var i = 0; i < Polls; i++)
        {
            _ = tracked.Idle();
            _ = tracked.DrainMinutes(DateTimeOffset.UtcNow);
        }

        return clock.Elapsed.TotalMicroseconds / Polls;
    }

    private static string Report(
        string command, double speed, TimeSpan startup, TimeSpan warmUp, double ticksPerSecond, Window tracked, Window idle, Reading afterTracked, Reading atEnd,
        double jpegBytes, List<CaptureSize> sizes, double pollMicroseconds, double keysPerSecond, double keysPerBurst, TimeSpan typingEvery)
    {
        var inv = CultureInfo.InvariantCulture;
        var segments = tracked.Seconds * speed / Segment.TotalSeconds;
        var idleRate = idle.CpuSeconds / idle.Seconds;
        var perSegment = (tracked.CpuSeconds - (idleRate * tracked.Seconds)) / segments;

        // The tracking loop polls every 5 s on the real clock but every max(5 s, 250 ms real) = 15 s of the 60x clock:
        // the default schedule has more polls per segment than were measured; they are added at their timed cost.
        var fastPoll = Math.Max(5, 0.25 * speed);
        var extraPolls = (Segment.TotalSeconds / 5) - (Segment.TotalSeconds / fastPoll);
        var pollSeconds = extraPolls * pollMicroseconds / 1e6;
        var defaultPercent = (((perSegment + pollSeconds) / Segment.TotalSeconds) + idleRate) * 100;
        var idlePercent = idleRate * 100;
        var peakMb = Mb(atEnd.PeakRssKb);
        var trafficTracked = tracked.Traffic;
        var uploads = trafficTracked[CountingProxy.Screenshots];
        var activity = trafficTracked[CountingProxy.Activity];
        var other = trafficTracked[CountingProxy.Other];
        var uploadPerCapture = uploads.Created == 0 ? 0 : uploads.SentBytes / (double)uploads.Created;
        var activityPerSegment = activity.SentBytes / segments;
        var otherPerSegment = other.SentBytes / segments;
        var sentPerSegment = uploadPerCapture + activityPerSegment + otherPerSegment;
        var receivedPerSegment = trafficTracked.ReceivedBytes / segments;
        var cpuMet = defaultPercent <= GoalCpuPercent;
        var rssMet = peakMb <= GoalRssMb;
        var bytesMet = sentPerSegment / 1000 <= GoalKbPerSegment;
        var verdict = cpuMet && rssMet && bytesMet ? "met"
            : "not met: " + string.Join(", ", new[] { (cpuMet, "CPU"), (rssMet, "RSS"), (bytesMet, "bytes") }
                .Select(g => $"{g.Item2} {(g.Item1 ? "met" : "not met")}"));

        var md = new StringBuilder();
        md.AppendLine(inv, $"### Agent: CPU, memory and bytes per segment on a busy {Width}×{Height} desktop ({tracked.Seconds:N0} s tracked at {speed:0.#}×)");
        md.AppendLine();
        md.AppendLine(inv, $"`livetracker-agent run` as its own process, as it ships (`dotnet publish Agent`: self-contained, the framework trimmed, ReadyToRun; its own runtimeconfig: workstation non-concurrent GC, no tiered recompilation) on an Xvfb {Width}×{Height}×24 with openbox and five xterms full of text in different colours (directory listings, licences, `ps`, `/proc/cpuinfo`), signed in to a real node in the bench process (SQLite journal, blobs on disk) through a proxy that counts every byte each way (request line, headers, body). Settings are the defaults (progressive JPEG quality 40, at most 1280 wide, whole desktop; the server makes the thumbnail) except `noticeBeforeUpload = false`, so each capture goes out when taken. Node and agent share a clock running {speed:0.#}× fast (`LIVETRACKER_AGENT_CLOCK`), so a 10-minute segment passes in {Segment.TotalSeconds / speed:0.#} s and the {tracked.Seconds:N0} s tracked are {segments:0.#} segments. Every simulated minute ({typingEvery.TotalSeconds:0.##} s real) `xdotool` types a word and Return into the front terminal ({keysPerBurst:0.#} keys, {keysPerSecond:0.#} keystrokes per real second), so every minute has activity to send.");
        md.AppendLine(inv, $"Measured from `/proc/<pid>`: CPU = utime + stime (`/proc/pid/stat`, {ticksPerSecond:N0} ticks/s), memory = VmRSS, VmHWM (peak), RssAnon, RssFile, RssShmem (`/proc/pid/status`). Start-up (control page after {startup.TotalSeconds:N1} s), sign-in, `start` and the first capture ({warmUp.TotalSeconds:N1} s in all) are not measured. **Baseline**: the same process after `livetracker-agent stop`, signed in and not tracking (its desktop connection and input counter still open), for the same real time with the same typing.");
        md.AppendLine(inv, $"Reproduce with `{command}`{(tracked.Seconds < 599 ? " (`--agent-seconds 600` gives the issue's 10-minute run)" : "")}; it takes about {(2 * tracked.Seconds + 40) / 60:N0} minutes.");
        md.AppendLine();
        md.AppendLine("| | tracking | baseline: signed in, not tracking |");
        md.AppendLine("|---|---:|---:|");
        md.AppendLine(inv, $"| real seconds measured | {tracked.Seconds:N1} | {idle.Seconds:N1} |");
        md.AppendLine(inv, $"| simulated minutes | {tracked.Seconds * speed / 60:N0} | {idle.Seconds * speed / 60:N0} |");
        md.AppendLine(inv, $"| **agent CPU seconds** | **{tracked.CpuSeconds:N2}** | **{idle.CpuSeconds:N2}** |");
        md.AppendLine(inv, $"| CPU % of one core (on the {speed:0.#}× clock) | {tracked.CpuSeconds / tracked.Seconds * 100:N2} | {idleRate * 100:N2} |");
        md.AppendLine(inv, $"| captures uploaded (201) | {uploads.Created:N0} | {idle.Traffic[CountingProxy.Screenshots].Created:N0} |");
        md.AppendLine(inv, $"| activity requests | {activity.Requests:N0} | {idle.Traffic[CountingProxy.Activity].Requests:N0} |");
        md.AppendLine(inv, $"| other requests (session sync, stop) | {other.Requests:N0} | {idle.Traffic[CountingProxy.Other].Requests:N0} |");
        md.AppendLine(inv, $"| bytes sent / received | {trafficTracked.SentBytes:N0} / {trafficTracked.ReceivedBytes:N0} | {idle.Traffic.SentBytes:N0} / {idle.Traffic.ReceivedBytes:N0} |");
        md.AppendLine(inv, $"| RSS at the end (MB) | {Mb(afterTracked.RssKb):N1} | {Mb(atEnd.RssKb):N1} |");
        md.AppendLine(inv, $"| of which anonymous / file-backed / shared (MB) | {Mb(afterTracked.RssAnonKb):N1} / {Mb(afterTracked.RssFileKb):N1} / {Mb(afterTracked.RssShmemKb):N1} | {Mb(atEnd.RssAnonKb):N1} / {Mb(atEnd.RssFileKb):N1} / {Mb(atEnd.RssShmemKb):N1} |");
        md.AppendLine(inv, $"| **peak RSS so far, VmHWM (MB)** | {Mb(afterTracked.PeakRssKb):N1} | **{peakMb:N1}** |");
        md.AppendLine(inv, $"| threads | {afterTracked.Threads} | {atEnd.Threads} |");
        md.AppendLine();
        md.AppendLine(inv, $"**CPU at the default schedule** (real clock, 10-minute segments): the work of a segment is the same on either clock (one capture grabbed, scaled, encoded and uploaded; ten minutes drained and sent; ten session syncs), so it is the tracked CPU above the baseline's per real second, per segment ({perSegment * 1000:N0} ms), spread over the segment's 600 s, plus the baseline's own {idlePercent:N3} % (which, measured on the fast clock, still has the once-a-simulated-minute session sync once a real second, so the estimate is an upper bound); the tracking loop's polls (every 5 s on the real clock, every {fastPoll:0.#} simulated s here) add {extraPolls:N0} per segment at {pollMicroseconds:N0} µs each (wall clock, timed in process): **{defaultPercent:N3} %** of one core. Tracked / baseline CPU over the same real time: {tracked.CpuSeconds / idle.CpuSeconds:N1}.");
        md.AppendLine();
        md.AppendLine("| sent per segment | requests | bytes |");
        md.AppendLine("|---|---:|---:|");
        md.AppendLine(inv, $"| screenshot upload (multipart: JPEG {jpegBytes / 1000:N1} KB, meta; headers) | {uploads.Created / segments:N1} | {uploadPerCapture:N0} |");
        md.AppendLine(inv, $"| activity minutes | {activity.Requests / segments:N1} | {activityPerSegment:N0} |");
        md.AppendLine(inv, $"| session sync and the rest | {other.Requests / segments:N1} | {otherPerSegment:N0} |");
        md.AppendLine(inv, $"| **all sent** | | **{sentPerSegment:N0}** |");
        md.AppendLine(inv, $"| received (answers) | | {receivedPerSegment:N0} |");
        md.AppendLine();
        md.AppendLine(inv, $"The same desktop captured with the agent's own code (`TrackedDesktop.Grab`: grab through MIT-SHM, scale, JPEG and 320-wide thumbnail through libturbojpeg) in the bench process, medians of 5:");
        md.AppendLine();
        md.AppendLine("| capture | size | JPEG KB | thumbnail KB | grab + encode ms |");
        md.AppendLine("|---|---|---:|---:|---:|");
        foreach (var size in sizes)
        {
            md.AppendLine(inv, $"| {size.Setting} | {size.Width}×{size.Height} | {size.JpegBytes / 1000:N1} | {size.ThumbnailBytes / 1000:N1} | {size.Milliseconds:N1} |");
        }

        md.AppendLine();
        md.AppendLine(inv, $"**Agent at the default schedule: {defaultPercent:N2} % CPU (baseline {idlePercent:N2} %), peak RSS {peakMb:N1} MB, {sentPerSegment / 1000:N1} KB sent per segment ({uploadPerCapture / 1000:N1} KB capture upload, {activityPerSegment / 1000:N1} KB activity)** (goal ≤ {GoalCpuPercent:0.#} % CPU, ≤ {GoalRssMb:N0} MB RSS, ≤ {GoalKbPerSegment:N0} KB per segment: {verdict}).");
        return md.ToString();

        static double Mb(long kb) => kb / 1024.0;
    }

    private static async Task EventuallyAsync(Func<Task<bool>> condition, string what, TimeSpan timeout, AgentProcess agent)
    {
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            if (clock.Elapsed > timeout)
            {
                throw new TimeoutException($"timed out after {timeout.TotalSeconds:N0} s waiting for {what}");
            }

            if (agent.HasExited)
            {
                throw new InvalidOperationException($"the agent exited while waiting for {what}");
            }

            await Task.Delay(100);
        }
    }

    private static async Task EventuallyAsync(Func<bool> condition, string what, TimeSpan timeout, AgentProcess agent) =>
        await EventuallyAsync(() => Task.FromResult(condition()), what, timeout, agent);

    private static string Shell(string file, params string[] args)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException($"cannot start {file}");
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return output;
    }

    /// <summary>The agent process at one moment: its CPU ticks and memory from /proc, and the proxy's counts.</summary>
    private sealed record Reading(
        long Ticks, double TicksPerSecond, long RssKb, long PeakRssKb, long RssAnonKb, long RssFileKb, long RssShmemKb, int Threads, TrafficCounts Traffic, long Timestamp)
    {
        public static Reading Take(int pid, CountingProxy proxy, double ticksPerSecond)
        {
            // Field 2 (comm) is in parentheses and may hold spaces: count fields after the last ')'. utime and stime are
            // fields 14 and 15, the 12th and 13th after it.
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
            var status = File.ReadAllLines($"/proc/{pid}/status")
                .Select(line => line.Split(':', 2))
                .Where(parts => parts.Length == 2)
                .ToDictionary(parts => parts[0], parts => parts[1].Trim());
            long Kb(string key) => long.Parse(status[key].Split(' ')[0], CultureInfo.InvariantCulture);
            return new Reading(ticks, ticksPerSecond, Kb("VmRSS"), Kb("VmHWM"), Kb("RssAnon"), Kb("RssFile"), Kb("RssShmem"),
                int.Parse(status["Threads"], CultureInfo.InvariantCulture), proxy.Snapshot(), Stopwatch.GetTimestamp());
        }

        public Window Since(Reading earlier) => new(
            (Ticks - earlier.Ticks) / TicksPerSecond, Stopwatch.GetElapsedTime(earlier.Timestamp, Timestamp).TotalSeconds, Traffic.Since(earlier.Traffic));
    }

    private sealed record Window(double CpuSeconds, double Seconds, TrafficCounts Traffic)
    {
        public string Describe(string name) => string.Create(CultureInfo.InvariantCulture,
            $"{name}: {CpuSeconds:N2} CPU s in {Seconds:N1} s ({CpuSeconds / Seconds * 100:N2} %), {Traffic[CountingProxy.Screenshots].Created} captures, {Traffic.SentBytes:N0} bytes sent");
    }

    /// <summary>The published <c>livetracker-agent</c> with its own home, the shared clock and the display; its output kept for failures.</summary>
    private sealed class AgentProcess(string exe, string home, AgentClock clock, string display) : IAsyncDisposable
    {
        private readonly Queue<string> output = new();
        private Process? process;

        public int Pid => process!.Id;

        public bool HasExited => process is { HasExited: true };

        public string Output
        {
            get
            {
                lock (output)
                {
                    return string.Join('\n', output);
                }
            }
        }

        public void Start()
        {
            process = Process.Start(Info("run")) ?? throw new InvalidOperationException("cannot start the agent");
            process.OutputDataReceived += (_, e) => Keep(e.Data);
            process.ErrorDataReceived += (_, e) => Keep(e.Data);
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
        }

        /// <summary>Runs one command of the agent's command line; fails unless it exits 0.</summary>
        public async Task<string> CliAsync(string stdin, params string[] args)
        {
            using var cli = Process.Start(Info(args)) ?? throw new InvalidOperationException("cannot start the agent");
            await cli.StandardInput.WriteAsync(stdin);
            cli.StandardInput.Close();
            var stdout = cli.StandardOutput.ReadToEndAsync();
            var stderr = cli.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
            await cli.WaitForExitAsync(timeout.Token);
            var text = (await stdout) + (await stderr);
            return cli.ExitCode == 0 ? text : throw new InvalidOperationException($"livetracker-agent {args[0]} exited {cli.ExitCode}: {text}");
        }

        public async Task StopAsync()
        {
            if (process is { HasExited: false })
            {
                using var kill = Process.Start("kill", ["-TERM", Pid.ToString(CultureInfo.InvariantCulture)]);
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
                await process.WaitForExitAsync(timeout.Token);
            }
        }

        private void Keep(string? line)
        {
            if (line is null)
            {
                return;
            }

            lock (output)
            {
                output.Enqueue(line);
                if (output.Count > 200)
                {
                    _ = output.Dequeue();
                }
            }
        }

        private ProcessStartInfo Info(params string[] args)
        {
            var info = new ProcessStartInfo(exe)
            {
                RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false,
            };
            foreach (var arg in args)
            {
                info.ArgumentList.Add(arg);
            }

            // The agent runs with its own runtimeconfig, not with GC settings this process may have been given.
            foreach (var key in info.Environment.Keys.Where(k => k.StartsWith("DOTNET_", StringComparison.OrdinalIgnoreCase)
                && !k.Equals("DOTNET_ROOT", StringComparison.OrdinalIgnoreCase)).ToList())
            {
                _ = info.Environment.Remove(key);
            }

            info.Environment["LIVETRACKER_AGENT_HOME"] = home;
            info.Environment["LIVETRACKER_AGENT_CLOCK"] = clock.Describe();
            info.Environment["DISPLAY"] = display;
            _ = info.Environment.Remove("WAYLAND_DISPLAY");
            _ = info.Environment.Remove("DBUS_SESSION_BUS_ADDRESS");
            return info;
        }

        public async ValueTask DisposeAsync()
        {
            if (process is null)
            {
                return;
            }

            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
            }

            process.Dispose();
        }
    }
}
