using LiveTracker.Agent.Desktop;

namespace LiveTracker.Agent.Tracking;

/// <summary>
/// Desktop notifications shown for the tracker: on their own task, so the tracker never waits for one, for a time
/// given on the agent's clock (a fast test clock shows them for proportionally less), and an action chosen in one
/// is handed back.
/// </summary>
internal sealed class Notifications(DesktopNotifier notifier, AgentClock clock)
{
    public bool Available => notifier.Available;

    /// <summary>Why the last notification could not be shown, for the control page.</summary>
    public string? LastProblem => notifier.LastProblem;

    /// <summary>Shows one; <paramref name="closed"/> runs once it is gone (at once when notifications are unavailable).</summary>
    public void Show(
        string summary, string body, string? image, TimeSpan showFor, IReadOnlyList<(string Key, string Label)> actions, Action<string> onAction,
        Action? closed = null)
    {
        if (!notifier.Available)
        {
            closed?.Invoke();
            return;
        }

        var real = showFor / clock.Speed;
        _ = Task.Run(async () =>
        {
            try
            {
                var chosen = await notifier.ShowAsync(summary, body, image, real, actions, CancellationToken.None);
                if (chosen is not null)
                {
                    onAction(chosen);
                }
            }
            finally
            {
                closed?.Invoke();
            }
        });
    }
}
