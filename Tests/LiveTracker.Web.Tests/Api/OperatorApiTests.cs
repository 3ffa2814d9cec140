using Microsoft.Extensions.Time.Testing;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using LiveTracker.Testing;
using LiveTracker.Web.Tests.Media.Fixtures;
using Xunit;

namespace LiveTracker.Web.Tests.Api;

/// <summary>Operators: open disputes across contracts and their resolution, support reports, the cluster overview.</summary>
public sealed class OperatorApiTests(ApiNode node) : IClassFixture<ApiNode>
{
    [Fact]
    public async Task A_disputed_week_is_listed_for_operators_and_resolving_it_charges_the_rest()
    {
        var created = await node.Client.Http.PostAsJsonAsync("/api/contracts", new { freelancerEmail = node.Freelancer.Email, title = "Disputed", kind = "hourly", hourlyRateCents = 6000 });
        var contractId = (await created.Content.ReadFromJsonAsync<JsonElement>(ApiNode.Json)).GetProperty("contractId").GetString()!;
        (await node.Client.Http.PostAsJsonAsync($"/api/contracts/{contractId}/payment-methods", new { kind = "card", token = "sandbox-card-ok", makeDefault = true })).EnsureSuccessStatusCode();
        var segments = new[] { ApiNode.Start.AddMinutes(-30), ApiNode.Start.AddMinutes(-20) };
        foreach (var (segment, i) in segments.Select((s, i) => (s, i)))
        {
            await UploadAsync(contractId, segment.AddMinutes(4), "k" + i);
            (await node.Freelancer.Http.PostAsJsonAsync($"/api/contracts/{contractId}/activity", new[] { new { minuteUtc = segment.AddMinutes(2), keystrokes = 10, mouseClicks = 1, scrolls = 0 } })).EnsureSuccessStatusCode();
        }

        // Into the review period: the node's own reminders lock and submit the week.
        node.Clock.SetUtcNow(new DateTimeOffset(2026, 11, 24, 12, 0, 0, TimeSpan.Zero));
        await AwaitStatusAsync(contractId, "in-review");
        var dispute = await node.Client.Http.PostAsJsonAsync($"/api/contracts/{contractId}/timesheets/2026-W47/disputes", new { segmentStarts = new[] { segments[0] }, reason = "Not my work" });
        Assert.Equal(HttpStatusCode.Created, dispute.StatusCode);
        var disputeId = (await dispute.Content.ReadFromJsonAsync<JsonElement>(ApiNode.Json)).GetProperty("disputeId").GetString()!;

        await AwaitAssertions.AwaitAssertAsync(
            async () => Assert.Contains(disputeId, await node.Operator.Http.GetStringAsync("/api/disputes"), StringComparison.Ordinal), TimeSpan.FromSeconds(30));
        var resolved = await node.Operator.Http.PostAsJsonAsync($"/api/disputes/{disputeId}/resolve", new { refundSegmentStarts = new[] { segments[0] }, note = "Refund the first" });

        Assert.Equal(HttpStatusCode.OK, resolved.StatusCode);
        var charged = await AwaitStatusAsync(contractId, "charged");
        Assert.Equal(1000, charged.GetProperty("chargedCents").GetInt64());
        await AwaitAssertions.AwaitAssertAsync(
            async () => Assert.DoesNotContain(disputeId, await node.Operator.Http.GetStringAsync("/api/disputes"), StringComparison.Ordinal), TimeSpan.FromSeconds(30));
        await ProblemAssert.IsProblemAsync(
            await node.Operator.Http.PostAsJsonAsync($"/api/disputes/{disputeId}/resolve", new { refundSegmentStarts = Array.Empty<DateTimeOffset>(), note = "again" }),
            HttpStatusCode.Conflict, "dispute-not-open");
    }

    [Fact]
    public async Task Support_reports_reach_operators_newest_first_and_the_cluster_lists_its_regions()
    {
        (await node.Freelancer.Http.PostAsJsonAsync("/api/support/reports", new { kind = "problem", description = "Uploads fail", logExcerpt = "12:00 upload 503" })).EnsureSuccessStatusCode();
        (await node.Client.Http.PostAsJsonAsync("/api/support/reports", new { kind = "feedback", description = "Love the diary" })).EnsureSuccessStatusCode();

        var reports = await node.Operator.Http.GetFromJsonAsync<JsonElement>("/api/support/reports", ApiNode.Json);
        var cluster = await node.Operator.Http.GetFromJsonAsync<JsonElement>("/api/cluster", ApiNode.Json);

        Assert.Equal(["Love the diary", "Uploads fail"], reports.EnumerateArray().Take(2).Select(r => r.GetProperty("description").GetString()));
        Assert.Contains(cluster.GetProperty("regions").EnumerateArray(), r => r.GetProperty("type").GetString() == "contracts" && r.GetProperty("entities").GetInt32() >= 0);
        await ProblemAssert.IsProblemAsync(await node.Client.Http.PostAsJsonAsync("/api/support/reports", new { kind = "rant", description = "x" }), HttpStatusCode.BadRequest, "invalid-report");
    }

    private async Task<JsonElement> AwaitStatusAsync(string contractId, string status)
    {
        JsonElement last = default;
        await AwaitAssertions.AwaitAssertAsync(
            async () =>
            {
                // Nudges the clock a second at a time: a reminder in flight when the clock jumped is retried.
                node.Clock.Advance(TimeSpan.FromSeconds(61));
                last = await node.Client.Http.GetFromJsonAsync<JsonElement>($"/api/contracts/{contractId}/timesheets/2026-W47", ApiNode.Json);
                Assert.Equal(status, last.GetProperty("status").GetString());
            },
            TimeSpan.FromSeconds(30));
        return last;
    }

    private async Task UploadAsync(string contractId, DateTimeOffset capturedAt, string key)
    {
        using var form = new MultipartFormDataContent
        {
            { new ByteArrayContent(TestImages.Jpeg(320, 200)), "image", "s.jpg" },
            { new StringContent(JsonSerializer.Serialize(new { capturedAt, idempotencyKey = key }, ApiNode.Json), Encoding.UTF8, "application/json"), "meta" },
        };
        (await node.Freelancer.Http.PostAsync($"/api/contracts/{contractId}/screenshots", form)).EnsureSuccessStatusCode();
    }
}
