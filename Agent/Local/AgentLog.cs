using System.Globalization;

namespace LiveTracker.Agent.Local;

/// <summary>
/// The agent's log: one line per event in <c>agent.log</c> (rolled over at 1 MiB), the last lines kept in memory
/// for "report a problem". It records what the agent did, never what was typed, clicked or shown: no key, no
/// position, no window title.
/// </summary>
public sealed class AgentLog(string? path, TimeProvider clock, bool echo = false)
{
    private const long MaxBytes = 1024 * 1024;
    private const int Kept = 200;
    private readonly Queue<string> recent = new();
    private readonly Lock gate = new();

    public void Info(string message) => Write("info", message);

    public void Warn(string message) => Write("warn", message);

    /// <summary>The last lines, oldest first, at most <paramref name="maxChars"/> characters.</summary>
    public string Recent(int maxChars = 16_000)
    {
        lock (gate)
        {
            var text = string.Join('\n', recent);
            return text.Length <= maxChars ? text : text[^maxChars..];
        }
    }

    private void Write(string level, string message)
    {
        var line = string.Create(CultureInfo.InvariantCulture, $"{clock.GetUtcNow():yyyy-MM-ddTHH:mm:ss.fffZ} {level} {message}");
        lock (gate)
        {
            recent.Enqueue(line);
            while (recent.Count > Kept)
            {
                _ = recent.Dequeue();
            }

            if (echo)
            {
                Console.Error.WriteLine(line);
            }

            if (path is null)
            {
                return;
            }

            try
            {
                if (new FileInfo(path) is { Exists: true, Length: > MaxBytes })
                {
                    File.Move(path, path + ".1", overwrite: true);
                }

                File.AppendAllText(path, line + "\n");
            }
            catch (IOException)
            {
                // A full disk must not stop tracking; the in-memory lines remain.
            }
        }
    }
}
