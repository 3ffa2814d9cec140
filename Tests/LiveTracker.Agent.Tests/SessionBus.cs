using System.Diagnostics;
using System.Text;

namespace LiveTracker.Agent.Tests;

/// <summary>
/// A private D-Bus session bus (a real dbus-daemon on a socket in a temporary directory), a dbus-monitor
/// recording what crosses it, and optionally a small notification service on it. Everything is killed, and
/// waited for, on Dispose.
/// </summary>
public sealed class SessionBus : IDisposable
{
    private readonly string directory;
    private readonly List<Process> processes = [];
    private readonly StringBuilder monitored = new();

    private SessionBus(string directory) => this.directory = directory;

    public string Address { get; private set; } = "";

    /// <summary>Environment for code under test: this bus as the session bus.</summary>
    public IReadOnlyDictionary<string, string> Environment =>
        new Dictionary<string, string> { ["DBUS_SESSION_BUS_ADDRESS"] = Address, ["XDG_RUNTIME_DIR"] = "" };

    /// <summary>Everything dbus-monitor printed so far.</summary>
    public string Monitored
    {
        get
        {
            lock (monitored)
            {
                return monitored.ToString();
            }
        }
    }

    /// <summary>Starts the daemon and a monitor of the notification interface and of clients leaving the bus.</summary>
    public static SessionBus Start()
    {
        var directory = Directory.CreateTempSubdirectory("lt-bus-").FullName;
        var bus = new SessionBus(directory);
        try
        {
            var config = Path.Combine(directory, "session.conf");
            File.WriteAllText(config, $"""
                <!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
                 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
                <busconfig>
                  <type>session</type>
                  <listen>unix:path={directory}/bus</listen>
                  <auth>EXTERNAL</auth>
                  <policy context="default">
                    <allow send_destination="*" eavesdrop="true"/>
                    <allow eavesdrop="true"/>
                    <allow own="*"/>
                  </policy>
                </busconfig>
                """);
            var daemon = bus.Launch("dbus-daemon", null, null, $"--config-file={config}", "--print-address", "--nofork");
            var address = daemon.StandardOutput.ReadLineAsync();
            if (!address.Wait(TimeSpan.FromSeconds(10)) || string.IsNullOrWhiteSpace(address.Result))
            {
                throw new InvalidOperationException("dbus-daemon did not print its address");
            }

            bus.Address = address.Result.Trim();

            // Monitoring starts once the monitor has given up its own name (BecomeMonitor); wait for that.
            var monitor = bus.Launch("dbus-monitor", null, null, "--address", bus.Address,
                "interface='org.freedesktop.Notifications'",
                "type='signal',sender='org.freedesktop.DBus',member='NameOwnerChanged'");
            monitor.OutputDataReceived += (_, e) =>
            {
                if (e.Data is not null)
                {
                    lock (bus.monitored)
                    {
                        _ = bus.monitored.Append(e.Data).Append('\n');
                    }
                }
            };
            monitor.BeginOutputReadLine();
            bus.WaitFor(() => bus.Monitored.Contains("member=NameLost", StringComparison.Ordinal), "dbus-monitor to start");
            return bus;
        }
        catch
        {
            bus.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Starts a notification service owning org.freedesktop.Notifications: it answers Notify and, like a user,
    /// <paramref name="behaviour"/> "click" clicks the last action after 100 ms, "expire" closes the notification
    /// when its expire time is up, "never" leaves it on screen. CloseNotification closes it.
    /// </summary>
    public void StartNotificationService(string behaviour)
    {
        var script = Path.Combine(directory, "notifications.py");
        File.WriteAllText(script, NotificationService);
        var python = File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
        var errors = new StringBuilder();
        var service = Launch(python, new Dictionary<string, string> { ["DBUS_SESSION_BUS_ADDRESS"] = Address }, errors, script, behaviour);
        var ready = service.StandardOutput.ReadLineAsync();
        if (!ready.Wait(TimeSpan.FromSeconds(15)) || ready.Result != "ready")
        {
            Thread.Sleep(200);
            lock (errors)
            {
                throw new InvalidOperationException($"the notification service did not start ({python} needs python3-dbus "
                    + $"and python3-gi): {errors}");
            }
        }
    }

    public void WaitFor(Func<bool> condition, string what, int timeoutMs = 10_000)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.ElapsedMilliseconds > timeoutMs)
            {
                throw new TimeoutException($"timed out waiting for {what}; monitor saw:\n{Monitored}");
            }

            Thread.Sleep(20);
        }
    }

    private Process Launch(string file, Dictionary<string, string>? environment, StringBuilder? errors, params string[] args)
    {
        var info = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        foreach (var (name, value) in environment ?? [])
        {
            info.Environment[name] = value;
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException($"cannot start {file}");
        process.ErrorDataReceived += (_, e) =>
        {
            if (errors is not null && e.Data is not null)
            {
                lock (errors)
                {
                    _ = errors.AppendLine(e.Data);
                }
            }
        };
        process.BeginErrorReadLine();
        lock (processes)
        {
            processes.Add(process);
        }

        return process;
    }

    public void Dispose()
    {
        lock (processes)
        {
            // Clients first, the daemon (started first) last.
            foreach (var process in Enumerable.Reverse(processes))
            {
                XServer.Stop(process);
            }
        }

        Directory.Delete(directory, recursive: true);
    }

    private const string NotificationService = """
        import sys
        import dbus
        import dbus.service
        from dbus.mainloop.glib import DBusGMainLoop
        from gi.repository import GLib

        NAME = "org.freedesktop.Notifications"
        behaviour = sys.argv[1]


        class Notifications(dbus.service.Object):
            next_id = 0

            @dbus.service.method(NAME, in_signature="", out_signature="as")
            def GetCapabilities(self):
                return ["actions", "body", "body-images"]

            @dbus.service.method(NAME, in_signature="", out_signature="ssss")
            def GetServerInformation(self):
                return ("lt-test-notifications", "LiveTracker tests", "1", "1.2")

            @dbus.service.method(NAME, in_signature="susssasa{sv}i", out_signature="u")
            def Notify(self, app, replaces, icon, summary, body, actions, hints, expire):
                Notifications.next_id += 1
                nid = Notifications.next_id
                if behaviour == "click" and actions:
                    GLib.timeout_add(100, self.finish, nid, actions[-2], 2)
                elif behaviour == "expire":
                    GLib.timeout_add(max(int(expire), 1), self.finish, nid, None, 1)
                return nid

            @dbus.service.method(NAME, in_signature="u", out_signature="")
            def CloseNotification(self, nid):
                self.NotificationClosed(nid, 3)

            def finish(self, nid, action, reason):
                if action is not None:
                    self.ActionInvoked(nid, action)
                self.NotificationClosed(nid, reason)
                return False

            @dbus.service.signal(NAME, signature="us")
            def ActionInvoked(self, nid, action):
                pass

            @dbus.service.signal(NAME, signature="uu")
            def NotificationClosed(self, nid, reason):
                pass


        DBusGMainLoop(set_as_default=True)
        bus = dbus.SessionBus()
        name = dbus.service.BusName(NAME, bus, do_not_queue=True)
        Notifications(bus, "/org/freedesktop/Notifications")
        print("ready", flush=True)
        GLib.MainLoop().run()
        """;
}
