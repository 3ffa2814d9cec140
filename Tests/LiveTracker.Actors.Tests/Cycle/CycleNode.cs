using LiveTracker.Actors.Configuration;
using LiveTracker.Actors.Deadlines;
using LiveTracker.Actors.Hosting;
using LiveTracker.Actors.Payments;
using LiveTracker.Actors.Tests.Hosting;
using Microsoft.Extensions.Logging;

namespace LiveTracker.Actors.Tests.Cycle;

/// <summary>
/// One running node for the weekly-cycle scenarios: every entity region, the deadline keeper and the sandbox gateway
/// on the test's clock and database (an <see cref="AkkaTestNode"/>). Disposing it is a clean node shutdown; starting
/// another over the same database is the restart the scenarios put between their steps.
/// </summary>
internal sealed class CycleNode : IAsyncDisposable
{
    private readonly AkkaTestNode _akka;

    private CycleNode(AkkaTestNode akka) => _akka = akka;

    public static Task<CycleNode> StartAsync(
        TimeProvider clock, ILoggerFactory? loggers, IPaymentGateway gateway, Func<PersistenceSettings, PersistenceSettings> database) =>
        Task.Run(() => new CycleNode(AkkaTestNode.Start(clock, gateway, database, loggers)));

    /// <summary>Asks contract <paramref name="contractId"/>.</summary>
    public Task<T> Contract<T>(string contractId, object command) => _akka.AskAsync<ContractRegion, T>(contractId, command);

    /// <summary>Asks client <paramref name="clientId"/>'s billing account.</summary>
    public Task<T> Billing<T>(string clientId, object command) => _akka.AskAsync<BillingRegion, T>(clientId, command);

    /// <summary>The disputes open at the dispute desk.</summary>
    public async Task<IReadOnlyList<Operations.OpenDispute>> OpenDisputes() =>
        (await _akka.AskAsync<DisputeDeskRegion, Operations.OpenDisputes>(Operations.DisputeDesk.EntityId, new Operations.GetOpenDisputes())).Disputes;

    /// <summary>The deadline contract <paramref name="contractId"/> wants under <paramref name="name"/>, if the keeper holds one.</summary>
    public async Task<PendingDeadline?> ContractDeadline(string contractId, string name) =>
        (await _akka.DeadlinesAsync()).FirstOrDefault(d => d.Region == LiveTracker.Actors.Contracts.Contract.RegionType && d.EntityId == contractId && d.Name == name);

    public async ValueTask DisposeAsync() => await _akka.DisposeAsync();
}
