namespace LiveTracker.Actors.Configuration;

/// <summary><c>livetracker.http</c>: where the web host listens.</summary>
public sealed record HttpSettings
{
    /// <summary>IP address, <c>localhost</c>, or <c>*</c> for every interface.</summary>
    public required string Bind { get; init; }

    /// <summary>TCP port; 0 asks the OS for a free one (tests).</summary>
    public required int Port { get; init; }

    /// <summary>Sign-ins and registrations allowed per minute from one address (slows password guessing).</summary>
    public required int AuthRequestsPerMinute { get; init; }

    /// <summary>Screenshot uploads allowed per minute per user, after a burst of ten times that (an agent back from offline).</summary>
    public required int UploadsPerMinute { get; init; }

    /// <summary>
    /// One line per HTTP request (method, path without its query, status, duration) at information level. Off by
    /// default: at thousands of agents a line per request drowns what an operator needs to see.
    /// </summary>
    public bool AccessLog { get; init; }

    internal static HttpSettings Read(SettingsReader http) => new()
    {
        Bind = http.GetBindAddress("bind", "127.0.0.1"),
        Port = http.GetInt("port", 5080, 0, 65535),
        AuthRequestsPerMinute = http.GetInt("auth-requests-per-minute", 20, 1, 1_000_000),
        UploadsPerMinute = http.GetInt("uploads-per-minute", 60, 1, 1_000_000),
        AccessLog = http.GetBool("access-log", false),
    };
}
