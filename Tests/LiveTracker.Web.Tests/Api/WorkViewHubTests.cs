using System.Net.Http.Json;
using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR;
using Xunit;

namespace LiveTracker.Web.Tests.Api;

/// <summary>The live Work View over a real WebSocket: who may watch, what arrives, and replay after a reconnect.</summary>
public sealed class WorkViewHubTests(ApiNode node) : IClassFixture<ApiNode>
{
    [Fact]
    public async Task Only_the_parties_may_watch_a_contract_and_anonymous_callers_cannot_connect()
    {
        var contractId = await CreateContractAsync();
        await using var stranger = await TestHubClient.ConnectAsync(node.BaseAddress, node.OtherClient.Token);
        await using var client = await TestHubClient.ConnectAsync(node.BaseAddress, node.Client.Token);

        var refused = await Assert.ThrowsAsync<HubException>(() => stranger.InvokeAsync("Watch", contractId));
        var refusedFrom = await Assert.ThrowsAsync<HubException>(() => stranger.InvokeAsync("WatchFrom", contractId, 0L));
        var watching = await client.InvokeAsync("Watch", contractId);

        Assert.Contains("not-found", refused.Message, StringComparison.Ordinal);
        Assert.Contains("not-found", refusedFrom.Message, StringComparison.Ordinal);
        Assert.Equal(contractId, watching.GetProperty("contractId").GetString());
        var anonymous = await Assert.ThrowsAsync<HttpRequestException>(() => TestHubClient.ConnectAsync(node.BaseAddress, null));
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
    }

    [Fact]
    public async Task Both_hub_forms_of_API_md_work_with_exactly_their_arguments_and_a_refused_stranger_receives_nothing()
    {
        var contractId = await CreateContractAsync();
        await using var live = await TestHubClient.ConnectAsync(node.BaseAddress, node.Client.Token);
        await using var resuming = await TestHubClient.ConnectAsync(node.BaseAddress, node.Freelancer.Token);
        await using var stranger = await TestHubClient.ConnectAsync(node.BaseAddress, node.OtherClient.Token);
        var before = (await live.InvokeAsync("Watch", contractId)).GetProperty("ordering").GetInt64();
        await Assert.ThrowsAsync<HubException>(() => stranger.InvokeAsync("Watch", contractId));
        await Assert.ThrowsAsync<HubException>(() => stranger.InvokeAsync("WatchFrom", contractId, before));
        var done = ApiNode.Start.AddHours(-7);
        (await node.Freelancer.Http.PostAsJsonAsync($"/api/contracts/{contractId}/manual-time", new { from = done, to = done.AddMinutes(10), memo = "Earlier" })).EnsureSuccessStatusCode();

        var seenLive = await live.ExpectAsync("segmentUpdated");
        var current = (await resuming.InvokeAsync("WatchFrom", contractId, before)).GetProperty("ordering").GetInt64();
        var replayed = await resuming.ExpectAsync("segmentUpdated");

        Assert.Equal(done, seenLive.GetProperty("segmentStart").GetDateTimeOffset());
        Assert.Equal(seenLive.GetProperty("ordering").GetInt64(), replayed.GetProperty("ordering").GetInt64());
        Assert.True(current >= replayed.GetProperty("ordering").GetInt64(), "WatchFrom answers the ordering the page is current to");
        Assert.Empty(await stranger.DrainAsync(TimeSpan.FromMilliseconds(500)));
        // The old two-argument Watch is gone: a caller sending it gets a clear refusal, not a silent watch.
        await Assert.ThrowsAsync<HubException>(() => live.InvokeAsync("Watch", contractId, before));
    }

    [Fact]
    public async Task A_watching_client_sees_tracking_and_new_time_as_the_journal_records_them()
    {
        var contractId = await CreateContractAsync();
        await using var client = await TestHubClient.ConnectAsync(node.BaseAddress, node.Client.Token);
        var since = (await client.InvokeAsync("Watch", contractId)).GetProperty("ordering").GetInt64();

        await node.Freelancer.Http.PostAsJsonAsync($"/api/contracts/{contractId}/tracking/start", new { memo = "Live work", deviceId = "laptop" });
        await node.Freelancer.Http.PostAsJsonAsync(
            $"/api/contracts/{contractId}/manual-time", new { from = ApiNode.Start.AddHours(-2), to = ApiNode.Start.AddHours(-2).AddMinutes(10), memo = "Call" });

        var tracking = await client.ExpectAsync("trackingChanged");
        var segment = await client.ExpectAsync("segmentUpdated", p => p.GetProperty("change").GetString() == "manual");
        Assert.Equal((contractId, true, "Live work"), (tracking.GetProperty("contractId").GetString(), tracking.GetProperty("active").GetBoolean(), tracking.GetProperty("memo").GetString()));
        Assert.True(segment.GetProperty("ordering").GetInt64() > since);
        Assert.Equal(ApiNode.Start.AddHours(-2), segment.GetProperty("segmentStart").GetDateTimeOffset());
        await node.Freelancer.Http.PostAsync($"/api/contracts/{contractId}/tracking/stop", null);
    }

    [Fact]
    public async Task A_page_that_reconnects_gets_what_it_missed_replayed_in_order()
    {
        var contractId = await CreateContractAsync();
        long seen;
        await using (var first = await TestHubClient.ConnectAsync(node.BaseAddress, node.Client.Token))
        {
            seen = (await first.InvokeAsync("Watch", contractId)).GetProperty("ordering").GetInt64();
        }

        var missed = ApiNode.Start.AddHours(-5);
        (await node.Freelancer.Http.PostAsJsonAsync($"/api/contracts/{contractId}/manual-time", new { from = missed, to = missed.AddMinutes(20), memo = "While away" })).EnsureSuccessStatusCode();
        await using var again = await TestHubClient.ConnectAsync(node.BaseAddress, node.Client.Token);

        var now = (await again.InvokeAsync("WatchFrom", contractId, seen)).GetProperty("ordering").GetInt64();

        var replayed = new[] { await again.ExpectAsync("segmentUpdated"), await again.ExpectAsync("segmentUpdated") };
        Assert.Equal([missed, missed.AddMinutes(10)], replayed.Select(r => r.GetProperty("segmentStart").GetDateTimeOffset()));
        Assert.All(replayed, r => Assert.InRange(r.GetProperty("ordering").GetInt64(), seen + 1, now));
    }

    [Fact]
    public async Task A_screenshot_appears_for_the_watching_client_and_its_rejection_reaches_the_freelancer()
    {
        var contractId = await CreateContractAsync();
        await using var client = await TestHubClient.ConnectAsync(node.BaseAddress, node.Client.Token);
        await using var freelancer = await TestHubClient.ConnectAsync(node.BaseAddress, node.Freelancer.Token);
        await client.InvokeAsync("Watch", contractId);
        await freelancer.InvokeAsync("Watch", contractId);

        using var form = new MultipartFormDataContent
        {
            { new ByteArrayContent(LiveTracker.Web.Tests.Media.Fixtures.TestImages.Jpeg(640, 400)), "image", "shot.jpg" },
            { new StringContent(JsonSerializer.Serialize(new { capturedAt = ApiNode.Start.AddMinutes(-3), idempotencyKey = "live-1" }, ApiNode.Json)), "meta" },
        };
        var upload = await node.Freelancer.Http.PostAsync($"/api/contracts/{contractId}/screenshots", form);
        var id = (await upload.Content.ReadFromJsonAsync<JsonElement>(ApiNode.Json)).GetProperty("screenshotId").GetString();

        var added = await client.ExpectAsync("screenshotAdded");
        Assert.Equal(id, added.GetProperty("screenshot").GetProperty("id").GetString());
        Assert.Equal($"/api/screenshots/{id}/thumb", added.GetProperty("screenshot").GetProperty("thumbUrl").GetString());

        (await node.Client.Http.PostAsJsonAsync($"/api/screenshots/{id}/reject", new { reason = "Facebook is not my project" })).EnsureSuccessStatusCode();

        var rejected = await freelancer.ExpectAsync("screenshotRejected");
        var notice = await freelancer.ExpectAsync("notification", n => n.GetProperty("kind").GetString() == "screenshot-rejected");
        Assert.Equal(id, rejected.GetProperty("screenshotId").GetString());
        Assert.Contains("Facebook is not my project", notice.GetProperty("text").GetString(), StringComparison.Ordinal);
    }

    private async Task<string> CreateContractAsync()
    {
        var created = await node.Client.Http.PostAsJsonAsync("/api/contracts", new { freelancerEmail = node.Freelancer.Email, title = "Live", kind = "hourly", hourlyRateCents = 3000 });
        created.EnsureSuccessStatusCode();
        return (await created.Content.ReadFromJsonAsync<JsonElement>(ApiNode.Json)).GetProperty("contractId").GetString()!;
    }
}
