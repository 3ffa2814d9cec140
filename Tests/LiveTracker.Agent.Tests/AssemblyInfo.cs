// The agent is a Linux program (X11, Unix file modes); so are its tests.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
