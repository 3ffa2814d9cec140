namespace LiveTracker.Actors.Live;

/// <summary>
/// Published on the DistributedPubSub topic of <see cref="ContractId"/> (<see cref="LiveTopics.Of"/>) once an entity's
/// event is durable: the nodes whose pages watch the contract read it back from the journal, with its ordering, and
/// push it. Only the address travels, so what a page sees is always what the journal holds.
/// </summary>
public sealed record LiveEventWritten(string ContractId, string PersistenceId, long SequenceNr);

/// <summary>The pub-sub topics of the live feed: one per contract.</summary>
public static class LiveTopics
{
    public static string Of(string contractId) => "live-" + contractId;
}
