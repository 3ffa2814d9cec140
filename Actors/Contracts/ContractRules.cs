using LiveTracker.Actors.Billing;

namespace LiveTracker.Actors.Contracts;

/// <summary>
/// The rules a contract runs by that come from the node's configuration: the weekly billing cycle and how soon a
/// money step waiting on another entity (a week's figures, a charge) is tried again, and how long before a week starts
/// a contract that is being tracked opens it (<see cref="OpenNextWeekAhead"/>, ADR 0017).
/// </summary>
public sealed record ContractRules(BillingCycle Cycle, TimeSpan StepRetryInterval, TimeSpan OpenNextWeekAhead)
{
    public static ContractRules Default { get; } = new(BillingCycle.Default, TimeSpan.FromMinutes(1), TimeSpan.FromHours(1));
}
