using LiveTracker.Actors.Accounts;
using LiveTracker.Actors.Billing;
using LiveTracker.Actors.Configuration;
using LiveTracker.Actors.Contracts;
using LiveTracker.Actors.Payments;
using LiveTracker.Web.Api;
using LiveTracker.Web.Endpoints;
using LiveTracker.Web.Media;
using Microsoft.AspNetCore.Identity;

namespace LiveTracker.Web.Demo;

/// <summary>
/// Demo data for a first look (<c>./run</c> starts the node with <c>--demo</c>): a client, a freelancer and an
/// hourly contract marked DEMO, with a working day of segments, screenshots and activity up to now. Seeds once;
/// later starts only print the sign-in details.
/// </summary>
public sealed class DemoSeeder(
    DomainClient domain, IPasswordHasher<string> hasher, BlobStore blobs, Thumbnailer thumbnailer, LiveTrackerSettings settings, TimeProvider time)
{
    public const string ClientEmail = "demo-client@livetracker.demo";
    public const string FreelancerEmail = "demo-freelancer@livetracker.demo";
    public const string Password = "demo-password";

    private static readonly (string Memo, string App, string Window)[] Work =
    [
        ("Homepage layout", "Figma", "Website redesign – Homepage"),
        ("Homepage layout", "Firefox", "localhost:5173 – Home"),
        ("Navigation on phones", "VS Code", "nav.css — website"),
        ("Navigation on phones", "Firefox", "Responsive Design Mode"),
        ("Contact form validation", "VS Code", "contact.js — website"),
        ("Contact form validation", "Terminal", "npm test"),
    ];

    /// <summary>Seeds unless done before; returns the lines to print.</summary>
    public async Task<IReadOnlyList<string>> SeedAsync(CancellationToken cancellationToken)
    {
        var clientId = UserIds.ForEmail(ClientEmail);
        if (await domain.UserAsync(clientId, new GetUser(), cancellationToken) is not UserView)
        {
            await CreateAsync(cancellationToken);
        }

        return
        [
            "Demo data (everything marked DEMO; sandbox payments only):",
            $"  client:     {ClientEmail} / {Password}",
            $"  freelancer: {FreelancerEmail} / {Password}",
        ];
    }

    private async Task CreateAsync(CancellationToken cancellationToken)
    {
        await AccountEndpoints.CreateAccountAsync(domain, hasher, ClientEmail, Password, "Dana (DEMO client)", UserRole.Client, cancellationToken);
        await AccountEndpoints.CreateAccountAsync(domain, hasher, FreelancerEmail, Password, "Finn (DEMO freelancer)", UserRole.Freelancer, cancellationToken);
        var (clientId, freelancerId) = (UserIds.ForEmail(ClientEmail), UserIds.ForEmail(FreelancerEmail));
        var contractId = "ct_demo_" + Guid.NewGuid().ToString("N")[..12];
        await domain.ContractAsync(contractId, new CreateContract(
            clientId, freelancerId, "DEMO — Website redesign", ContractKind.Hourly, 4500, "USD", 40 * 60, settings.Domain.SegmentMinutes,
            settings.Domain.IdleTimeoutMinutes), cancellationToken);
        await domain.UserAsync(clientId, new JoinContract(contractId), cancellationToken);
        await domain.UserAsync(freelancerId, new JoinContract(contractId), cancellationToken);
        await domain.BillingAsync(clientId, new AddPaymentMethod(PaymentMethodKind.Card, SandboxPaymentGateway.CardOk, true, false), cancellationToken);

        // Up to six hours of work before now, within the current week (earlier weeks are locked), with a break.
        var segmentMinutes = settings.Domain.SegmentMinutes;
        var now = time.GetUtcNow();
        var weekStart = IsoWeek.Of(now, settings.Domain.WeekZone).StartIn(settings.Domain.WeekZone);
        var first = SegmentSlots.StartOf(now.AddHours(-6) > weekStart ? now.AddHours(-6) : weekStart, segmentMinutes).AddMinutes(segmentMinutes);
        var random = new Random(2026);
        var index = 0;
        for (var start = first; start.AddMinutes(segmentMinutes) <= now; start = start.AddMinutes(segmentMinutes), index++)
        {
            if (index % 12 is 7 or 8)
            {
                continue; // a break: no capture, no activity
            }

            var (memo, app, window) = Work[index / 6 % Work.Length];
            var capturedAt = start.AddSeconds(random.Next(30, segmentMinutes * 60 - 30));
            var image = Screenshot(index);
            var stored = await blobs.PutAsync(image, cancellationToken);
            var thumbnail = await blobs.PutAsync(thumbnailer.Create(image).Jpeg!, cancellationToken);
            await domain.ContractAsync(contractId, new ForWeek(capturedAt, new RecordCapture(
                $"demo-{index}", capturedAt, CaptureKind.Screen, stored.Key.Value, image.LongLength, false, app, window, null, memo, "design",
                thumbnail.Key.Value)), cancellationToken);
            var minutes = Enumerable.Range(0, segmentMinutes)
                .Select(m => new ActivityMinute(start.AddMinutes(m), random.Next(0, 90), random.Next(0, 25), random.Next(0, 12)))
                .ToList();
            await domain.ContractAsync(contractId, new RecordTrackedActivity(minutes), cancellationToken);
        }
    }

    /// <summary>A made-up desktop: a coloured background, a window with a title bar and lines of "text".</summary>
    private static byte[] Screenshot(int index)
    {
        const int width = 1280;
        const int height = 800;
        var pixels = new byte[width * height * 3];
        var (r, g, b) = ((byte)(40 + (index * 37 % 120)), (byte)(70 + (index * 53 % 100)), (byte)(110 + (index * 29 % 90)));
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                var o = ((y * width) + x) * 3;
                var inWindow = x is >= 120 and < 1160 && y is >= 80 and < 720;
                var titleBar = inWindow && y < 112;
                var textLine = inWindow && !titleBar && (y - 140) % 28 < 10 && x < 200 + ((y * 7 + index * 13) % 800);
                (pixels[o], pixels[o + 1], pixels[o + 2]) = titleBar ? ((byte)60, (byte)60, (byte)70)
                    : textLine ? ((byte)90, (byte)95, (byte)110)
                    : inWindow ? ((byte)245, (byte)245, (byte)240)
                    : (r, g, b);
            }
        }

        return ImageEncoding.JpegFromRgb(pixels, width, height, 80);
    }
}
