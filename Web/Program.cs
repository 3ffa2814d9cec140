using LiveTracker.Web.Hosting;

return await LiveTrackerHost.RunAsync(args);

/// <summary>The entry point, visible to WebApplicationFactory in the API tests.</summary>
public partial class Program;
