using LiveTracker.Agent.Local;

namespace LiveTracker.Agent.Tests.Unit;

/// <summary>A fresh folder under /tmp for one test, removed afterwards; <see cref="Paths"/> puts the agent's files in it.</summary>
public sealed class TempFolder : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("livetracker-agent-unit-").FullName;

    /// <summary>The agent's config and data directories, not created yet (as on a first start).</summary>
    public AgentPaths Paths => new(System.IO.Path.Combine(Path, "config", "livetracker-agent"), System.IO.Path.Combine(Path, "data", "livetracker-agent"));

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(Path, recursive: true);
    }
}
