namespace LiveTracker.Testing;

public static class AwaitAssertions
{
    /// <summary>
    /// Retries <paramref name="assertion"/> until it stops throwing or <paramref name="duration"/> (real time)
    /// has passed, then rethrows its last failure. For state that becomes true eventually.
    /// </summary>
    public static async Task AwaitAssertAsync(Func<Task> assertion, TimeSpan? duration = null, TimeSpan? interval = null)
    {
        ArgumentNullException.ThrowIfNull(assertion);
        var deadline = DateTime.UtcNow + (duration ?? TimeSpan.FromSeconds(5));
        var pause = interval ?? TimeSpan.FromMilliseconds(20);
        while (true)
        {
            try
            {
                await assertion();
                return;
            }
            catch (Exception) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(pause);
            }
        }
    }

    public static void AwaitAssert(Action assertion, TimeSpan? duration = null, TimeSpan? interval = null) =>
        AwaitAssertAsync(() =>
        {
            assertion();
            return Task.CompletedTask;
        }, duration, interval).GetAwaiter().GetResult();
}
