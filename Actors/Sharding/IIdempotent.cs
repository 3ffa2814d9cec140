namespace LiveTracker.Actors.Sharding;

/// <summary>
/// A message whose second delivery has the effect of the first and an answer its caller treats alike: a query, or a command that replaces
/// (activity minutes) or is keyed (a capture's idempotency key). Sharding delivers at most once, and a message on its
/// way to a shard at the moment that shard moves can be lost; a caller whose ask for one of these timed out may
/// simply send it again (ADR 0018).
/// </summary>
public interface IIdempotent;
