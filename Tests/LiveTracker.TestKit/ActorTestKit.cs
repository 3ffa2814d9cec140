using LiveTracker.Actors.Kernel;
using Microsoft.Extensions.Logging;

namespace LiveTracker.TestKit;

/// <summary>
/// Base for actor tests: an <see cref="ActorSystem"/> on a <see cref="ManualTimeProvider"/> with captured logs,
/// probes, and a clean shutdown when the test ends.
/// </summary>
public abstract class ActorTestKit : IAsyncDisposable, IDisposable
{
    private int _probeCounter;
    private bool _disposed;

    protected ActorTestKit(ActorSystemSettings? settings = null)
    {
        Clock = new ManualTimeProvider();
        Logs = new CapturingLoggerProvider();
        LoggerFactory = Microsoft.Extensions.Logging.LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Debug).AddProvider(Logs));
        Sys = ActorSystem.Create("test", settings, Clock, LoggerFactory);
    }

    /// <summary>How long expectations wait by default (real time).</summary>
    public static TimeSpan DefaultTimeout { get; } = TimeSpan.FromSeconds(10);

    public ManualTimeProvider Clock { get; }

    public CapturingLoggerProvider Logs { get; }

    public ILoggerFactory LoggerFactory { get; }

    public ActorSystem Sys { get; }

    public TestProbe CreateTestProbe(string? name = null) =>
        new(Sys, name ?? "probe-" + Interlocked.Increment(ref _probeCounter).ToString(System.Globalization.CultureInfo.InvariantCulture), DefaultTimeout);

    public async ValueTask DisposeAsync()
    {
        await DisposeAsyncCore();
        GC.SuppressFinalize(this);
    }

    public void Dispose()
    {
        DisposeAsyncCore().AsTask().GetAwaiter().GetResult();
        GC.SuppressFinalize(this);
    }

    protected virtual async ValueTask DisposeAsyncCore()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        await Sys.TerminateAsync().WaitAsync(DefaultTimeout);
        LoggerFactory.Dispose();
    }
}
