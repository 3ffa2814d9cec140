namespace LiveTracker.Actors.Hosting;

// Keys of the shard regions in Akka.Hosting's actor registry (IRequiredActor<T>): one per entity kind on Akka.NET.

/// <summary>The region of <see cref="Accounts.AccessToken"/> entities.</summary>
public sealed class TokenRegion;

/// <summary>The region of the <see cref="Operations.SupportDesk"/> entity.</summary>
public sealed class SupportDeskRegion;

/// <summary>The region of <see cref="Accounts.UserAccount"/> entities.</summary>
public sealed class UserRegion;

/// <summary>The region of the <see cref="Operations.DisputeDesk"/> entity.</summary>
public sealed class DisputeDeskRegion;

/// <summary>The region of clients' <see cref="Payments.BillingAccount"/> entities.</summary>
public sealed class BillingRegion;

/// <summary>The cluster's one <see cref="Deadlines.DeadlineKeeper"/> (a singleton; the registry holds its proxy).</summary>
public sealed class DeadlineKeeperSingleton;

/// <summary>The region of <see cref="Contracts.Contract"/> entities.</summary>
public sealed class ContractRegion;

/// <summary>The region of <see cref="Contracts.WorkWeek"/> entities (one contract's week each).</summary>
public sealed class WeekRegion;

/// <summary>The region of freelancers' <see cref="Sessions.FreelancerTracker"/> entities.</summary>
public sealed class TrackerRegion;

/// <summary>This node's <see cref="ClusterMembers"/> view of the cluster's membership.</summary>
public sealed class ClusterMembersKey;
