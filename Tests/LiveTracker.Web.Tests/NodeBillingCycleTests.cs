using Microsoft.Extensions.Time.Testing;
using LiveTracker.Web.Api;
using LiveTracker.Actors.Billing;
using LiveTracker.Actors.Configuration;
using LiveTracker.Actors.Contracts;
using LiveTracker.Actors.Payments;
using LiveTracker.Testing;
using LiveTracker.Web.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace LiveTracker.Web.Tests;

/// <summary>The node runs the weekly cycle on its own: its reminders survive a shutdown and are caught up on start.</summary>
public sealed class NodeBillingCycleTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("livetracker-cycle-").FullName;

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task A_week_that_ended_while_the_node_was_down_is_locked_reviewed_and_charged_when_it_starts()
    {
        var config = Path.Combine(_directory, "node.conf");
        await File.WriteAllTextAsync(config, """livetracker { data-directory = "data", http.port = 0 }""");
        var settings = LiveTrackerSettings.Load(config);
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 16, 9, 30, 0, TimeSpan.Zero));
        var monday9 = new DateTimeOffset(2026, 11, 16, 9, 0, 0, TimeSpan.Zero);

        await using (var node = LiveTrackerHost.Build(settings, time: clock))
        {
            await node.StartAsync();
            var domain = node.Services.GetRequiredService<DomainClient>();
            Assert.IsType<PaymentMethodAccepted>(
                await domain.BillingAsync("client-1", new AddPaymentMethod(PaymentMethodKind.Card, "sandbox-card-ok", true, false), CancellationToken.None));
            Assert.IsType<Accepted>(await domain.ContractAsync("c-1", new CreateContract("client-1", "freelancer-1", "Site", ContractKind.Hourly, 6000, "USD", null, 10, 24), CancellationToken.None));
            Assert.IsType<CaptureAccepted>(await domain.ContractAsync("c-1", new ForWeek(monday9.AddMinutes(4), new RecordCapture("k", monday9.AddMinutes(4), CaptureKind.Screen, "blob", 10, Memo: "work")), CancellationToken.None));
            Assert.IsType<Accepted>(await domain.ContractAsync("c-1", new ForWeek(monday9, new RecordActivity([new ActivityMinute(monday9.AddMinutes(2), 20, 1, 0)])), CancellationToken.None));
            await node.StopAsync();
        }

        clock.SetUtcNow(new DateTimeOffset(2026, 11, 28, 6, 0, 0, TimeSpan.Zero));

        await using (var node = LiveTrackerHost.Build(settings, time: clock))
        {
            await node.StartAsync();
            var domain = node.Services.GetRequiredService<DomainClient>();
            await AwaitAssertions.AwaitAssertAsync(
                async () =>
                {
                    var timesheet = Assert.IsType<TimesheetView>(await domain.ContractAsync("c-1", new GetTimesheet(IsoWeek.Parse("2026-W47")), CancellationToken.None));
                    Assert.Equal((TimesheetStatus.Charged, 1000L), (timesheet.Status, timesheet.ChargedCents ?? 0));
                },
                TimeSpan.FromSeconds(30));
            await node.StopAsync();
        }
    }
}
