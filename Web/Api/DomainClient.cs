using LiveTracker.Actors.Accounts;
using LiveTracker.Actors.Configuration;
using LiveTracker.Actors.Contracts;
using LiveTracker.Actors.Hosting;
using LiveTracker.Actors.Operations;
using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Hosting;

namespace LiveTracker.Web.Api;

/// <summary>
/// How endpoints talk to the entities: an ask through the entity's region, bounded by the configured ask
/// timeout and the request's cancellation. Endpoints hold no rules; they translate HTTP to messages and back.
/// </summary>
public sealed class DomainClient(
    LiveTrackerSettings settings,
    IRequiredActor<ContractRegion> contracts,
    IRequiredActor<TrackerRegion> trackers,
    IRequiredActor<WeekRegion> weeks,
    IRequiredActor<TokenRegion> tokens,
    IRequiredActor<SupportDeskRegion> supportDesks,
    IRequiredActor<UserRegion> users,
    IRequiredActor<BillingRegion> billingAccounts,
    IRequiredActor<DisputeDeskRegion> disputeDesks)
{
    /// <summary>An access token entity (the id is the token's SHA-256).</summary>
    public async Task<object> TokenAsync(string tokenId, object message, CancellationToken cancellationToken) =>
        await AskEntityAsync(await tokens.GetAsync(cancellationToken), tokenId, message, cancellationToken);

    /// <summary>The one support desk.</summary>
    public async Task<object> SupportDeskAsync(object message, CancellationToken cancellationToken) =>
        await AskEntityAsync(await supportDesks.GetAsync(cancellationToken), SupportDesk.EntityId, message, cancellationToken);

    /// <summary>A user account.</summary>
    public async Task<object> UserAsync(string userId, object message, CancellationToken cancellationToken) =>
        await AskEntityAsync(await users.GetAsync(cancellationToken), userId, message, cancellationToken);

    /// <summary>A client's billing account (payment method, charges, escrow).</summary>
    public async Task<object> BillingAsync(string clientId, object message, CancellationToken cancellationToken) =>
        await AskEntityAsync(await billingAccounts.GetAsync(cancellationToken), clientId, message, cancellationToken);

    /// <summary>The one dispute desk (open disputes for operators).</summary>
    public async Task<object> DisputeDeskAsync(object message, CancellationToken cancellationToken) =>
        await AskEntityAsync(await disputeDesks.GetAsync(cancellationToken), DisputeDesk.EntityId, message, cancellationToken);

    /// <summary>
    /// An ask through an Akka.NET shard region. A timeout or a failed entity surfaces as Akka's
    /// <see cref="Akka.Actor.AskTimeoutException"/>, answered 503 busy by <see cref="OverloadExceptionHandler"/>.
    /// </summary>
    private Task<object> AskEntityAsync(IActorRef region, string entityId, object message, CancellationToken cancellationToken) =>
        region.Ask<object>(new ShardingEnvelope(entityId, message), settings.Actors.AskTimeout, cancellationToken);

    /// <summary>
    /// For each entity type, the shards and entities each node of the cluster runs, as the regions report them (a node
    /// that does not answer within the ask timeout is missing from its type's figures).
    /// </summary>
    public async Task<IReadOnlyList<(string Type, IReadOnlyDictionary<Address, ShardRegionStats> Nodes)>> ShardingStatsAsync(CancellationToken cancellationToken)
    {
        var regions = new (string Type, IActorRef Region)[]
        {
            (Contract.RegionType, await contracts.GetAsync(cancellationToken)),
            (WorkWeek.RegionType, await weeks.GetAsync(cancellationToken)),
            (Actors.Sessions.FreelancerTracker.RegionType, await trackers.GetAsync(cancellationToken)),
            (AccessToken.RegionType, await tokens.GetAsync(cancellationToken)),
            (SupportDesk.RegionType, await supportDesks.GetAsync(cancellationToken)),
            (UserAccount.RegionType, await users.GetAsync(cancellationToken)),
            (Actors.Payments.BillingAccount.RegionType, await billingAccounts.GetAsync(cancellationToken)),
            (DisputeDesk.RegionType, await disputeDesks.GetAsync(cancellationToken)),
        };
        // Each region gathers its peers' figures within this; the ask allows it a little more to answer.
        var gather = settings.Actors.AskTimeout * 0.8;
        var stats = await Task.WhenAll(regions.Select(r =>
            r.Region.Ask<ClusterShardingStats>(new GetClusterShardingStats(gather), settings.Actors.AskTimeout, cancellationToken)));
        return [.. regions.Zip(stats, (r, s) => (r.Type, (IReadOnlyDictionary<Address, ShardRegionStats>)s.Regions))];
    }

    /// <summary>A contract (Work Diary commands go through it to the week they belong to).</summary>
    public async Task<object> ContractAsync(string contractId, object message, CancellationToken cancellationToken) =>
        await AskEntityAsync(await contracts.GetAsync(cancellationToken), contractId, message, cancellationToken);

    /// <summary>A freelancer's tracker (on or off, which contract, activity).</summary>
    public async Task<object> TrackerAsync(string freelancerId, object message, CancellationToken cancellationToken) =>
        await AskEntityAsync(await trackers.GetAsync(cancellationToken), freelancerId, message, cancellationToken);

    /// <summary>A Work Diary command for a whole week (not a moment in it): routed by the week's middle, in the week zone.</summary>
    public Task<object> WeekAsync(string contractId, Actors.Billing.IsoWeek week, object command, CancellationToken cancellationToken) =>
        ContractAsync(contractId, new ForWeek(week.StartIn(settings.Domain.WeekZone).AddDays(3), command), cancellationToken);

    /// <summary>The contract if <paramref name="user"/> is one of its parties; null (answered 404) otherwise.</summary>
    public async Task<ContractView?> ContractForPartyAsync(string contractId, CurrentUser user, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(user);
        if (!ApiIds.IsValid(contractId))
        {
            return null;
        }

        return await ContractAsync(contractId, new GetContract(), cancellationToken) is ContractView view
            && (view.ClientId == user.UserId || view.FreelancerId == user.UserId)
            ? view
            : null;
    }
}

/// <summary>The signed-in user of a request, from the cookie or bearer token.</summary>
public sealed record CurrentUser(string UserId, string Email, string DisplayName, UserRole Role, string TokenId);

/// <summary>Ids that arrive in URLs: opaque, but only of characters our own ids use.</summary>
public static class ApiIds
{
    public static bool IsValid(string? id) =>
        id is { Length: > 0 and <= 200 } && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '~' or '.');

    public static string NewContractId() => "ct_" + Guid.NewGuid().ToString("N");

    /// <summary>Weeks and days the product deals in: 2000 to 2099 (the domain refuses times outside them too).</summary>
    public static bool TryParseWeek(string? text, out Actors.Billing.IsoWeek week) =>
        Actors.Billing.IsoWeek.TryParse(text, out week) && week.Year is >= 2000 and <= 2099;

    public static bool IsPlausibleDay(DateOnly day) => day.Year is >= 2000 and <= 2099;
}
