using LiveTracker.Actors.Cluster;

namespace LiveTracker.TestKit;

public static class RegionAsk
{
    /// <summary>
    /// Asks an entity and expects a reply of type <typeparamref name="T"/> (an entity's typed rejection fails the
    /// test with its text). Bounded in real time: an Ask's own timeout runs on the system's clock, which a test
    /// drives by hand, so without this bound a missing reply would hang the test instead of failing it.
    /// </summary>
    public static async Task<T> AskExpecting<T>(this EntityRegion region, string entityId, object command)
    {
        ArgumentNullException.ThrowIfNull(region);
        var reply = await region.Ask<object>(entityId, command).WaitAsync(ActorTestKit.DefaultTimeout);
        return reply is T typed ? typed : throw new TestKitAssertionException($"Expected a {typeof(T).Name} from {entityId}, got {reply}");
    }
}
