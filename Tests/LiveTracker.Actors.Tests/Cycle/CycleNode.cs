using LiveTracker.Actors.Cluster;
using LiveTracker.Actors.Configuration;
using LiveTracker.Actors.Contracts;
using LiveTracker.Actors.Kernel;
using LiveTracker.Actors.Payments;
using LiveTracker.Actors.Persistence;
using LiveTracker.Actors.Reminders;
using LiveTracker.Actors.Tests.Hosting;
using BillingRegion = LiveTracker.Actors.Hosting.BillingRegion;
using DisputeDeskRegion = LiveTracker.Actors.Hosting.DisputeDeskRegion;
using UserRegion = LiveTracker.Actors.Hosting.UserRegion;
using LiveTracker.TestKit;
using Microsoft.Extensions.Logging;

namespace LiveTracker.Actors.Tests.Cycle;

/// <summary>
/// One running node for the weekly-cycle scenarios: a store, an actor system on the test's manual clock, the
/// domain regions and the reminder delivery, beside the entities already on Akka.NET (users, billing accounts, the
/// dispute desk: an <see cref="AkkaTestNode"/> on the same clock and database, reached through bridges). Disposing it is a clean node shutdown; starting another over the
/// same database is the restart the scenarios put between their steps.
/// </summary>
internal sealed class CycleNode : IAsyncDisposable
{
    private readonly IPersistenceStore _store;
    private readonly ActorSystem _system;
    private readonly ReminderDelivery _delivery;
    private readonly AkkaTestNode _akka;

    private CycleNode(IPersistenceStore store, ActorSystem system, DomainRegions regions, ReminderDelivery delivery, AkkaTestNode akka)
    {
        _store = store;
        _system = system;
        Regions = regions;
        _delivery = delivery;
        _akka = akka;
    }

    public DomainRegions Regions { get; }

    /// <summary>Asks client <paramref name="clientId"/>'s billing account.</summary>
    public Task<T> Billing<T>(string clientId, object command) => _akka.AskAsync<BillingRegion, T>(clientId, command);

    /// <summary>The disputes open at the dispute desk.</summary>
    public async Task<IReadOnlyList<Operations.OpenDispute>> OpenDisputes() =>
        (await _akka.AskAsync<DisputeDeskRegion, Operations.OpenDisputes>(Operations.DisputeDesk.EntityId, new Operations.GetOpenDisputes())).Disputes;

    public IReminderStore Reminders => _store.Reminders;

    public static async Task<CycleNode> StartAsync(
        IPersistenceStore store, ManualTimeProvider clock, ILoggerFactory loggers, IPaymentGateway gateway, Func<PersistenceSettings, PersistenceSettings> akkaDatabase)
    {
        await store.InitializeAsync();
        var akka = AkkaTestNode.Start(clock, gateway, akkaDatabase, loggers);
        var system = ActorSystem.Create("cycle", time: clock, loggerFactory: loggers);
        var persistence = new PersistenceContext(store, new EventSerializer().RegisterAssembly(typeof(Contract).Assembly), SnapshotEvery: 7);
        var regions = DomainRegions.Start(system, persistence, new RegionSettings { ShardCount = 4 }, ContractRules.Default, TimeSpan.FromMinutes(2),
            akka.Bridge<UserRegion>(), akka.Bridge<BillingRegion>(), akka.Bridge<DisputeDeskRegion>());
        var delivery = regions.StartReminderDelivery(
            store.Reminders, loggers.CreateLogger<ReminderDelivery>(), new ReminderDeliverySettings
            {
                // The tests jump the clock by days: a timeout on it would expire under a delivery in flight.
                PollInterval = TimeSpan.FromDays(30),
                AckTimeout = TimeSpan.FromDays(30),
            });
        return new CycleNode(store, system, regions, delivery, akka);
    }

    /// <summary>
    /// Removes every reminder (tests of a class share a database and run one after another): what an earlier
    /// test left due must not wake its contracts when this test moves its clock.
    /// </summary>
    public static async Task ClearRemindersAsync(IPersistenceStore store)
    {
        await store.InitializeAsync();
        var left = await store.Reminders.ReadDueAsync(DateTimeOffset.MaxValue, int.MaxValue);
        await store.Reminders.ApplyAsync([.. left.Select(r => ReminderChange.Cancel(r.Key))]);
        await store.DisposeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await _delivery.DisposeAsync();
        await _system.TerminateAsync().WaitAsync(ActorTestKit.DefaultTimeout);
        await _store.DisposeAsync();
        await _akka.DisposeAsync();
    }
}
