namespace LiveTracker.Actors.Hocon;

/// <summary>Entry point for reading HOCON text into a resolved tree.</summary>
public static class HoconDocument
{
    /// <summary>
    /// Parses <paramref name="text"/> and resolves its substitutions.
    /// </summary>
    /// <param name="text">The HOCON text.</param>
    /// <param name="sourceName">Name used in positions and error messages, usually the file name.</param>
    /// <param name="environmentVariables">
    /// Looks up environment variables for <c>${?VAR}</c>; defaults to the process environment. Tests pass
    /// their own so they never touch the real environment.
    /// </param>
    /// <exception cref="HoconException">The text is not valid or a required substitution cannot be resolved.</exception>
    public static HoconObject Parse(string text, string sourceName, Func<string, string?>? environmentVariables = null)
    {
        var root = HoconParser.Parse(text, sourceName);
        new HoconResolver(root, environmentVariables ?? Environment.GetEnvironmentVariable).ResolveAll();
        return root;
    }

    /// <summary>Reads and parses a file; positions name the file by its file name.</summary>
    public static HoconObject Load(string path, Func<string, string?>? environmentVariables = null) =>
        Parse(File.ReadAllText(path), Path.GetFileName(path), environmentVariables);
}
