using Akka.Actor;
using Akka.Hosting;

namespace LiveTracker.Actors.Hosting;

/// <summary>
/// The shard regions a contract talks to, looked up in Akka.Hosting's registry on first use: the regions are
/// started one after another and refer to each other, and every one is registered before an entity runs.
/// </summary>
public sealed class DomainRegionRefs(IReadOnlyActorRegistry registry)
{
    public IActorRef Contracts => field ??= registry.Get<ContractRegion>();

    public IActorRef Weeks => field ??= registry.Get<WeekRegion>();

    public IActorRef Trackers => field ??= registry.Get<TrackerRegion>();

    public IActorRef BillingAccounts => field ??= registry.Get<BillingRegion>();

    public IActorRef Users => field ??= registry.Get<UserRegion>();

    public IActorRef DisputeDesks => field ??= registry.Get<DisputeDeskRegion>();
}
