using LiveTracker.Agent.Local;
using LiveTracker.Agent.Outbox;
using LiveTracker.Agent.Server;
using static LiveTracker.Agent.Tracking.Moments;

namespace LiveTracker.Agent.Tracking;

/// <summary>
/// Keeps the server's tracking session in step with the agent's (ADR 0007): the agent owns the desired state, and
/// this loop, every minute or at once when <see cref="Soon"/> is called, brings the server to it. It runs outside
/// the tracker's lock, so a hung server never holds the tick; it takes the lock only to read the desired state and
/// to stop tracking here.
/// </summary>
internal sealed class SessionSync(Tracker tracker, SignIn signIn, ContractList contracts, Uploader uploader, AgentClock clock, AgentLog log)
{
    private readonly Signal soon = new();

    /// <summary>
    /// Whether the server has confirmed this session since it began here: a session the server then reports stopped by
    /// someone (the web page, another tool) stops here too; one never confirmed is started there.
    /// </summary>
    public bool Confirmed { get; set; }

    /// <summary>The server's time totals, as last read, and when.</summary>
    public TrackingInfo? Totals { get; private set; }

    public DateTimeOffset? TotalsAt { get; private set; }

    /// <summary>The desired state changed: sync now rather than at the next minute.</summary>
    public void Soon() => soon.Set();

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await SyncOnceAsync(cancellationToken);
                await soon.WaitAsync(Max(TimeSpan.FromMinutes(1), clock.Scale(TimeSpan.FromSeconds(1))), clock, cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
        }
    }

    /// <summary>
    /// Keeps the server's tracking session in step with this agent's. It starts one the server stopped while this agent
    /// was away (its idle verdict, a restart, an outage) or never had (offline start). It stops tracking here when the
    /// session was stopped from elsewhere (the web page), taken over by another computer, or refused. It stops one left
    /// running for this device. It also refreshes the time totals and, every ten minutes, the contracts.
    /// </summary>
    public async Task SyncOnceAsync(CancellationToken cancellationToken)
    {
        tracker.LoadCredentials();
        var client = signIn.Server;
        if (client is null || uploader.SignedOut)
        {
            return;
        }

        // Outside the lock: a hung server must not stop the tick. A failure is tried again in a minute.
        await contracts.RefreshIfStaleAsync(client, cancellationToken);

        var (wanted, contractId, confirmed) = await tracker.SnapshotAsync(cancellationToken);
        var answer = await client.TrackingAsync(contractId, cancellationToken);
        if (!answer.IsOk)
        {
            return;
        }

        var info = answer.Value!;
        (Totals, TotalsAt) = (info, clock.GetUtcNow());
        var mine = info.Active && info.DeviceId == tracker.DeviceId;
        if (wanted is null)
        {
            if (mine && info.ContractId is { } stale)
            {
                _ = await client.StopAsync(stale, tracker.DeviceId, cancellationToken);
            }

            return;
        }

        if (mine && info.ContractId == wanted.ContractId)
        {
            Confirmed = true;
            if (info.Memo != wanted.Memo)
            {
                _ = await client.MemoAsync(wanted.ContractId, wanted.Memo, wanted.ActivityLabel, cancellationToken);
            }

            return;
        }

        if (!info.Active && confirmed && info.LastStopReason is "stopped" or "contract-ended")
        {
            await tracker.StopHereAsync(wanted, info.LastStopReason == "stopped"
                ? "Tracking was stopped on the server (from the web page or another tool)."
                : "Tracking stopped: the contract has ended.", cancellationToken);
            return;
        }

        var started = await client.StartAsync(wanted.ContractId, wanted.Memo, wanted.ActivityLabel, tracker.DeviceId, takeOver: false, cancellationToken);
        if (started.IsOk)
        {
            Confirmed = true;
            log.Info(info.Active ? "server session moved to this device" : "server session started again (it had stopped while this agent was away)");
            return;
        }

        // A refusal with a reason ends tracking here; one without (a proxy's error page) is tried again next round.
        if (started.Kind == AnswerKind.Refused && started.Code is not null)
        {
            await tracker.StopHereAsync(wanted, started.Code == "session-active-elsewhere"
                ? "Tracking stopped here: it is on at another computer now."
                : $"Tracking stopped: {started.Message}", cancellationToken);
        }
    }
}
