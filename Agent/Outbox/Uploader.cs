using LiveTracker.Agent.Local;
using LiveTracker.Agent.Server;

namespace LiveTracker.Agent.Outbox;

/// <summary>
/// Sends what the outbox holds, oldest first, once each capture's notice period has passed. A network failure,
/// 5xx, 429 or garbage answer retries with exponential backoff (5 s doubling to 5 minutes, with jitter); a refusal
/// (week locked, contract ended, image too large) is kept as a problem to show the freelancer; 401 stops
/// uploading until the agent is signed in again. Nothing is removed from the outbox before the server's answer.
/// </summary>
public sealed class Uploader(Outbox outbox, Func<ServerClient?> server, TimeProvider clock, AgentLog log, Action<string> tell)
{
    public static readonly TimeSpan FirstRetry = TimeSpan.FromSeconds(5);
    public static readonly TimeSpan LongestRetry = TimeSpan.FromMinutes(5);
    private readonly Signal wake = new();
    private readonly Random jitter = new();

    /// <summary>The last failure to reach the server (null once an upload went through).</summary>
    public string? Trouble { get; private set; }

    public bool SignedOut { get; private set; }

    public DateTimeOffset? LastSentAt { get; private set; }

    /// <summary>Something new is waiting (or the sign-in changed): look now instead of at the next due time.</summary>
    public void Wake()
    {
        SignedOut = false;
        wake.Set();
    }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            var pause = await SendDueAsync(cancellationToken);
            try
            {
                await wake.WaitAsync(pause, clock, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>Sends everything due now; returns how long to wait before looking again.</summary>
    public async Task<TimeSpan> SendDueAsync(CancellationToken cancellationToken)
    {
        var client = server();
        if (client is null || SignedOut)
        {
            return Timeout.InfiniteTimeSpan;
        }

        while (!cancellationToken.IsCancellationRequested)
        {
            var now = clock.GetUtcNow();
            var minutes = outbox.NextDueMinutes(now);
            if (minutes.Count > 0)
            {
                var answer = await client.ActivityAsync(minutes[0].ContractId,
                    [.. minutes.Select(m => new ActivityItem(m.Minute, m.Keystrokes, m.Clicks, m.Scrolls))], cancellationToken);
                if (!Handle(answer, () => outbox.MarkMinutesSent(minutes), problem => outbox.MarkMinutesFailed(minutes, problem),
                        (at, problem) => outbox.RetryMinutesLater(minutes, at, problem), minutes.Max(m => m.Attempts), $"{minutes.Count} activity minutes"))
                {
                    break;
                }

                continue;
            }

            if (outbox.NextDueCapture(now) is not var (capture, image, thumbnail))
            {
                break;
            }

            var sent = await client.UploadAsync(capture.ContractId, image, thumbnail, capture.Meta, cancellationToken);
            if (!Handle(sent, () => outbox.MarkCaptureSent(capture.Key, sent.Value!.ScreenshotId),
                    problem => outbox.MarkCaptureFailed(capture.Key, sent.Code, problem),
                    (at, problem) => outbox.RetryCaptureLater(capture.Key, at, problem), capture.Attempts, $"capture {capture.Key}"))
            {
                break;
            }
        }

        var next = outbox.NextDueAt();
        return next is null ? Timeout.InfiniteTimeSpan : Max(next.Value - clock.GetUtcNow(), TimeSpan.FromMilliseconds(10));
    }

    /// <summary>Applies one answer; false when sending should stop for now (server unreachable or signed out).</summary>
    private bool Handle<T>(ServerAnswer<T> answer, Action sent, Action<string> failed, Action<DateTimeOffset, string> later, int attempts, string what)
    {
        switch (answer.Kind)
        {
            case AnswerKind.Ok:
                sent();
                Trouble = null;
                LastSentAt = clock.GetUtcNow();
                return true;
            case AnswerKind.SignedOut:
                SignedOut = true;
                Trouble = answer.Message;
                log.Warn($"upload stopped: {answer.Message}");
                tell(answer.Message);
                return false;
            case AnswerKind.Refused when answer.Status == 413 || answer.Code is not null:
                var problem = $"{answer.Code ?? "too-large"}: {answer.Message}";
                failed(problem);
                log.Warn($"{what} refused by the server: {problem}");
                tell($"Not uploaded — {answer.Message}");
                return true;
            default:
                // Unreachable, busy, garbage, or a refusal without an explanation (a proxy's 4xx): try again later.
                var delay = Backoff(attempts);
                later(clock.GetUtcNow() + delay, answer.Message);
                if (Trouble != answer.Message)
                {
                    log.Warn($"{what} not sent, retrying in {delay.TotalSeconds:0} s: {answer.Message}");
                }

                Trouble = answer.Message;
                return false;
        }
    }

    private TimeSpan Backoff(int attempts)
    {
        var seconds = Math.Min(LongestRetry.TotalSeconds, FirstRetry.TotalSeconds * Math.Pow(2, Math.Min(attempts, 16)));
        return TimeSpan.FromSeconds(seconds * (0.8 + (jitter.NextDouble() * 0.4)));
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;
}
