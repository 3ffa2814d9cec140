using LiveTracker.Actors.Cluster;
using LiveTracker.Actors.Kernel;
using LiveTracker.Actors.Persistence;
using LiveTracker.Actors.Sessions;

namespace LiveTracker.Actors.Contracts;

/// <summary>The three entity regions of hourly tracking, wired to each other: contracts, their weeks, trackers.</summary>
public sealed class TrackingRegions
{
    private TrackingRegions(EntityRegion contracts, EntityRegion weeks, EntityRegion trackers)
    {
        Contracts = contracts;
        Weeks = weeks;
        Trackers = trackers;
    }

    public EntityRegion Contracts { get; }

    public EntityRegion Weeks { get; }

    public EntityRegion Trackers { get; }

    public static TrackingRegions Start(
        ActorSystem system, PersistenceContext persistence, RegionSettings regionSettings, TimeZoneInfo weekZone, TimeSpan clockSkewTolerance)
    {
        ArgumentNullException.ThrowIfNull(system);
        var weeks = EntityRegion.Start(system, "work-weeks", id => Props.Create(() => new WorkWeek(id, persistence, clockSkewTolerance)), regionSettings);
        EntityRegion? trackers = null;
        var contracts = EntityRegion.Start(
            system, "contracts", id => Props.Create(() => new Contract(id, persistence, weekZone, weeks, trackers!)), regionSettings);
        trackers = EntityRegion.Start(system, "trackers", id => Props.Create(() => new FreelancerTracker(id, persistence, contracts)), regionSettings);
        return new TrackingRegions(contracts, weeks, trackers);
    }
}
