namespace LiveTracker.Actors.Live;

/// <summary>
/// Published on the live feed's DistributedPubSub topic (<see cref="LiveTopics.All"/>) once an entity's event is
/// durable: the nodes whose pages watch <see cref="ContractId"/> read it back from the journal, with its ordering, and
/// push it. Only the address travels, so what a page sees is always what the journal holds.
/// </summary>
public sealed record LiveEventWritten(string ContractId, string PersistenceId, long SequenceNr);

/// <summary>
/// The live feed's pub-sub topic: one for every contract. Each node subscribes once, when it starts, and keeps what
/// its pages watch. With a topic per contract, a node subscribed when a page began watching, and the subscription took
/// a gossip round (about a second) to reach a publishing entity on another node: what the contract did meanwhile never
/// reached the page. Every node now hears every contract's events — an address of about 100 bytes each, a few hundred
/// a second at 20,000 agents.
/// </summary>
public static class LiveTopics
{
    public const string All = "live-events";
}
