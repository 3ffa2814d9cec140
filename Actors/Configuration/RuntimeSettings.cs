using LiveTracker.Actors.Contracts;

namespace LiveTracker.Actors.Configuration;

/// <summary>Turns the validated settings into what the entities take, so hosts wire them one way.</summary>
public static class RuntimeSettings
{
    public static ContractRules ToContractRules(this LiveTrackerSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return ContractRules.Default with { Cycle = settings.Domain.Cycle };
    }
}
