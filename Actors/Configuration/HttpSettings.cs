namespace LiveTracker.Actors.Configuration;

/// <summary><c>livetracker.http</c>: where the web host listens.</summary>
public sealed record HttpSettings
{
    /// <summary>IP address, <c>localhost</c>, or <c>*</c> for every interface.</summary>
    public required string Bind { get; init; }

    /// <summary>TCP port; 0 asks the OS for a free one (tests).</summary>
    public required int Port { get; init; }

    internal static HttpSettings Read(SettingsReader http) => new()
    {
        Bind = http.GetBindAddress("bind", "127.0.0.1"),
        Port = http.GetInt("port", 5080, 0, 65535),
    };
}
