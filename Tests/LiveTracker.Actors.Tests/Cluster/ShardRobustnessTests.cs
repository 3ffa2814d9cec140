using LiveTracker.Actors.Cluster;
using LiveTracker.Actors.Kernel;
using LiveTracker.TestKit;
using Xunit;

namespace LiveTracker.Actors.Tests.Cluster;

public sealed class ShardRobustnessTests : ActorTestKit
{
    [Fact]
    public async Task An_entity_id_the_factory_refuses_fails_only_that_request()
    {
        var region = EntityRegion.Start(Sys, "strict", id => id.StartsWith("ok-", StringComparison.Ordinal)
            ? Props.Create(() => new Kernel.EchoActor())
            : throw new ArgumentException($"'{id}' is not a valid id."), new RegionSettings { ShardCount = 1 });
        Assert.Equal("hi", await region.Ask<string>("ok-1", "hi").WaitAsync(DefaultTimeout));

        var error = await Assert.ThrowsAsync<ArgumentException>(() => region.Ask<string>("bad", "hi").WaitAsync(DefaultTimeout));

        Assert.Contains("'bad'", error.Message, StringComparison.Ordinal);
        Assert.Equal("again", await region.Ask<string>("ok-1", "again").WaitAsync(DefaultTimeout));
        Assert.Equal(1, await region.CountEntitiesAsync().WaitAsync(DefaultTimeout));
    }

    [Fact]
    public async Task Messages_to_a_region_that_is_shutting_down_become_dead_letters_instead_of_throwing()
    {
        var region = EntityRegion.Start(Sys, "closing", _ => Props.Create(() => new Kernel.EchoActor()));
        await Sys.TerminateAsync().WaitAsync(DefaultTimeout);
        var before = Sys.DeadLetterCount;

        region.Tell("late-entity", "late message");

        Assert.Equal(before + 1, Sys.DeadLetterCount);
    }
}
