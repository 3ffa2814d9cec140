using System.Text.Json;

namespace LiveTracker.Agent.Local;

/// <summary>The signed-in freelancer: server address and bearer token, stored 0600 in the config directory.</summary>
public sealed record Credentials(Uri Server, string Token, string UserId, string Email)
{
    public static Credentials? Load(AgentPaths paths)
    {
        ArgumentNullException.ThrowIfNull(paths);
        if (!File.Exists(paths.Credentials))
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize(File.ReadAllText(paths.Credentials), AgentFileJson.Default.Credentials) is { Token.Length: > 0 } c ? c : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public void Save(AgentPaths paths)
    {
        ArgumentNullException.ThrowIfNull(paths);
        paths.Ensure();
        PrivateFile.Write(paths.Credentials, JsonSerializer.Serialize(this, AgentFileJson.Default.Credentials));
    }

    public static void Delete(AgentPaths paths)
    {
        ArgumentNullException.ThrowIfNull(paths);
        File.Delete(paths.Credentials);
    }
}
