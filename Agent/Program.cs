namespace LiveTracker.Agent; internal static class Program { private static int Main() { return 0; } }
