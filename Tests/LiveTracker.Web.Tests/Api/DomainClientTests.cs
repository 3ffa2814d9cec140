using System.Collections.Concurrent;
using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Hosting;
using LiveTracker.Actors.Configuration;
using LiveTracker.Actors.Contracts;
using LiveTracker.Actors.Hosting;
using LiveTracker.Web.Api;
using Xunit;

namespace LiveTracker.Web.Tests.Api;

/// <summary>
/// Sharding delivers at most once: a message on its way to a shard as the shard moves to another node can be lost.
/// These tests stand a region in that loses the first message it is sent, and check what the caller then sees.
/// </summary>
public sealed class DomainClientTests : IAsyncDisposable
{
    private static readonly TimeSpan AskTimeout = TimeSpan.FromMilliseconds(600);
    private readonly ActorSystem _system = ActorSystem.Create("domain-client-tests");
    private readonly ConcurrentQueue<object> _delivered = new();

    [Fact]
    public async Task A_read_lost_on_its_way_to_a_moving_shard_is_asked_again_and_answered_within_the_ask_timeout()
    {
        var started = DateTimeOffset.UtcNow;
        var reply = await Client().ContractAsync("c1", new GetContract(), CancellationToken.None);

        Assert.IsType<GetContract>(reply);
        Assert.Equal(2, _delivered.Count);
        Assert.True(DateTimeOffset.UtcNow - started < AskTimeout * 2, "the retry must fit within the one ask timeout");
    }

    [Fact]
    public async Task A_diary_read_routed_through_its_week_and_a_keyed_capture_are_asked_again_too()
    {
        var diary = new ForWeek(DateTimeOffset.UtcNow, new GetDiary());
        Assert.Same(diary, await Client().ContractAsync("c1", diary, CancellationToken.None));

        var capture = new ForWeek(DateTimeOffset.UtcNow, new RecordCapture("key-1", DateTimeOffset.UtcNow, CaptureKind.Screen, "blob", 10));
        Assert.Same(capture, await Client().ContractAsync("c2", capture, CancellationToken.None));
        Assert.Equal(4, _delivered.Count);
    }

    [Fact]
    public async Task A_command_that_must_not_run_twice_is_sent_once_and_its_loss_is_a_timeout_the_caller_sees()
    {
        await Assert.ThrowsAsync<AskTimeoutException>(() =>
            Client().ContractAsync("c1", new ForWeek(DateTimeOffset.UtcNow, new RejectCapture("capture-1", "not my work")), CancellationToken.None));
        await Assert.ThrowsAsync<AskTimeoutException>(() =>
            Client().ContractAsync("c2", new SetContractWeeklyLimit(600), CancellationToken.None));

        Assert.Equal(2, _delivered.Count);
    }

    /// <summary>A client whose every region loses the first message it gets for each entity and echoes the rest.</summary>
    private DomainClient Client()
    {
        var region = _system.ActorOf(Props.Create(() => new LosesFirstDelivery(_delivered)));
        var settings = LiveTrackerSettings.CreateDefault(Path.GetTempPath());
        settings = settings with { Actors = settings.Actors with { AskTimeout = AskTimeout } };
        return new DomainClient(settings, new Fixed<ContractRegion>(region), new Fixed<TrackerRegion>(region), new Fixed<WeekRegion>(region),
            new Fixed<TokenRegion>(region), new Fixed<SupportDeskRegion>(region), new Fixed<UserRegion>(region),
            new Fixed<BillingRegion>(region), new Fixed<DisputeDeskRegion>(region));
    }

    public async ValueTask DisposeAsync() => await _system.Terminate();

    private sealed class Fixed<TKey>(IActorRef actor) : IRequiredActor<TKey>
    {
        public IActorRef ActorRef => actor;

        public Task<IActorRef> GetAsync(CancellationToken cancel = default) => Task.FromResult(actor);
    }

    private sealed class LosesFirstDelivery : ReceiveActor
    {
        public LosesFirstDelivery(ConcurrentQueue<object> delivered)
        {
            var seen = new HashSet<string>();
            Receive<ShardingEnvelope>(envelope =>
            {
                delivered.Enqueue(envelope.Message);
                if (seen.Add(envelope.EntityId))
                {
                    return;
                }

                Sender.Tell(envelope.Message);
            });
        }
    }
}
