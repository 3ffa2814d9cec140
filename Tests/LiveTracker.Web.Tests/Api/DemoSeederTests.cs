using System.Net.Http.Json;
using System.Text.Json;
using LiveTracker.Web.Demo;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace LiveTracker.Web.Tests.Api;

/// <summary>What <c>./run</c> shows a newcomer: demo users who can sign in and a day of Work Diary to look at.</summary>
public sealed class DemoSeederTests(ApiNode node) : IClassFixture<ApiNode>
{
    [Fact]
    public async Task The_demo_client_signs_in_and_sees_a_day_of_screenshots_and_seeding_again_adds_nothing()
    {
        var seeder = node.Services.GetRequiredService<DemoSeeder>();

        var lines = await seeder.SeedAsync(CancellationToken.None);
        await seeder.SeedAsync(CancellationToken.None);

        Assert.Contains(lines, l => l.Contains(DemoSeeder.ClientEmail, StringComparison.Ordinal));
        using var http = node.Anonymous();
        var login = await http.PostAsJsonAsync("/api/auth/login", new { email = DemoSeeder.ClientEmail, password = DemoSeeder.Password });
        var token = (await login.Content.ReadFromJsonAsync<JsonElement>(ApiNode.Json)).GetProperty("token").GetString();
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        var contracts = await http.GetFromJsonAsync<JsonElement>("/api/contracts", ApiNode.Json);
        var contract = Assert.Single(contracts.EnumerateArray());
        Assert.StartsWith("DEMO", contract.GetProperty("title").GetString(), StringComparison.Ordinal);
        Assert.True(contract.GetProperty("workViewReady").GetBoolean());

        var diary = await http.GetFromJsonAsync<JsonElement>($"/api/contracts/{contract.GetProperty("contractId").GetString()}/diary?date=2026-11-16", ApiNode.Json);
        var shots = diary.GetProperty("segments").EnumerateArray().Where(s => s.TryGetProperty("screenshot", out var shot) && shot.ValueKind == JsonValueKind.Object).ToList();
        Assert.InRange(shots.Count, 3, 60);
        var thumb = await http.GetAsync(shots[0].GetProperty("screenshot").GetProperty("thumbUrl").GetString());
        Assert.Equal("image/jpeg", thumb.Content.Headers.ContentType?.MediaType);
    }
}
