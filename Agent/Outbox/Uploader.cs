using LiveTracker.Agent.Local;
using LiveTracker.Agent.Server;

namespace LiveTracker.Agent.Outbox;

/// <summary>
/// Sends what the outbox holds, oldest first, once each capture's notice period has passed, and deletes on the
/// server the captures discarded after (or during) their upload. A network failure, 5xx, 429, garbage, or a
/// refusal that time can mend (the agent's clock ahead of the server's, tracking stopped a moment before the last
/// minutes arrived) is retried with exponential backoff (5 s doubling to 5 minutes, ±20%). A final refusal (week
/// locked, contract ended, image too large) is kept as a problem to show the freelancer. 401 stops uploading until
/// the agent is signed in again. Nothing leaves the outbox before the server's answer.
/// </summary>
public sealed class Uploader(Outbox outbox, Func<ServerClient?> server, TimeProvider clock, AgentLog log, Action<string> tell)
{
    public static readonly TimeSpan FirstRetry = TimeSpan.FromSeconds(5);
    public static readonly TimeSpan LongestRetry = TimeSpan.FromMinutes(5);
    private static readonly HashSet<string> PassingRefusals = ["not-tracking", "capture-in-future", "rate-limited"];
    private readonly Signal wake = new();
    private readonly Random jitter = new();

    /// <summary>The last failure to reach the server (null once an upload went through).</summary>
    public string? Trouble { get; private set; }

    /// <summary>The server refused the sign-in (401); nothing is sent until <see cref="SignedIn"/>.</summary>
    public bool SignedOut { get; private set; }

    /// <summary>Something new is waiting: look now instead of at the next due time.</summary>
    public void Wake() => wake.Set();

    /// <summary>New credentials: try again.</summary>
    public void SignedIn()
    {
        SignedOut = false;
        Trouble = null;
        wake.Set();
    }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                var pause = await SendDueAsync(cancellationToken);
                await wake.WaitAsync(pause, clock, cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
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

        // Captures, minutes and deletions take turns, so a batch the server keeps refusing holds back nothing else.
        var going = true;
        while (going && !cancellationToken.IsCancellationRequested)
        {
            var progress = false;
            var now = clock.GetUtcNow();
            if (outbox.NextDueCapture(now) is var (capture, image, _))
            {
                // The thumbnail stays here (the control page, the notification); the server makes its own, which saves
                // the agent's upload ~7 KB per segment.
                var sent = await client.UploadAsync(capture.ContractId, image, thumbnail: null, capture.Meta, cancellationToken);
                going &= Handle(sent, () => Uploaded(capture.Key, sent.Value!.ScreenshotId),
                    problem => outbox.MarkCaptureFailed(capture.Key, sent.Code, problem),
                    (at, problem) => outbox.RetryCaptureLater(capture.Key, at, problem), capture.Attempts, $"capture {capture.Key}");
                progress = true;
            }

            var minutes = going ? outbox.NextDueMinutes(now) : [];
            if (minutes.Count > 0)
            {
                var answer = await client.ActivityAsync(minutes[0].ContractId,
                    [.. minutes.Select(m => new ActivityItem(m.Minute, m.Keystrokes, m.Clicks, m.Scrolls))], cancellationToken);
                going &= Handle(answer, () => outbox.MarkMinutesSent(minutes), problem => outbox.MarkMinutesFailed(minutes, problem),
                    (at, problem) => outbox.RetryMinutesLater(minutes, at, problem), minutes.Max(m => m.Attempts), $"{minutes.Count} activity minutes");
                progress = true;
            }

            if (going && outbox.NextDueDeletion(now) is { ScreenshotId: { } id } deleting)
            {
                going &= await DeleteAsync(client, deleting.Key, id, deleting.Attempts, cancellationToken);
                progress = true;
            }

            going &= progress;
        }

        var next = outbox.NextDueAt();
        return next is null ? Timeout.InfiniteTimeSpan : Max(next.Value - clock.GetUtcNow(), TimeSpan.FromMilliseconds(10));
    }

    private void Uploaded(string key, string screenshotId)
    {
        if (outbox.MarkCaptureSent(key, screenshotId) == CaptureState.Deleting)
        {
            // Discarded while it went up: the deletion queue takes it from here.
            log.Info($"capture {key} was discarded while it went up; deleting it on the server");
        }
    }

    private async Task<bool> DeleteAsync(ServerClient client, string key, string screenshotId, int attempts, CancellationToken cancellationToken)
    {
        var answer = await client.DeleteScreenshotAsync(screenshotId, cancellationToken);
        if (answer.Code == "not-found")
        {
            outbox.MarkDeleted(key);
            return true;
        }

        return Handle(answer, () =>
        {
            outbox.MarkDeleted(key);
            log.Info($"capture {key} deleted on the server");
        }, problem => outbox.MarkDeleteRefused(key, problem), (at, problem) => outbox.RetryCaptureLater(key, at, problem), attempts, $"deleting capture {key}");
    }

    /// <summary>Applies one answer; false when sending should stop for now (server unreachable or signed out).</summary>
    private bool Handle<T>(ServerAnswer<T> answer, Action sent, Action<string> failed, Action<DateTimeOffset, string> later, int attempts, string what)
    {
        switch (answer.Kind)
        {
            case AnswerKind.Ok:
                sent();
                Trouble = null;
                return true;
            case AnswerKind.SignedOut:
                SignedOut = true;
                Trouble = answer.Message;
                log.Warn($"upload stopped: {answer.Message}");
                tell(answer.Message);
                return false;
            case AnswerKind.Refused when answer.Code is { } code && PassingRefusals.Contains(code):
                // Time mends these: retry like a busy server, without stopping the rest.
                later(clock.GetUtcNow() + Backoff(attempts), answer.Message);
                log.Warn($"{what} refused for now ({code}), will retry: {answer.Message}");
                return true;
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
