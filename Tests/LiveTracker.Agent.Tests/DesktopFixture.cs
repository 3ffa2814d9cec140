using LiveTracker.Testing;
using Xunit;

namespace LiveTracker.Agent.Tests;

/// <summary>One Xvfb with openbox shared by the X tests, which run one after another (input is global).</summary>
public sealed class DesktopFixture : IDisposable
{
    public XServer X { get; } = XServer.Start(windowManager: true);

    public void Dispose() => X.Dispose();
}

[CollectionDefinition(Name)]
public sealed class DesktopCollection : ICollectionFixture<DesktopFixture>
{
    public const string Name = "X desktop";
}
