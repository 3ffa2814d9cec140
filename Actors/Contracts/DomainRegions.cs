using LiveTracker.Actors.Accounts;
using LiveTracker.Actors.Cluster;
using LiveTracker.Actors.Kernel;
using LiveTracker.Actors.Operations;
using LiveTracker.Actors.Payments;
using LiveTracker.Actors.Persistence;
using LiveTracker.Actors.Reminders;
using LiveTracker.Actors.Sessions;
using Microsoft.Extensions.Logging;

namespace LiveTracker.Actors.Contracts;

/// <summary>
/// The entity regions of the domain, wired to each other: contracts, their weeks, freelancers' trackers,
/// clients' billing accounts and user accounts; plus the delivery of their durable reminders.
/// </summary>
public sealed class DomainRegions
{
    private DomainRegions(
        EntityRegion contracts, EntityRegion weeks, EntityRegion trackers, EntityRegion billingAccounts, EntityRegion users, EntityRegion disputeDesks)
    {
        DisputeDesks = disputeDesks;
        Contracts = contracts;
        Weeks = weeks;
        Trackers = trackers;
        BillingAccounts = billingAccounts;
        Users = users;
    }

    public EntityRegion Contracts { get; }

    public EntityRegion Weeks { get; }

    public EntityRegion Trackers { get; }

    public EntityRegion BillingAccounts { get; }

    public EntityRegion Users { get; }

    public EntityRegion DisputeDesks { get; }

    /// <summary>Every region, for reminders and the operators' overview.</summary>
    public IReadOnlyList<EntityRegion> All => [Contracts, Weeks, Trackers, BillingAccounts, Users, DisputeDesks];

    public static DomainRegions Start(
        ActorSystem system,
        PersistenceContext persistence,
        RegionSettings regionSettings,
        ContractRules rules,
        TimeSpan clockSkewTolerance,
        IPaymentGateway gateway)
    {
        ArgumentNullException.ThrowIfNull(system);
        var weeks = EntityRegion.Start(system, "work-weeks", id => Props.Create(() => new WorkWeek(id, persistence, clockSkewTolerance)), regionSettings);
        var billing = EntityRegion.Start(system, "billing-accounts", id => Props.Create(() => new BillingAccount(id, persistence, gateway)), regionSettings);
        var users = EntityRegion.Start(system, UserAccount.RegionType, id => Props.Create(() => new UserAccount(id, persistence)), regionSettings);
        var disputeDesks = EntityRegion.Start(system, DisputeDesk.RegionType, id => Props.Create(() => new DisputeDesk(id, persistence)), regionSettings);
        EntityRegion? trackers = null;
        EntityRegion? contracts = null;
        contracts = EntityRegion.Start(
            system, Contract.RegionType, id => Props.Create(() => new Contract(id, persistence, rules, weeks, trackers!, billing, contracts!, users, disputeDesks)), regionSettings);
        trackers = EntityRegion.Start(system, FreelancerTracker.RegionType, id => Props.Create(() => new FreelancerTracker(id, persistence, contracts)), regionSettings);
        return new DomainRegions(contracts, weeks, trackers, billing, users, disputeDesks);
    }

    /// <summary>Starts delivering the durable reminders of these regions (stop it before terminating the system).</summary>
    public ReminderDelivery StartReminderDelivery(IReminderStore store, ILogger logger, ReminderDeliverySettings? settings = null) =>
        ReminderDelivery.Start(store, All, Contracts.System.Time, logger, settings);
}
