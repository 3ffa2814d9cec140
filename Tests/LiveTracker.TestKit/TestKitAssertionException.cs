namespace LiveTracker.TestKit;

/// <summary>A failed TestKit expectation; test frameworks report it like any assertion failure.</summary>
public sealed class TestKitAssertionException(string message) : Exception(message);
