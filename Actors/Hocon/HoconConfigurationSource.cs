using Microsoft.Extensions.Configuration;

namespace LiveTracker.Actors.Hocon;

/// <summary>
/// HOCON as an <see cref="IConfiguration"/> source, from a file (<see cref="Path"/>) or from text
/// (<see cref="Text"/>). Usually added with <see cref="HoconConfigurationExtensions.AddHoconFile"/>.
/// </summary>
public sealed class HoconConfigurationSource : IConfigurationSource
{
    /// <summary>Absolute path of the file to read; ignored when <see cref="Text"/> is set.</summary>
    public string? Path { get; init; }

    /// <summary>HOCON text to read instead of a file.</summary>
    public string? Text { get; init; }

    /// <summary>Name used in error messages; defaults to the file name.</summary>
    public string? Name { get; init; }

    /// <summary>When true, a missing file yields an empty configuration instead of an error.</summary>
    public bool Optional { get; init; }

    /// <summary>Environment variable lookup for <c>${?VAR}</c>; replaceable so tests stay hermetic.</summary>
    public Func<string, string?> EnvironmentVariables { get; init; } = Environment.GetEnvironmentVariable;

    public IConfigurationProvider Build(IConfigurationBuilder builder) => new HoconConfigurationProvider(this);
}
