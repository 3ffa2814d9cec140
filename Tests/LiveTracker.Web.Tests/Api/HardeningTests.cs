using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR;
using Xunit;

namespace LiveTracker.Web.Tests.Api;

/// <summary>Abuse a reviewer found: far-off dates, nulls, time after a contract ended, cross-site requests, revoked sign-ins.</summary>
public sealed class HardeningTests(ApiNode node) : IClassFixture<ApiNode>
{
    [Fact]
    public async Task Far_off_weeks_and_days_and_null_activity_are_refused_without_hurting_the_contract()
    {
        var contractId = await CreateContractAsync();

        await ProblemAssert.IsProblemAsync(await node.Client.Http.GetAsync($"/api/contracts/{contractId}/timesheets/9999-W52"), HttpStatusCode.BadRequest, "invalid-week");
        await ProblemAssert.IsProblemAsync(await node.Client.Http.GetAsync($"/api/contracts/{contractId}/diary?date=9999-12-31"), HttpStatusCode.BadRequest, "invalid-date");
        await ProblemAssert.IsProblemAsync(
            await node.Freelancer.Http.PostAsync($"/api/contracts/{contractId}/activity", new StringContent("[null]", Encoding.UTF8, "application/json")),
            HttpStatusCode.BadRequest, "invalid-activity");
        Assert.Equal(HttpStatusCode.OK, (await node.Client.Http.GetAsync($"/api/contracts/{contractId}/timesheets/2026-W47")).StatusCode);
    }

    [Fact]
    public async Task No_time_is_added_after_a_contract_ended_but_earlier_time_still_lands()
    {
        var contractId = await CreateContractAsync();
        (await node.Client.Http.PostAsync($"/api/contracts/{contractId}/end", null)).EnsureSuccessStatusCode();

        var after = await node.Freelancer.Http.PostAsJsonAsync($"/api/contracts/{contractId}/manual-time", new { from = ApiNode.Start.AddHours(-1), to = ApiNode.Start.AddHours(1), memo = "After the end" });
        var before = await node.Freelancer.Http.PostAsJsonAsync($"/api/contracts/{contractId}/manual-time", new { from = ApiNode.Start.AddHours(-3), to = ApiNode.Start.AddHours(-2), memo = "Before the end" });

        await ProblemAssert.IsProblemAsync(after, HttpStatusCode.Conflict, "contract-ended");
        Assert.Equal(HttpStatusCode.Created, before.StatusCode);
        await ProblemAssert.IsProblemAsync(
            await node.Freelancer.Http.PostAsJsonAsync($"/api/contracts/{contractId}/tracking/start", new { memo = "x", deviceId = "laptop" }), HttpStatusCode.Conflict, "contract-ended");
    }

    [Fact]
    public async Task A_cookie_request_from_another_site_is_refused_and_the_same_site_one_goes_through()
    {
        var contractId = await CreateContractAsync();
        using var handler = new HttpClientHandler { CookieContainer = new CookieContainer() };
        using var browser = new HttpClient(handler) { BaseAddress = node.BaseAddress };
        (await browser.PostAsJsonAsync("/api/auth/login", new { email = node.Client.Email, password = node.Client.Password })).EnsureSuccessStatusCode();

        using var fromElsewhere = new HttpRequestMessage(HttpMethod.Put, $"/api/contracts/{contractId}/weekly-limit") { Content = JsonContent.Create(new { hours = 1 }) };
        fromElsewhere.Headers.Add("Origin", "http://evil.example");
        using var sibling = new HttpRequestMessage(HttpMethod.Put, $"/api/contracts/{contractId}/weekly-limit") { Content = JsonContent.Create(new { hours = 1 }) };
        sibling.Headers.Add("Sec-Fetch-Site", "same-site");
        using var own = new HttpRequestMessage(HttpMethod.Put, $"/api/contracts/{contractId}/weekly-limit") { Content = JsonContent.Create(new { hours = 12 }) };
        own.Headers.Add("Origin", node.BaseAddress.GetLeftPart(UriPartial.Authority));
        own.Headers.Add("Sec-Fetch-Site", "same-origin");

        await ProblemAssert.IsProblemAsync(await browser.SendAsync(fromElsewhere), HttpStatusCode.Forbidden, "cross-site-request");
        await ProblemAssert.IsProblemAsync(await browser.SendAsync(sibling), HttpStatusCode.Forbidden, "cross-site-request");
        Assert.Equal(HttpStatusCode.OK, (await browser.SendAsync(own)).StatusCode);
    }

    [Fact]
    public async Task Signing_out_ends_the_live_feed_of_that_sign_in()
    {
        var contractId = await CreateContractAsync();
        var viewer = await node.SignUpAsync("client", "Viewer");
        var created = await node.Client.Http.GetFromJsonAsync<JsonElement>($"/api/contracts/{contractId}", ApiNode.Json);
        Assert.NotEqual(viewer.UserId, created.GetProperty("clientId").GetString());
        await using var hub = await TestHubClient.ConnectAsync(node.BaseAddress, node.Client.Token);
        await hub.InvokeAsync("Watch", contractId);

        (await node.Client.Http.PostAsync("/api/auth/logout", null)).EnsureSuccessStatusCode();
        await hub.ExpectAsync("signedOut");
        (await node.Freelancer.Http.PostAsJsonAsync($"/api/contracts/{contractId}/tracking/start", new { memo = "Unseen", deviceId = "pc" })).EnsureSuccessStatusCode();

        await Assert.ThrowsAsync<TimeoutException>(() => hub.ExpectAsync("trackingChanged", timeout: TimeSpan.FromSeconds(1)));
        var refused = await Assert.ThrowsAsync<HubException>(() => hub.InvokeAsync("Watch", contractId));
        Assert.Contains("unauthenticated", refused.Message, StringComparison.Ordinal);
        await node.Freelancer.Http.PostAsync($"/api/contracts/{contractId}/tracking/stop", null);
    }

    private async Task<string> CreateContractAsync()
    {
        var created = await node.Client.Http.PostAsJsonAsync("/api/contracts", new { freelancerEmail = node.Freelancer.Email, title = "Hardening", kind = "hourly", hourlyRateCents = 1000 });
        created.EnsureSuccessStatusCode();
        return (await created.Content.ReadFromJsonAsync<JsonElement>(ApiNode.Json)).GetProperty("contractId").GetString()!;
    }
}
