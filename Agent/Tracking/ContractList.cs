using LiveTracker.Agent.Server;

namespace LiveTracker.Agent.Tracking;

/// <summary>
/// The freelancer's contracts as last read from the server, kept in the outbox so tracking can start offline. Their
/// terms rule the tracker: the segment length (the capture grid) and the idle timeout. Read again when older than
/// ten minutes.
/// </summary>
internal sealed class ContractList
{
    private const int DefaultIdleMinutes = 24;
    private static readonly TimeSpan FreshFor = TimeSpan.FromMinutes(10);
    private readonly Outbox.Outbox outbox;
    private readonly AgentClock clock;
    private readonly Func<ServerClient?> server;
    private DateTimeOffset readAt;

    public ContractList(Outbox.Outbox outbox, AgentClock clock, Func<ServerClient?> server)
    {
        this.outbox = outbox;
        this.clock = clock;
        this.server = server;
        All = outbox.Get<List<ContractInfo>>("contracts") ?? [];
    }

    public IReadOnlyList<ContractInfo> All { get; private set; }

    public ContractInfo? Get(string? contractId) => All.FirstOrDefault(c => c.ContractId == contractId);

    public int IdleMinutes(string contractId) => Get(contractId)?.IdleTimeoutMinutes ?? DefaultIdleMinutes;

    public int SegmentMinutes(string contractId) => Get(contractId)?.SegmentMinutes ?? 10;

    /// <summary>A new sign-in: the list is read again at the next sync.</summary>
    public void Forget() => readAt = default;

    /// <summary>The contract, from the list if it is fresh, else read again from the server.</summary>
    public async Task<ContractInfo?> FindAsync(string id, CancellationToken cancellationToken)
    {
        if (Get(id) is { } known && clock.GetUtcNow() - readAt < FreshFor)
        {
            return known;
        }

        _ = await LoadAsync(cancellationToken);
        return Get(id);
    }

    /// <summary>Reloads the contracts; returns why not when the server did not answer (the kept list stays).</summary>
    public async Task<string?> LoadAsync(CancellationToken cancellationToken)
    {
        if (server() is not { } client)
        {
            return "not signed in";
        }

        var answer = await client.ContractsAsync(cancellationToken);
        if (!answer.IsOk)
        {
            return answer.Message;
        }

        All = answer.Value!;
        readAt = clock.GetUtcNow();
        outbox.Set("contracts", answer.Value);
        return null;
    }

    /// <summary>The sync's reading: only when the list is older than ten minutes; a failure is tried again in a minute.</summary>
    public async Task RefreshIfStaleAsync(ServerClient client, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        if (now - readAt > FreshFor)
        {
            readAt = now;
            var list = await client.ContractsAsync(cancellationToken);
            if (list.IsOk)
            {
                All = list.Value!;
                outbox.Set("contracts", list.Value);
            }
            else
            {
                readAt = now - TimeSpan.FromMinutes(9);
            }
        }
    }
}
