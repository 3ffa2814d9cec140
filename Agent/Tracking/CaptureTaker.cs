using LiveTracker.Agent.Local;
using LiveTracker.Agent.Outbox;
using LiveTracker.Agent.Server;

namespace LiveTracker.Agent.Tracking;

/// <summary>
/// Takes a segment's capture when <see cref="CaptureScheduler"/> says it is due: grabs the screen as the settings say
/// (area, quality, width, blur), stores it in the outbox to upload after the notice period, and shows the notice
/// with its thumbnail and a Discard action.
/// </summary>
internal sealed class CaptureTaker(
    DesktopConnection display, Outbox.Outbox outbox, AgentPaths paths, AgentLog log, Uploader uploader, Notifications notifications,
    MemoryRelease memory, Func<string, Task<CommandResult>> discard)
{
    public void Take(DateTimeOffset now, TrackingSession current, DateTimeOffset segmentStart, AgentSettings settings)
    {
        var shot = display.Guard(now, d => d.Grab(settings.Area, settings.JpegQuality, settings.MaxWidth, settings.Blur));
        if (shot is null)
        {
            return;
        }

        var key = Guid.NewGuid().ToString("N");
        var uploadAfter = settings.NoticeBeforeUpload ? now.AddSeconds(settings.NoticeSeconds) : now;
        // The API takes an app name of up to 200 characters and a title of up to 1000; a longer one would get the capture refused.
        var meta = new CaptureMeta(now, key, Cut(shot.AppName, 200), Cut(shot.WindowTitle, 1000), shot.Black, current.Memo, current.ActivityLabel);
        outbox.AddCapture(current.ContractId, segmentStart, uploadAfter, meta, shot.Jpeg, shot.Thumbnail);
        // A capture is the agent's one big burst of memory: give it back now, not whenever the heaps next look.
        memory.Now(now);
        log.Info($"capture {key} {shot.Width}x{shot.Height} {shot.Jpeg.Length} bytes{(shot.Black ? " (black screen)" : "")} for segment {segmentStart:HH:mm}");
        uploader.Wake();
        if (settings.NoticeBeforeUpload && notifications.Available)
        {
            ShowNotice(key, shot, settings.NoticeSeconds);
        }
    }

    private void ShowNotice(string key, Capture shot, int noticeSeconds)
    {
        // The notification shows this capture's own thumbnail, removed once the notification is gone.
        string? thumb = Path.Combine(paths.DataDirectory, $"notice-{key}.jpg");
        try
        {
            PrivateFile.WriteBytes(thumb, shot.Thumbnail);
        }
        catch (IOException)
        {
            thumb = null;
        }

        notifications.Show("Screenshot taken", $"Uploading in {noticeSeconds} s — discard it if it shows something private.", thumb,
            TimeSpan.FromSeconds(noticeSeconds), [("discard", "Discard")],
            action => _ = action == "discard" ? discard(key) : Task.FromResult(CommandResult.Done("")),
            () =>
            {
                if (thumb is not null)
                {
                    File.Delete(thumb);
                }
            });
    }

    private static string? Cut(string? text, int max) => text is null || text.Length <= max ? text : text[..(max - 1)] + "…";
}
