using LiveTracker.Web.Hosting;

return await LiveTrackerHost.RunAsync(args);
