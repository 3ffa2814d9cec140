using Microsoft.Extensions.Configuration;

namespace LiveTracker.Actors.Hocon;

public static class HoconConfigurationExtensions
{
    /// <summary>
    /// Adds a HOCON file. A relative <paramref name="path"/> is taken from the current directory at the
    /// time of the call (not from the builder's base path), so a path typed on a command line means
    /// what the operator expects.
    /// </summary>
    /// <param name="builder">The builder to add to.</param>
    /// <param name="path">The file to read.</param>
    /// <param name="optional">Whether a missing file is allowed.</param>
    /// <param name="environmentVariables">Lookup for <c>${?VAR}</c>; the process environment when null.</param>
    public static IConfigurationBuilder AddHoconFile(
        this IConfigurationBuilder builder,
        string path,
        bool optional = false,
        Func<string, string?>? environmentVariables = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrEmpty(path);
        return builder.Add(new HoconConfigurationSource
        {
            Path = Path.GetFullPath(path),
            Optional = optional,
            EnvironmentVariables = environmentVariables ?? Environment.GetEnvironmentVariable,
        });
    }

    /// <summary>Adds HOCON text; <paramref name="name"/> stands in for the file name in positions and errors.</summary>
    public static IConfigurationBuilder AddHoconString(
        this IConfigurationBuilder builder,
        string text,
        string name = "hocon",
        Func<string, string?>? environmentVariables = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(text);
        return builder.Add(new HoconConfigurationSource
        {
            Text = text,
            Name = name,
            EnvironmentVariables = environmentVariables ?? Environment.GetEnvironmentVariable,
        });
    }

    /// <summary>
    /// The provider whose value for <paramref name="key"/> wins (the last one that has it), or null when
    /// no provider has the key. Only a configuration root can answer; a section cannot see its providers.
    /// </summary>
    public static IConfigurationProvider? FindProvider(this IConfiguration configuration, string key)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        if (configuration is not IConfigurationRoot root)
        {
            return null;
        }

        foreach (var provider in root.Providers.Reverse())
        {
            if (provider.TryGet(key, out _))
            {
                return provider;
            }
        }

        return null;
    }

    /// <summary>
    /// Where the winning value of <paramref name="key"/> (e.g. <c>livetracker:http:port</c>) was written,
    /// when it came from HOCON. False when the key is absent, set by another provider that overrides the
    /// HOCON, or <paramref name="configuration"/> is not a root.
    /// </summary>
    public static bool TryGetHoconSource(this IConfiguration configuration, string key, out HoconSource source)
    {
        var provider = configuration.FindProvider(key);
        if (provider is HoconConfigurationProvider hocon)
        {
            return hocon.TryGetSource(key, out source);
        }

        // Objects and arrays have no value of their own, so no provider claims them; ask the HOCON ones.
        if (provider is null && configuration is IConfigurationRoot root)
        {
            foreach (var candidate in root.Providers.Reverse().OfType<HoconConfigurationProvider>())
            {
                if (candidate.TryGetSource(key, out source))
                {
                    return true;
                }
            }
        }

        source = default;
        return false;
    }
}
