using Microsoft.Extensions.Logging;
using Npgsql;

namespace LiveTracker.Actors.Persistence.Postgres;

/// <summary>
/// Keeps one connection LISTENing on <see cref="PostgresSchema.NotificationChannel"/> and turns every
/// notification (from any node) into a <see cref="JournalSignal"/> wake-up. Reconnects with back-off when the
/// connection drops; on every (re)connect and failure it wakes all waiters, because notifications sent
/// while nobody listened are lost and waiters must look at the database themselves.
/// </summary>
internal sealed partial class PostgresJournalListener : IAsyncDisposable
{
    /// <summary>An idle LISTEN connection is pinged this often, so a silently dead TCP connection is noticed.</summary>
    private static readonly TimeSpan IdlePingInterval = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan InitialReconnectDelay = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan MaxReconnectDelay = TimeSpan.FromSeconds(5);

    private readonly NpgsqlDataSource _dataSource;
    private readonly JournalSignal _signal;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _gate = new();
    private Task? _loop;

    public PostgresJournalListener(NpgsqlDataSource dataSource, JournalSignal signal, TimeProvider time, ILogger logger)
    {
        _dataSource = dataSource;
        _signal = signal;
        _time = time;
        _logger = logger;
    }

    /// <summary>Starts listening on first use, so nodes that never read the event log hold no extra connection.</summary>
    public void EnsureStarted()
    {
        if (Volatile.Read(ref _loop) is not null)
        {
            return;
        }

        lock (_gate)
        {
            if (_loop is null && !_stop.IsCancellationRequested)
            {
                Volatile.Write(ref _loop, Task.Run(() => RunAsync(_stop.Token)));
            }
        }
    }

    private async Task RunAsync(CancellationToken stop)
    {
        var delay = InitialReconnectDelay;
        while (!stop.IsCancellationRequested)
        {
            NpgsqlConnection? connection = null;
            try
            {
                connection = await _dataSource.OpenConnectionAsync(stop).ConfigureAwait(false);
                connection.Notification += OnNotification;
                await using (var listen = new NpgsqlCommand($"LISTEN {PostgresSchema.NotificationChannel}", connection))
                {
                    await listen.ExecuteNonQueryAsync(stop).ConfigureAwait(false);
                }

                LogListening(PostgresSchema.NotificationChannel);
                delay = InitialReconnectDelay;
                _signal.Notify(); // commits made while we were not listening sent nothing we could hear
                while (true)
                {
                    if (!await connection.WaitAsync(IdlePingInterval, stop).ConfigureAwait(false))
                    {
                        await using var ping = new NpgsqlCommand("SELECT 1", connection) { CommandTimeout = 10 };
                        await ping.ExecuteNonQueryAsync(stop).ConfigureAwait(false);
                    }
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                LogListenFailed(ex, delay.TotalMilliseconds);
                _signal.Notify();
                try
                {
                    await Task.Delay(delay, _time, stop).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    break;
                }

                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxReconnectDelay.Ticks));
            }
            finally
            {
                if (connection is not null)
                {
                    connection.Notification -= OnNotification;
                    await connection.DisposeAsync().ConfigureAwait(false);
                }
            }
        }
    }

    private void OnNotification(object sender, NpgsqlNotificationEventArgs e) => _signal.Notify();

    public async ValueTask DisposeAsync()
    {
        Task? loop;
        lock (_gate)
        {
            if (_stop.IsCancellationRequested)
            {
                return;
            }

            _stop.Cancel();
            loop = _loop;
        }

        if (loop is not null)
        {
            await loop.ConfigureAwait(false);
        }

        _stop.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Listening for journal notifications on {Channel}")]
    private partial void LogListening(string channel);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Journal LISTEN connection failed; reconnecting in {DelayMs} ms (readers fall back on polling)")]
    private partial void LogListenFailed(Exception exception, double delayMs);
}
