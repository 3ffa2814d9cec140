using LiveTracker.Actors.Serialization;

namespace LiveTracker.Actors.Deadlines;

// How an entity's deadline (a week's lock, an idle check, a milestone's security period) is kept across restarts,
// passivation and node moves (ADR 0010). The entity writes the deadline in its own journal, tagged
// DeadlineKeeper.Tag, in the same write as the event that needs it; the one DeadlineKeeper of the cluster follows that
// tag, and when a deadline falls due it tells the entity DeadlineDue until the entity answers DeadlineHandled.

/// <summary>Entity <see cref="EntityId"/> of shard region <see cref="Region"/> wants <see cref="DeadlineDue"/> at <see cref="DueAt"/>; replaces an earlier deadline of the same name.</summary>
[Manifest("deadline.set.v1")]
public sealed record DeadlineSet(string Region, string EntityId, string Name, DateTimeOffset DueAt);

/// <summary>The entity no longer wants the deadline <see cref="Name"/>.</summary>
[Manifest("deadline.cleared.v1")]
public sealed record DeadlineCleared(string Region, string EntityId, string Name);

/// <summary>
/// To the entity: its deadline <see cref="Name"/> set for <see cref="DueAt"/> has come. Delivered at least once; the
/// entity acts only if it still wants that deadline, and answers <see cref="DeadlineHandled"/> either way.
/// </summary>
public sealed record DeadlineDue(string Name, DateTimeOffset DueAt);

/// <summary>From the entity: the deadline was acted on (or was no longer wanted) and is not to be delivered again.</summary>
public sealed record DeadlineHandled(string Name, DateTimeOffset DueAt);

/// <summary>What the keeper holds, for operators and tests.</summary>
public sealed record GetDeadlines;

public sealed record PendingDeadline(string Region, string EntityId, string Name, DateTimeOffset DueAt, int Attempts);

public sealed record PendingDeadlines(long Offset, IReadOnlyList<PendingDeadline> Deadlines);

/// <summary>The keeper's journal: a deadline it learned from the tag (with the tag's offset), and one delivered.</summary>
[Manifest("deadline-keeper.noted.v1")]
public sealed record DeadlineNoted(long Offset, string Region, string EntityId, string Name, DateTimeOffset? DueAt);

[Manifest("deadline-keeper.delivered.v1")]
public sealed record DeadlineDelivered(string Region, string EntityId, string Name, DateTimeOffset DueAt);

[Manifest("deadline-keeper.snapshot.v1")]
public sealed record DeadlineKeeperSnapshot(long Offset, IReadOnlyList<PendingDeadline> Deadlines);
