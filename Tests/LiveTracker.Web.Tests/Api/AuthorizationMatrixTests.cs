using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Xunit;

namespace LiveTracker.Web.Tests.Api;

/// <summary>
/// Every route × {client, freelancer, other client, other freelancer, anonymous}: the status each gets, and no
/// data of the contract in any answer to someone who is not its party.
/// </summary>
public sealed class AuthorizationMatrixTests(ApiNode node) : IClassFixture<ApiNode>
{
    // Expected statuses in the order: client, freelancer, other client, other freelancer, anonymous.
    private sealed record Row(string Method, string Path, object? Body, params int[] Expected);

    [Fact]
    public async Task Each_route_answers_each_kind_of_caller_as_expected_and_leaks_nothing()
    {
        var hourly = await CreateAsync(new { freelancerEmail = node.Freelancer.Email, title = "Secret hourly project", kind = "hourly", hourlyRateCents = 5000 });
        var fixedPrice = await CreateAsync(new { freelancerEmail = node.Freelancer.Email, title = "Secret fixed project", kind = "fixed" });
        await node.Client.Http.PostAsJsonAsync($"/api/contracts/{fixedPrice}/payment-methods", new { kind = "card", token = "sandbox-card-ok", makeDefault = true });
        var milestone = (await (await node.Client.Http.PostAsJsonAsync($"/api/contracts/{fixedPrice}/milestones", new { title = "Secret milestone", amountCents = 1000 }))
            .Content.ReadFromJsonAsync<JsonElement>(ApiNode.Json)).GetProperty("milestoneId").GetString();
        var segment = ApiNode.Start.AddHours(-3);
        (await node.Freelancer.Http.PostAsJsonAsync($"/api/contracts/{hourly}/manual-time", new { from = segment, to = segment.AddMinutes(10), memo = "Secret memo" })).EnsureSuccessStatusCode();
        var capture = $"{hourly}~2026-W47~{Guid.NewGuid():N}";
        var start = new { memo = "Secret memo", deviceId = "laptop" };
        var minutes = new[] { new { minuteUtc = ApiNode.Start.AddMinutes(-5), keystrokes = 1, mouseClicks = 0, scrolls = 0 } };

        Row[] rows =
        [
            new("GET", $"/api/contracts/{hourly}", null, 200, 200, 404, 404, 401),
            new("PUT", $"/api/contracts/{hourly}/weekly-limit", new { hours = 30 }, 200, 403, 404, 403, 401),
            new("POST", $"/api/contracts/{hourly}/payment-methods", new { kind = "card", token = "sandbox-card-ok" }, 201, 403, 404, 403, 401),
            new("GET", $"/api/contracts/{hourly}/ledger", null, 200, 200, 404, 404, 401),
            new("POST", $"/api/contracts/{hourly}/tracking/start", start, 403, 200, 403, 404, 401),
            new("PUT", $"/api/contracts/{hourly}/tracking/memo", new { memo = "Secret memo 2" }, 403, 200, 403, 404, 401),
            new("POST", $"/api/contracts/{hourly}/activity", minutes, 403, 202, 403, 404, 401),
            new("GET", "/api/me/tracking", null, 403, 200, 403, 200, 401),
            new("POST", $"/api/contracts/{hourly}/tracking/stop", null, 403, 200, 403, 404, 401),
            new("GET", $"/api/contracts/{hourly}/diary?date=2026-11-16", null, 200, 200, 404, 404, 401),
            new("PUT", $"/api/contracts/{hourly}/segments/{segment:yyyy-MM-ddTHH:mm:ssZ}/memo", new { memo = "Secret memo 3" }, 403, 200, 403, 404, 401),
            new("POST", $"/api/contracts/{hourly}/manual-time", new { from = segment.AddMinutes(20), to = segment.AddMinutes(30), memo = "More" }, 403, 201, 403, 404, 401),
            new("GET", $"/api/contracts/{hourly}/timesheets/2026-W47", null, 200, 200, 404, 404, 401),
            new("GET", $"/api/contracts/{hourly}/timesheets/2026-W47.csv", null, 200, 200, 404, 404, 401),
            new("POST", $"/api/contracts/{hourly}/timesheets/2026-W47/disputes", new { segmentStarts = new[] { segment }, reason = "no" }, 409, 403, 404, 403, 401),
            new("POST", $"/api/contracts/{hourly}/timesheets/2026-W47/pay", null, 409, 403, 404, 403, 401),
            new("POST", $"/api/disputes/{hourly}~d1/resolve", new { refundSegmentStarts = Array.Empty<DateTimeOffset>(), note = "x" }, 403, 403, 403, 403, 401),
            new("GET", $"/api/screenshots/{capture}", null, 404, 404, 404, 404, 401),
            new("GET", $"/api/screenshots/{capture}/thumb", null, 404, 404, 404, 404, 401),
            new("PUT", $"/api/screenshots/{capture}/comment", new { comment = "hi" }, 403, 404, 404, 404, 401),
            new("POST", $"/api/contracts/{hourly}/screenshots", new { not = "multipart" }, 403, 400, 403, 404, 401),
            new("DELETE", $"/api/screenshots/{capture}", null, 403, 404, 404, 404, 401),
            new("POST", $"/api/screenshots/{capture}/reject", new { reason = "not mine" }, 404, 403, 404, 404, 401),
            new("POST", $"/api/screenshots/{capture}/review-request", new { message = "please" }, 403, 404, 404, 404, 401),
            new("POST", $"/api/contracts/{fixedPrice}/milestones", new { title = "Another", amountCents = 500 }, 201, 403, 404, 403, 401),
            new("GET", $"/api/contracts/{fixedPrice}/milestones", null, 200, 200, 404, 404, 401),
            new("POST", $"/api/milestones/{milestone}/fund", null, 200, 403, 404, 404, 401),
            new("POST", $"/api/milestones/{milestone}/submit", new { message = "done" }, 403, 200, 404, 404, 401),
            new("GET", "/api/disputes", null, 403, 403, 403, 403, 401),
            new("GET", "/api/cluster", null, 403, 403, 403, 403, 401),
            new("GET", "/api/support/reports", null, 403, 403, 403, 403, 401),
            new("POST", "/api/support/reports", new { kind = "feedback", description = "Nice" }, 201, 201, 201, 201, 401),
            new("POST", $"/api/contracts/{hourly}/end", null, 200, 200, 404, 404, 401),
        ];

        var callers = new[] { node.Client.Http, node.Freelancer.Http, node.OtherClient.Http, node.OtherFreelancer.Http, node.Anonymous() };
        var secrets = new[] { "Secret", node.Client.UserId, node.Freelancer.UserId, node.Client.Email, node.Freelancer.Email };
        var failures = new List<string>();
        foreach (var row in rows)
        {
            for (var i = 0; i < callers.Length; i++)
            {
                using var request = new HttpRequestMessage(new HttpMethod(row.Method), row.Path)
                {
                    Content = row.Body is null ? null : new StringContent(JsonSerializer.Serialize(row.Body, ApiNode.Json), Encoding.UTF8, "application/json"),
                };
                using var response = await callers[i].SendAsync(request);
                var body = await response.Content.ReadAsStringAsync();
                if ((int)response.StatusCode != row.Expected[i])
                {
                    failures.Add($"{row.Method} {row.Path} as {i}: expected {row.Expected[i]}, got {(int)response.StatusCode} {body}");
                }

                if (i >= 2 && secrets.FirstOrDefault(s => body.Contains(s, StringComparison.Ordinal)) is { } leaked)
                {
                    failures.Add($"{row.Method} {row.Path} as {i}: the answer contains '{leaked}'");
                }

                if (!response.IsSuccessStatusCode)
                {
                    Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
                }
            }
        }

        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures));
    }

    private async Task<string> CreateAsync(object body)
    {
        var created = await node.Client.Http.PostAsJsonAsync("/api/contracts", body);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        return (await created.Content.ReadFromJsonAsync<JsonElement>(ApiNode.Json)).GetProperty("contractId").GetString()!;
    }
}
