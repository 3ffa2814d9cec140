namespace LiveTracker.Agent.Local;

/// <summary>
/// Where the agent keeps its files, following the XDG base directories: the sign-in and settings in the config
/// directory (<c>~/.config/livetracker-agent</c>), the outbox database and the log in the data directory
/// (<c>~/.local/share/livetracker-agent</c>). <c>LIVETRACKER_AGENT_HOME</c> puts both under one folder (a second
/// agent, tests).
/// </summary>
public sealed record AgentPaths(string ConfigDirectory, string DataDirectory)
{
    public string Credentials => Path.Combine(ConfigDirectory, "credentials.json");

    public string Settings => Path.Combine(ConfigDirectory, "settings.json");

    /// <summary>The running agent's control address and secret, for the command line (0600).</summary>
    public string Control => Path.Combine(DataDirectory, "control.json");

    public string Outbox => Path.Combine(DataDirectory, "outbox.db");

    public string Log => Path.Combine(DataDirectory, "agent.log");

    public static AgentPaths FromEnvironment(Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        if (environment("LIVETRACKER_AGENT_HOME") is { Length: > 0 } home)
        {
            return new AgentPaths(Path.Combine(home, "config"), Path.Combine(home, "data"));
        }

        var user = environment("HOME") is { Length: > 0 } h ? h : Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        var config = environment("XDG_CONFIG_HOME") is { Length: > 0 } c ? c : Path.Combine(user, ".config");
        var data = environment("XDG_DATA_HOME") is { Length: > 0 } d ? d : Path.Combine(user, ".local", "share");
        return new AgentPaths(Path.Combine(config, "livetracker-agent"), Path.Combine(data, "livetracker-agent"));
    }

    /// <summary>Creates both directories (or tightens them, when they exist) readable by their owner only.</summary>
    public void Ensure()
    {
        const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
        foreach (var directory in (string[])[ConfigDirectory, DataDirectory])
        {
            Directory.CreateDirectory(directory, OwnerOnly);
            if (File.GetUnixFileMode(directory) != OwnerOnly)
            {
                File.SetUnixFileMode(directory, OwnerOnly);
            }
        }
    }
}

/// <summary>Writes small files that hold secrets: created 0600 before any byte is written, replaced atomically.</summary>
public static class PrivateFile
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    public static void Write(string path, string text) => WriteBytes(path, System.Text.Encoding.UTF8.GetBytes(text));

    public static void WriteBytes(string path, byte[] bytes)
    {
        var temporary = path + ".tmp";
        File.Delete(temporary);
        using (var stream = new FileStream(temporary, new FileStreamOptions
        {
            Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = OwnerOnly,
        }))
        {
            stream.Write(bytes);
            stream.Flush(flushToDisk: true);
        }

        File.Move(temporary, path, overwrite: true);
    }
}
