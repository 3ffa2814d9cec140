using System.CommandLine;
using System.Globalization;
using LiveTracker.Agent.Control;
using LiveTracker.Agent.Local;
using LiveTracker.Agent.Server;
using LiveTracker.Agent.Tracking;
using LiveTracker.Agent.X11;

[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]

namespace LiveTracker.Agent;

/// <summary>
/// <c>livetracker-agent</c>: <c>login</c> and <c>run</c> (the tracker with its control page), and commands that drive
/// the running tracker as its page does (<c>start</c>, <c>stop</c>, <c>memo</c>, <c>status</c>, …). Exit codes: 0 done,
/// 1 refused or failed (the message says why), 2 bad usage.
/// </summary>
internal static class Program
{
    private static async Task<int> Main(string[] args)
    {
        var paths = AgentPaths.FromEnvironment();
        var root = new RootCommand("LiveTracker agent: tracks time on your hourly contracts with one random screenshot per segment and activity counts.");

        var server = new Option<string>("--server") { Description = "The LiveTracker server, e.g. https://tracker.example.com", Required = true };
        var email = new Option<string?>("--email") { Description = "Your e-mail (asked when left out)" };
        var passwordStdin = new Option<bool>("--password-stdin") { Description = "Read the password from standard input" };
        var login = new Command("login", "Sign in as a freelancer; the token is kept 0600 in your config directory.") { server, email, passwordStdin };
        login.SetAction((r, ct) => LoginAsync(paths, r.GetValue(server)!, r.GetValue(email), r.GetValue(passwordStdin), ct));
        root.Subcommands.Add(login);

        var logout = new Command("logout", "Sign out and forget the token.");
        logout.SetAction((_, ct) => LogoutAsync(paths, ct));
        root.Subcommands.Add(logout);

        var run = new Command("run", "Run the tracker (the systemd user service runs this) and its control page on 127.0.0.1.");
        run.SetAction((_, ct) => RunAsync(paths, ct));
        root.Subcommands.Add(run);

        var contracts = new Command("contracts", "List your contracts (* marks the one tracked by default).");
        contracts.SetAction((_, ct) => ContractsAsync(paths, ct));
        root.Subcommands.Add(contracts);

        var useId = new Argument<string>("contract-id");
        var use = new Command("use", "Choose the contract to track.") { useId };
        use.SetAction((r, ct) => WithAgentOrFileAsync(paths, c => c.PostAsync("api/use", new UseBody(r.GetValue(useId))),
            () => UseWithoutAgentAsync(paths, r.GetValue(useId)!, ct)));
        root.Subcommands.Add(use);

        var contract = new Option<string?>("--contract") { Description = "Contract id (default: the chosen one)" };
        var memo = new Option<string?>("--memo") { Description = "What you are working on" };
        var label = new Option<string?>("--label") { Description = "Activity label, e.g. design or review" };
        var takeOver = new Option<bool>("--take-over") { Description = "Take tracking over from another computer" };
        var start = new Command("start", "Start tracking (switches contract when another is tracked).") { contract, memo, label, takeOver };
        start.SetAction((r, _) => WithAgentAsync(paths, c => c.PostAsync("api/start",
            new StartBody(r.GetValue(contract), r.GetValue(memo), r.GetValue(label), r.GetValue(takeOver)))));
        root.Subcommands.Add(start);

        var stop = new Command("stop", "Stop tracking.");
        stop.SetAction((_, _) => WithAgentAsync(paths, c => c.PostAsync("api/stop", new NoBody())));
        root.Subcommands.Add(stop);

        var memoText = new Argument<string?>("text") { Arity = ArgumentArity.ZeroOrOne };
        var memoLabel = new Option<string?>("--label") { Description = "Activity label" };
        var memoCommand = new Command("memo", "Change what you are working on (also while tracking); without text, answers \"still working on …?\" with yes.")
        {
            memoText, memoLabel,
        };
        memoCommand.SetAction((r, _) => WithAgentAsync(paths, c => r.GetValue(memoText) is { } text
            ? c.PutAsync("api/memo", new MemoBody(text, r.GetValue(memoLabel)))
            : c.PostAsync("api/memo-question", new NoBody())));
        root.Subcommands.Add(memoCommand);

        var status = new Command("status", "Tracking state and the three views of time: this session, today, this week.");
        status.SetAction((_, _) => StatusAsync(paths));
        root.Subcommands.Add(status);

        var captures = new Command("captures", "The last captures and where each is (waiting, sent, discarded, failed).");
        captures.SetAction((_, _) => CapturesAsync(paths));
        root.Subcommands.Add(captures);

        var discardKey = new Argument<string>("capture-id");
        var discard = new Command("discard", "Discard a capture (its segment's time is dropped), before or after upload.") { discardKey };
        discard.SetAction((r, _) => WithAgentAsync(paths, c => c.PostAsync($"api/captures/{Uri.EscapeDataString(r.GetValue(discardKey)!)}/discard", new NoBody())));
        root.Subcommands.Add(discard);

        var answer = new Argument<string>("answer") { Description = "keep or stop" };
        answer.AcceptOnlyFromAmong("keep", "stop");
        var idle = new Command("idle", "Answer the question after an idle pause: keep working or stop.") { answer };
        idle.SetAction((r, _) => WithAgentAsync(paths, c => c.PostAsync("api/idle", new IdleBody(r.GetValue(answer) == "keep"))));
        root.Subcommands.Add(idle);

        var key = new Argument<string?>("key") { Arity = ArgumentArity.ZeroOrOne };
        var value = new Argument<string?>("value") { Arity = ArgumentArity.ZeroOrOne };
        var settings = new Command("settings", "Show the settings, or set one: settings KEY VALUE.") { key, value };
        settings.SetAction((r, _) => SettingsAsync(paths, r.GetValue(key), r.GetValue(value)));
        root.Subcommands.Add(settings);

        var description = new Argument<string>("description");
        var report = new Command("report", "Report a problem: sends your description and the agent's recent log to the operators.") { description };
        report.SetAction((r, _) => WithAgentAsync(paths, c => c.PostAsync("api/report", new ReportBody(r.GetValue(description)))));
        root.Subcommands.Add(report);

        var open = new Command("open", "Print the control page's address.");
        open.SetAction(_ => OpenPage(paths));
        root.Subcommands.Add(open);

        var probe = new Command("probe", "Print what the agent sees on this X display (a capture is made, nothing is sent).");
        probe.SetAction(_ => Probe());
        root.Subcommands.Add(probe);

        return await root.Parse(args).InvokeAsync();
    }

    private static async Task<int> LoginAsync(AgentPaths paths, string address, string? email, bool passwordFromStdin, CancellationToken cancellationToken)
    {
        if (!Uri.TryCreate(address.Contains("://", StringComparison.Ordinal) ? address : "https://" + address, UriKind.Absolute, out var uri)
            || uri.Scheme is not ("http" or "https"))
        {
            Console.Error.WriteLine($"--server {address} is not an http(s) address.");
            return 2;
        }

        if (uri.Scheme == "http" && !uri.IsLoopback)
        {
            Console.Error.WriteLine("warning: plain http sends your password and screenshots unencrypted; use https outside a test setup.");
        }

        email ??= Ask("E-mail: ");
        var password = passwordFromStdin ? Console.In.ReadLine() ?? "" : AskSecret("Password: ");
        using var client = new ServerClient(new Uri(uri.GetLeftPart(UriPartial.Authority)), token: null);
        var answer = await client.LoginAsync(email?.Trim() ?? "", password, cancellationToken);
        if (!answer.IsOk)
        {
            Console.Error.WriteLine(answer.Kind == AnswerKind.SignedOut ? "Wrong e-mail or password." : answer.Message);
            return 1;
        }

        if (answer.Value!.Role != "freelancer")
        {
            // Not kept: sign the token just made out again.
            using var wrong = new ServerClient(client.Server, answer.Value.Token);
            _ = await wrong.LogoutAsync(cancellationToken);
            Console.Error.WriteLine($"{email} is a {answer.Value.Role} account; the tracker records a freelancer's time.");
            return 1;
        }

        new Credentials(client.Server, answer.Value.Token, answer.Value.UserId, email!.Trim()).Save(paths);
        Console.WriteLine($"Signed in to {client.Server.GetLeftPart(UriPartial.Authority)} as {email}.");
        using var signedIn = new ServerClient(client.Server, answer.Value.Token);
        var list = await signedIn.ContractsAsync(cancellationToken);
        if (list.IsOk)
        {
            var settings = LoadSettings(paths);
            var hourly = list.Value!.Where(c => c.Kind == "hourly" && !c.Ended).ToList();
            if (settings is not null && settings.ContractId is null && hourly is [var only])
            {
                (settings with { ContractId = only.ContractId }).Save(paths);
            }

            PrintContracts(list.Value!, LoadSettings(paths)?.ContractId);
        }

        return 0;
    }

    private static async Task<int> LogoutAsync(AgentPaths paths, CancellationToken cancellationToken)
    {
        if (Credentials.Load(paths) is not { } credentials)
        {
            Console.WriteLine("Not signed in.");
            return 0;
        }

        using var client = new ServerClient(credentials.Server, credentials.Token);
        var answer = await client.LogoutAsync(cancellationToken);
        Credentials.Delete(paths);
        Console.WriteLine(answer.IsOk || answer.Kind == AnswerKind.SignedOut ? "Signed out." : $"Forgot the sign-in here; the server did not answer ({answer.Message}).");
        return 0;
    }

    private static async Task<int> RunAsync(AgentPaths paths, CancellationToken cancellationToken)
    {
        ProcessMemory.TuneNativeHeap();
        AgentClock clock;
        AgentSettings settings;
        try
        {
            clock = AgentClock.Parse(Environment.GetEnvironmentVariable("LIVETRACKER_AGENT_CLOCK"));
            settings = AgentSettings.Load(paths);
        }
        catch (Exception e) when (e is FormatException or SettingsException)
        {
            Console.Error.WriteLine(e.Message);
            return 2;
        }

        paths.Ensure();
        using var instance = SingleInstance(paths);
        if (instance is null)
        {
            Console.Error.WriteLine($"The agent is already running{(ControlServer.Find(paths) is { } a ? $" (control page {a.Url})" : "")}.");
            return 1;
        }

        var log = new AgentLog(paths.Log, clock, echo: true);
        using var outbox = new Outbox.Outbox(paths.Outbox);
        outbox.Prune(clock.GetUtcNow().AddDays(-30));
        var notifier = new Desktop.DesktopNotifier();
        using var tracker = new Tracker(clock, paths, outbox, log, notifier, () => TrackedDesktop.Open(clock));
        await using var control = ControlServer.Start(tracker, log);
        control.Publish(paths);
        log.Info($"agent started (device {settings.DeviceId}); control page {control.Url}");
        if (clock.Speed != 1)
        {
            log.Warn($"clock runs {clock.Speed.ToString(CultureInfo.InvariantCulture)}x fast (LIVETRACKER_AGENT_CLOCK): for tests and demos only");
        }

        if (Credentials.Load(paths) is null)
        {
            log.Warn("not signed in: run livetracker-agent login --server URL");
        }

        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var term = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, context =>
        {
            context.Cancel = true;
            stopping.Cancel();
        });
        await tracker.RunAsync(stopping.Token);

        // A clean stop (logout, shutdown, service restart): the current minute is kept and the server told; a restart
        // within the idle timeout resumes tracking.
        using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await tracker.ShutdownAsync(grace.Token);
        File.Delete(paths.Control);
        log.Info("agent stopped");
        return 0;
    }

    private static FileStream? SingleInstance(AgentPaths paths)
    {
        try
        {
            return new FileStream(Path.Combine(paths.DataDirectory, "agent.lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static async Task<int> ContractsAsync(AgentPaths paths, CancellationToken cancellationToken)
    {
        if (Credentials.Load(paths) is not { } credentials)
        {
            Console.Error.WriteLine("Not signed in: livetracker-agent login --server URL");
            return 1;
        }

        using var client = new ServerClient(credentials.Server, credentials.Token);
        var answer = await client.ContractsAsync(cancellationToken);
        if (!answer.IsOk)
        {
            Console.Error.WriteLine(answer.Message);
            return 1;
        }

        PrintContracts(answer.Value!, LoadSettings(paths)?.ContractId);
        return 0;
    }

    private static void PrintContracts(IReadOnlyList<ContractInfo> contracts, string? chosen)
    {
        if (contracts.Count == 0)
        {
            Console.WriteLine("No contracts yet: a client starts one with your e-mail.");
            return;
        }

        foreach (var c in contracts)
        {
            var rate = c.Kind == "hourly" ? string.Create(CultureInfo.InvariantCulture, $"{c.HourlyRateCents / 100m:0.00} {c.Currency}/h") : "fixed price";
            Console.WriteLine($"{(c.ContractId == chosen ? "*" : " ")} {c.ContractId}  {c.Title}  ({rate}{(c.Ended ? ", ended" : "")})");
        }
    }

    private static async Task<int> StatusAsync(AgentPaths paths) => await WithAgentViewAsync(paths, view =>
    {
        Console.WriteLine($"{view.Status switch { "tracking" => "Tracking", "idle" => "Paused (idle)", "display-lost" => "Paused (no display)", _ => "Not tracking" }}"
            + (view.ContractTitle is null ? "" : $" — {view.ContractTitle}") + (view.Memo is { Length: > 0 } m ? $": {m}" : ""));
        Console.WriteLine($"  this session  {Clock(view.SessionSeconds / 60)}");
        Console.WriteLine($"  today         {Clock(view.TodayMinutes)}");
        Console.WriteLine($"  this week     {Clock(view.WeekMinutes)}"
            + (view.PendingMinutes > 0 ? $" (of which {Clock(view.PendingMinutes)} waiting to upload)" : "")
            + (view.Currency is null ? "" : string.Create(CultureInfo.InvariantCulture, $"  {view.WeekAmountCents / 100m:0.00} {view.Currency}")));
        if (view.IdlePrompt is { } idle)
        {
            Console.WriteLine($"  idle since {idle.IdleSince.ToLocalTime():HH:mm} — keep working? livetracker-agent idle keep|stop");
        }

        foreach (var line in new[] { view.MemoQuestion, view.Notice, view.ServerTrouble, view.NotifierProblem }.OfType<string>())
        {
            Console.WriteLine($"  ! {line}");
        }

        if (view.CapturesWaiting + view.MinutesWaiting > 0)
        {
            Console.WriteLine($"  waiting to upload: {view.CapturesWaiting} captures, {view.MinutesWaiting} activity minutes");
        }

        foreach (var problem in view.Problems)
        {
            Console.WriteLine($"  ! {problem}");
        }

        if (!view.SignedIn)
        {
            Console.WriteLine("  not signed in: livetracker-agent login --server URL");
        }

        return 0;
    });

    private static async Task<int> CapturesAsync(AgentPaths paths) => await WithAgentViewAsync(paths, view =>
    {
        foreach (var c in view.RecentCaptures)
        {
            Console.WriteLine($"{c.Key}  {c.CapturedAt.ToLocalTime():yyyy-MM-dd HH:mm:ss}  {c.State,-9}  {c.Bytes / 1024} KiB"
                + (c.Black ? "  black screen" : "") + (c.Problem is { } p && c.State == "failed" ? $"  {p}" : ""));
        }

        if (view.RecentCaptures.Count == 0)
        {
            Console.WriteLine("No captures yet.");
        }

        return 0;
    });

    private static async Task<int> SettingsAsync(AgentPaths paths, string? key, string? value)
    {
        if (key is not null && value is not null)
        {
            return await WithAgentOrFileAsync(paths, c => c.PutAsync($"api/settings/{Uri.EscapeDataString(key)}", new SettingBody(value)),
                () => Task.FromResult(SetSettingInFile(paths, key, value)));
        }

        var settings = LoadSettings(paths);
        if (settings is null)
        {
            return 2;
        }

        foreach (var (name, meaning) in AgentSettings.Keys)
        {
            if (key is null || key == name)
            {
                Console.WriteLine($"{name} = {settings.ValueOf(name)}    ({meaning})");
            }
        }

        return key is null || AgentSettings.Keys.ContainsKey(key) ? 0 : Fail($"unknown setting '{key}'");
    }

    /// <summary><c>use</c> while the agent is not running: the id is checked with the server, then written to settings.json.</summary>
    private static async Task<int> UseWithoutAgentAsync(AgentPaths paths, string contractId, CancellationToken cancellationToken)
    {
        if (Credentials.Load(paths) is not { } credentials)
        {
            return Fail("Not signed in: livetracker-agent login --server URL");
        }

        using var client = new ServerClient(credentials.Server, credentials.Token);
        var answer = await client.ContractsAsync(cancellationToken);
        if (!answer.IsOk)
        {
            return Fail($"Cannot check the contract now: {answer.Message}");
        }

        return answer.Value!.FirstOrDefault(c => c.ContractId == contractId) is { } contract
            ? SetSettingInFile(paths, "contractId", contract.ContractId)
            : Fail($"No contract {contractId} among yours (livetracker-agent contracts lists them).");
    }

    private static int SetSettingInFile(AgentPaths paths, string key, string value)
    {
        try
        {
            var settings = AgentSettings.Load(paths).With(key, value);
            settings.Save(paths);
            Console.WriteLine($"{key} = {settings.ValueOf(key)}");
            return 0;
        }
        catch (SettingsException e)
        {
            return Fail(e.Message);
        }
    }

    private static AgentSettings? LoadSettings(AgentPaths paths)
    {
        try
        {
            return AgentSettings.Load(paths);
        }
        catch (SettingsException e)
        {
            Console.Error.WriteLine(e.Message);
            return null;
        }
    }

    private static int OpenPage(AgentPaths paths)
    {
        if (ControlServer.Find(paths) is not { } address)
        {
            return Fail(NotRunning);
        }

        Console.WriteLine(address.Url);
        return 0;
    }

    private const string NotRunning =
        "The agent is not running: start it with `livetracker-agent run` (or `systemctl --user start livetracker-agent`).";

    private static async Task<int> WithAgentAsync(AgentPaths paths, Func<ControlClient, Task<CommandResult>> command) =>
        await WithAgentOrFileAsync(paths, command, () => Task.FromResult(Fail(NotRunning)));

    private static async Task<int> WithAgentOrFileAsync(AgentPaths paths, Func<ControlClient, Task<CommandResult>> command, Func<Task<int>> withoutAgent)
    {
        if (ControlServer.Find(paths) is not { } address)
        {
            return await withoutAgent();
        }

        using var client = new ControlClient(address);
        try
        {
            var result = await command(client);
            (result.Ok ? Console.Out : Console.Error).WriteLine(result.Message);
            return result.Ok ? 0 : 1;
        }
        catch (HttpRequestException e)
        {
            return Fail($"The agent did not answer ({e.Message}).");
        }
        catch (TaskCanceledException)
        {
            return Fail("The agent did not answer in time (is the server hanging?); see `livetracker-agent status`.");
        }
    }

    private static async Task<int> WithAgentViewAsync(AgentPaths paths, Func<TrackerView, int> show)
    {
        if (ControlServer.Find(paths) is not { } address)
        {
            return Fail(NotRunning);
        }

        using var client = new ControlClient(address);
        try
        {
            return show(await client.StateAsync());
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return Fail($"The agent did not answer ({e.Message}).");
        }
    }

    private static int Probe()
    {
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
            return Fail(e.Message);
        }
    }

    private static string Clock(int minutes) => string.Create(CultureInfo.InvariantCulture, $"{minutes / 60}:{minutes % 60:00}");

    private static int Fail(string message)
    {
        Console.Error.WriteLine(message);
        return 1;
    }

    private static string? Ask(string prompt)
    {
        Console.Write(prompt);
        return Console.ReadLine();
    }

    private static string AskSecret(string prompt)
    {
        if (Console.IsInputRedirected)
        {
            return Console.ReadLine() ?? "";
        }

        Console.Write(prompt);
        var text = new System.Text.StringBuilder();
        while (Console.ReadKey(intercept: true) is var key && key.Key != ConsoleKey.Enter)
        {
            if (key.Key == ConsoleKey.Backspace)
            {
                text.Length = Math.Max(0, text.Length - 1);
            }
            else if (!char.IsControl(key.KeyChar))
            {
                text.Append(key.KeyChar);
            }
        }

        Console.WriteLine();
        return text.ToString();
    }
}
