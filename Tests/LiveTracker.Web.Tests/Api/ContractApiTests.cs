using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Xunit;

namespace LiveTracker.Web.Tests.Api;

public sealed class ContractApiTests(ApiNode node) : IClassFixture<ApiNode>
{
    [Fact]
    public async Task A_client_hires_a_freelancer_and_only_the_two_of_them_see_the_contract()
    {
        var contractId = await CreateHourlyAsync("Landing page");

        foreach (var party in new[] { node.Client, node.Freelancer })
        {
            var listed = await party.Http.GetFromJsonAsync<List<ContractBody>>("/api/contracts", ApiNode.Json);
            Assert.Contains(listed!, c => c.ContractId == contractId);
            var one = await party.Http.GetFromJsonAsync<ContractBody>($"/api/contracts/{contractId}", ApiNode.Json);
            Assert.Equal(("Landing page", "hourly", 6000L, node.Client.UserId, node.Freelancer.UserId), (one!.Title, one.Kind, one.HourlyRateCents, one.ClientId, one.FreelancerId));
            Assert.False(one.WorkViewReady);
            Assert.Contains("no-default-payment-method", one.NotReadyReasons);
        }

        foreach (var stranger in new[] { node.OtherClient, node.OtherFreelancer })
        {
            var listed = await stranger.Http.GetStringAsync("/api/contracts");
            Assert.DoesNotContain(contractId, listed, StringComparison.Ordinal);
            await ProblemAssert.IsProblemAsync(await stranger.Http.GetAsync($"/api/contracts/{contractId}"), HttpStatusCode.NotFound, "not-found");
        }
    }

    [Fact]
    public async Task A_card_makes_the_contract_work_view_ready_and_the_client_sets_a_weekly_limit()
    {
        var contractId = await CreateHourlyAsync("Bookkeeping");

        var card = await node.Client.Http.PostAsJsonAsync($"/api/contracts/{contractId}/payment-methods", new { kind = "card", token = "sandbox-card-ok", makeDefault = true });
        var limit = await node.Client.Http.PutAsJsonAsync($"/api/contracts/{contractId}/weekly-limit", new { hours = 20 });

        Assert.Equal(HttpStatusCode.Created, card.StatusCode);
        var body = (await limit.Content.ReadFromJsonAsync<ContractBody>(ApiNode.Json))!;
        Assert.Equal((true, 20.0, 1200), (body.WorkViewReady, body.WeeklyLimitHours!.Value, body.WeeklyLimitMinutes!.Value));
        await ProblemAssert.IsProblemAsync(
            await node.Client.Http.PostAsJsonAsync($"/api/contracts/{contractId}/payment-methods", new { kind = "card", token = "sandbox-card-expired" }),
            HttpStatusCode.Conflict, "payment-method-declined");
        await ProblemAssert.IsProblemAsync(
            await node.Client.Http.PutAsJsonAsync($"/api/contracts/{contractId}/weekly-limit", new { hours = 200 }), HttpStatusCode.BadRequest, "invalid-limit");
    }

    [Fact]
    public async Task Bad_contracts_are_refused_with_codes()
    {
        await ProblemAssert.IsProblemAsync(
            await node.Client.Http.PostAsJsonAsync("/api/contracts", new { freelancerEmail = "nobody@example.test", title = "x", kind = "hourly", hourlyRateCents = 100 }),
            HttpStatusCode.BadRequest, "freelancer-not-found");
        await ProblemAssert.IsProblemAsync(
            await node.Client.Http.PostAsJsonAsync("/api/contracts", new { freelancerEmail = node.OtherClient.Email, title = "x", kind = "hourly", hourlyRateCents = 100 }),
            HttpStatusCode.BadRequest, "freelancer-not-found");
        await ProblemAssert.IsProblemAsync(
            await node.Client.Http.PostAsJsonAsync("/api/contracts", new { freelancerEmail = node.Freelancer.Email, title = "x", kind = "weekly" }),
            HttpStatusCode.BadRequest, "invalid-contract");
        await ProblemAssert.IsProblemAsync(
            await node.Client.Http.PostAsJsonAsync("/api/contracts", new { freelancerEmail = node.Freelancer.Email, title = "x", kind = "hourly", hourlyRateCents = 100, currency = "EUR" }),
            HttpStatusCode.BadRequest, "invalid-contract");
        await ProblemAssert.IsProblemAsync(
            await node.Freelancer.Http.PostAsJsonAsync("/api/contracts", new { freelancerEmail = node.Freelancer.Email, title = "x", kind = "hourly", hourlyRateCents = 100 }),
            HttpStatusCode.Forbidden, "forbidden");
    }

    [Fact]
    public async Task The_freelancer_tracks_time_sends_activity_and_sees_the_three_views_of_time()
    {
        var contractId = await CreateHourlyAsync("Tracked work");
        var http = node.Freelancer.Http;

        var started = await http.PostAsJsonAsync($"/api/contracts/{contractId}/tracking/start", new { memo = "Wiring the API", deviceId = "laptop" });
        var elsewhere = await http.PostAsJsonAsync($"/api/contracts/{contractId}/tracking/start", new { memo = "Same", deviceId = "desktop" });
        var activity = await http.PostAsJsonAsync($"/api/contracts/{contractId}/activity", new[]
        {
            new { minuteUtc = ApiNode.Start.AddMinutes(-10), keystrokes = 40, mouseClicks = 3, scrolls = 1 },
            new { minuteUtc = ApiNode.Start.AddMinutes(-9), keystrokes = 0, mouseClicks = 0, scrolls = 0 },
        });
        var memo = await http.PutAsJsonAsync($"/api/contracts/{contractId}/tracking/memo", new { memo = "Writing tests" });
        var manual = await http.PostAsJsonAsync($"/api/contracts/{contractId}/manual-time", new { from = ApiNode.Start.AddHours(-2), to = ApiNode.Start.AddHours(-1), memo = "Call with the client" });
        var mine = await http.GetFromJsonAsync<JsonElement>($"/api/me/tracking?contractId={contractId}", ApiNode.Json);
        var diary = await http.GetFromJsonAsync<JsonElement>($"/api/contracts/{contractId}/diary?date=2026-11-16", ApiNode.Json);
        var stopped = await http.PostAsync($"/api/contracts/{contractId}/tracking/stop", null);

        Assert.Equal(HttpStatusCode.OK, started.StatusCode);
        await ProblemAssert.IsProblemAsync(elsewhere, HttpStatusCode.Conflict, "session-active-elsewhere");
        Assert.Equal((HttpStatusCode.Accepted, HttpStatusCode.OK, HttpStatusCode.Created), (activity.StatusCode, memo.StatusCode, manual.StatusCode));
        Assert.True(mine.GetProperty("active").GetBoolean());
        Assert.Equal("Writing tests", mine.GetProperty("memo").GetString());
        Assert.Equal((60, 60, 6000L), (mine.GetProperty("todayMinutes").GetInt32(), mine.GetProperty("weekMinutes").GetInt32(), mine.GetProperty("weekAmountCents").GetInt64()));
        var segments = diary.GetProperty("segments").EnumerateArray().ToList();
        Assert.Equal(7, segments.Count); // six manual segments and the tracked one (no screenshot yet, so not billed)
        var tracked = segments.Single(s => s.GetProperty("segmentStart").GetDateTimeOffset() == ApiNode.Start.AddMinutes(-10));
        Assert.Equal(("logged", false, 10), (tracked.GetProperty("status").GetString(), tracked.GetProperty("billable").GetBoolean(), tracked.GetProperty("activity").GetArrayLength()));
        Assert.Equal(40, tracked.GetProperty("activity")[0].GetProperty("keystrokes").GetInt32());
        Assert.Equal(HttpStatusCode.OK, stopped.StatusCode);
        Assert.False((await http.GetFromJsonAsync<JsonElement>("/api/me/tracking", ApiNode.Json)).GetProperty("active").GetBoolean());
    }

    [Fact]
    public async Task A_fixed_price_milestone_is_funded_submitted_and_approved_over_the_api()
    {
        var created = await node.Client.Http.PostAsJsonAsync("/api/contracts", new { freelancerEmail = node.Freelancer.Email, title = "Logo", kind = "fixed" });
        var contractId = (await created.Content.ReadFromJsonAsync<JsonElement>(ApiNode.Json)).GetProperty("contractId").GetString()!;
        await node.Client.Http.PostAsJsonAsync($"/api/contracts/{contractId}/payment-methods", new { kind = "card", token = "sandbox-card-ok", makeDefault = true });

        var added = await node.Client.Http.PostAsJsonAsync($"/api/contracts/{contractId}/milestones", new { title = "Drafts", amountCents = 25_000 });
        var milestoneId = (await added.Content.ReadFromJsonAsync<JsonElement>(ApiNode.Json)).GetProperty("milestoneId").GetString()!;
        var unfunded = await node.Client.Http.PostAsync($"/api/milestones/{milestoneId}/approve", null);
        var funded = await node.Client.Http.PostAsync($"/api/milestones/{milestoneId}/fund", null);
        var submitted = await node.Freelancer.Http.PostAsJsonAsync($"/api/milestones/{milestoneId}/submit", new { message = "Three drafts" });
        var approved = await node.Client.Http.PostAsync($"/api/milestones/{milestoneId}/approve", null);
        var ledger = await node.Freelancer.Http.GetFromJsonAsync<JsonElement>($"/api/contracts/{contractId}/ledger", ApiNode.Json);

        Assert.Equal(HttpStatusCode.Created, added.StatusCode);
        await ProblemAssert.IsProblemAsync(unfunded, HttpStatusCode.Conflict, "milestone-not-funded");
        Assert.Equal("funded", (await funded.Content.ReadFromJsonAsync<JsonElement>(ApiNode.Json)).GetProperty("status").GetString());
        Assert.Equal("submitted", (await submitted.Content.ReadFromJsonAsync<JsonElement>(ApiNode.Json)).GetProperty("status").GetString());
        Assert.Equal("released", (await approved.Content.ReadFromJsonAsync<JsonElement>(ApiNode.Json)).GetProperty("status").GetString());
        Assert.Equal(25_000, ledger.GetProperty("freelancerPendingCents").GetInt64());
        await ProblemAssert.IsProblemAsync(await node.OtherClient.Http.PostAsync($"/api/milestones/{milestoneId}/approve", null), HttpStatusCode.NotFound, "not-found");
        await ProblemAssert.IsProblemAsync(
            await node.Client.Http.PostAsJsonAsync($"/api/contracts/{contractId}/milestones", new { title = "Nothing", amountCents = 0 }), HttpStatusCode.BadRequest, "invalid-amount");
    }

    private async Task<string> CreateHourlyAsync(string title)
    {
        var created = await node.Client.Http.PostAsJsonAsync("/api/contracts", new { freelancerEmail = node.Freelancer.Email, title, kind = "hourly", hourlyRateCents = 6000 });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        return (await created.Content.ReadFromJsonAsync<JsonElement>(ApiNode.Json)).GetProperty("contractId").GetString()!;
    }

    public sealed record ContractBody(
        string ContractId, string ClientId, string FreelancerId, string Title, string Kind, long HourlyRateCents, string Currency,
        double? WeeklyLimitHours, int? WeeklyLimitMinutes, bool WorkViewReady, List<string> NotReadyReasons);
}
