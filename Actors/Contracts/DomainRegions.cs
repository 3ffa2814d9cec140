using LiveTracker.Actors.Cluster;
using LiveTracker.Actors.Kernel;
using LiveTracker.Actors.Persistence;
using LiveTracker.Actors.Reminders;
using LiveTracker.Actors.Sessions;
using Microsoft.Extensions.Logging;

namespace LiveTracker.Actors.Contracts;

/// <summary>
/// The entity regions still on the old runtime, wired to each other: contracts, their weeks and freelancers' trackers;
/// plus the delivery of their durable reminders. Users, billing accounts and the dispute desk are on Akka.NET and are
/// reached through bridges (<see cref="Hosting.AkkaRegionBridge"/>) while the move is under way (ADR 0009).
/// </summary>
public sealed class DomainRegions
{
    private DomainRegions(EntityRegion contracts, EntityRegion weeks, EntityRegion trackers)
    {
        Contracts = contracts;
        Weeks = weeks;
        Trackers = trackers;
    }

    public EntityRegion Contracts { get; }

    public EntityRegion Weeks { get; }

    public EntityRegion Trackers { get; }

    /// <summary>Every region, for reminders and the operators' overview.</summary>
    public IReadOnlyList<EntityRegion> All => [Contracts, Weeks, Trackers];

    public static DomainRegions Start(
        ActorSystem system,
        PersistenceContext persistence,
        RegionSettings regionSettings,
        ContractRules rules,
        TimeSpan clockSkewTolerance,
        IActorRef users,
        IActorRef billing,
        IActorRef disputeDesks)
    {
        ArgumentNullException.ThrowIfNull(system);
        var weeks = EntityRegion.Start(system, "work-weeks", id => Props.Create(() => new WorkWeek(id, persistence, clockSkewTolerance)), regionSettings);
        EntityRegion? trackers = null;
        EntityRegion? contracts = null;
        contracts = EntityRegion.Start(
            system, Contract.RegionType, id => Props.Create(() => new Contract(id, persistence, rules, weeks, trackers!, billing, contracts!, users, disputeDesks)), regionSettings);
        trackers = EntityRegion.Start(system, FreelancerTracker.RegionType, id => Props.Create(() => new FreelancerTracker(id, persistence, contracts)), regionSettings);
        return new DomainRegions(contracts, weeks, trackers);
    }

    /// <summary>Starts delivering the durable reminders of these regions (stop it before terminating the system).</summary>
    public ReminderDelivery StartReminderDelivery(IReminderStore store, ILogger logger, ReminderDeliverySettings? settings = null) =>
        ReminderDelivery.Start(store, All, Contracts.System.Time, logger, settings);
}
