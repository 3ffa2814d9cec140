// TEMPORARY until the helper's branch lands; deleted at merge.
namespace LiveTracker.Agent.Desktop
{
    public sealed class DesktopNotifier(IReadOnlyDictionary<string, string>? environment = null)
    {
        public bool Available => environment is null && false;
        public string? LastProblem => null;
        public Task<string?> ShowAsync(string summary, string body, string? imagePath, TimeSpan expireAfter, IReadOnlyList<(string Key, string Label)> actions, CancellationToken cancellationToken) => Task.FromResult<string?>(null);
    }
}

namespace LiveTracker.Agent.X11
{
    internal static class ShimBlur
    {
        public static Frame Blurred(this Frame frame) => frame;
    }
}
