using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Threading.Channels;
using LiveTracker.Actors.Kernel;

namespace LiveTracker.Bench;

/// <summary>
/// Tell ping-pong between two actors against the same exchange over two raw <see cref="Channel{T}"/>s read by two
/// tasks: the ratio is what the kernel's mailbox, envelope and dispatch cost over the bare channel.
/// </summary>
internal static class KernelBenchmark
{
    private const int Runs = 5;

    public static async Task<string> RunAsync(int roundTrips, TextWriter log)
    {
        log.WriteLine($"kernel ping-pong: {roundTrips:N0} round trips per run");
        await using var system = ActorSystem.Create("bench");
        var (actors, channels) = await Measure.InterleavedAsync(
            () => ActorPingPongAsync(system, roundTrips), () => ChannelPingPongAsync(roundTrips), Runs, log, "actors", "channels");

        var md = new StringBuilder();
        md.AppendLine("### Kernel: Tell ping-pong between two actors vs two raw channels");
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"{roundTrips:N0} round trips (2 messages each) per run; messages/s; warm-up run first, then {Runs} interleaved runs.");
        md.AppendLine("Baseline: two tasks exchanging the same message objects over two unbounded `Channel<T>`s (`SingleReader`), awaiting `ReadAsync`.");
        md.AppendLine();
        md.AppendLine("| run | actors msg/s | channels msg/s | ratio |");
        md.AppendLine("|---:|---:|---:|---:|");
        for (var i = 0; i < Runs; i++)
        {
            md.AppendLine(Measure.Row(i + 1, actors[i], channels[i]));
        }

        var ratio = Measure.Median(actors) / Measure.Median(channels);
        md.AppendLine(CultureInfo.InvariantCulture, $"| **median** | **{Measure.Median(actors):N0}** | **{Measure.Median(channels):N0}** | **{ratio:0.00}** |");
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"**Actors / channels = {ratio:0.00}** (goal ≥ 0.6: {(ratio >= 0.6 ? "met" : "missed")}).");
        return md.ToString();
    }

    private static async Task<double> ActorPingPongAsync(ActorSystem system, int roundTrips)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var pong = system.ActorOf(Props.Create(() => new Ponger()));
        var ping = system.ActorOf(Props.Create(() => new Pinger(pong, roundTrips, done)));
        var timer = Stopwatch.StartNew();
        ping.Tell(Ball.Instance);
        await done.Task;
        var elapsed = timer.Elapsed.TotalSeconds;
        system.Stop(ping);
        system.Stop(pong);
        await ActorSystem.WhenStopped(ping);
        await ActorSystem.WhenStopped(pong);
        return roundTrips * 2 / elapsed;
    }

    private static async Task<double> ChannelPingPongAsync(int roundTrips)
    {
        var options = new UnboundedChannelOptions { SingleReader = true, AllowSynchronousContinuations = false };
        var toPong = Channel.CreateUnbounded<Ball>(options);
        var toPing = Channel.CreateUnbounded<Ball>(options);
        var timer = Stopwatch.StartNew();
        var ponger = Task.Run(async () =>
        {
            for (var i = 0; i < roundTrips; i++)
            {
                var ball = await toPong.Reader.ReadAsync();
                toPing.Writer.TryWrite(ball);
            }
        });
        var pinger = Task.Run(async () =>
        {
            for (var i = 0; i < roundTrips; i++)
            {
                toPong.Writer.TryWrite(Ball.Instance);
                await toPing.Reader.ReadAsync();
            }
        });
        await Task.WhenAll(ponger, pinger);
        return roundTrips * 2 / timer.Elapsed.TotalSeconds;
    }

    private sealed class Ball
    {
        public static readonly Ball Instance = new();
    }

    private sealed class Ponger : ActorBase
    {
        protected override void OnReceive(object message) => Sender.Tell(message, Self);
    }

    private sealed class Pinger(IActorRef pong, int roundTrips, TaskCompletionSource done) : ActorBase
    {
        private int _received;

        protected override void OnReceive(object message)
        {
            if (Sender == pong && ++_received == roundTrips)
            {
                done.SetResult();
                return;
            }

            pong.Tell(message, Self);
        }
    }
}
