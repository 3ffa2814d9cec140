using LiveTracker.Agent.Local;
using LiveTracker.Agent.Server;

namespace LiveTracker.Agent.Tracking;

/// <summary>
/// Who the agent is signed in as: the credentials file that <c>login</c> writes (and <c>logout</c> deletes), read
/// again whenever it changed while the agent runs, and the server client made from it.
/// </summary>
internal sealed class SignIn(AgentPaths paths, AgentLog log) : IDisposable
{
    private readonly Lock gate = new();
    private DateTime written;

    public Credentials? Credentials { get; private set; }

    /// <summary>The server, or null when signed out.</summary>
    public ServerClient? Server { get; private set; }

    /// <summary>
    /// Reads the credentials again if the file changed; then <paramref name="changed"/> runs (still under the lock, so two
    /// reloads never interleave) and the answer is true.
    /// </summary>
    public bool Reload(Action changed)
    {
        var now = File.Exists(paths.Credentials) ? File.GetLastWriteTimeUtc(paths.Credentials) : default;
        lock (gate)
        {
            if (now == written && (Server is not null || now == default))
            {
                return false;
            }

            written = now;
            Credentials = Credentials.Load(paths);
            // The old client is not disposed: a command or the uploader may still be using it; it is collected later.
            Server = Credentials is null ? null : new ServerClient(Credentials.Server, Credentials.Token);
            if (Server is not null)
            {
                log.Info($"signed in to {Credentials!.Server.GetLeftPart(UriPartial.Authority)} as {Credentials.Email}");
            }

            changed();
            return true;
        }
    }

    public void Dispose() => Server?.Dispose();
}
