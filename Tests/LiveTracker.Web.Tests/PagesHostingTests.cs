using System.Net;
using System.Net.Http.Json;
using LiveTracker.Web.Hosting;
using LiveTracker.Web.Tests.Api;
using Xunit;

namespace LiveTracker.Web.Tests;

/// <summary>The node serves the pages and the SignalR browser client, and the API's own answers are left alone.</summary>
public sealed class PagesHostingTests(ApiNode node) : IClassFixture<ApiNode>
{
    [Theory]
    [InlineData("/")]
    [InlineData("/diary.html")]
    [InlineData("/cluster.html")]
    [InlineData("/diary")]
    [InlineData("/some/bookmark")]
    public async Task Pages_are_html_with_a_strict_content_security_policy(string path)
    {
        using var http = node.Anonymous();
        using var response = await http.GetAsync(path);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(Pages.ContentSecurityPolicy, response.Headers.GetValues("Content-Security-Policy").Single());
        Assert.Contains("<!doctype html>", await response.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task The_signalr_browser_client_from_npm_is_served_under_lib()
    {
        using var http = node.Anonymous();
        using var response = await http.GetAsync("/lib/signalr.min.js");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/javascript", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("HubConnectionBuilder", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/api/nothing-here")]
    [InlineData("/hubs/nothing-here")]
    [InlineData("/openapi/nothing-here")]
    [InlineData("/lib/nothing-here")]
    [InlineData("/missing.js")]
    public async Task Unknown_api_hub_and_file_paths_stay_404_problems_not_pages(string path)
    {
        using var http = node.Anonymous();
        using var response = await http.GetAsync(path);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.NotEqual("text/html", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task A_bodiless_post_to_an_api_route_with_an_optional_body_reaches_the_route_not_the_page_fallback()
    {
        var created = await node.Client.Http.PostAsJsonAsync("/api/contracts", new { freelancerEmail = node.Freelancer.Email, title = "Fallback", kind = "hourly", hourlyRateCents = 100 });
        var contractId = (await created.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>(ApiNode.Json)).GetProperty("contractId").GetString();

        using var stop = await node.Freelancer.Http.PostAsync($"/api/contracts/{contractId}/tracking/stop", null);
        using var unknown = await node.Anonymous().PostAsync("/api/nothing-here", null);
        using var page = await node.Anonymous().PostAsync("/some/page", null);

        Assert.Equal(HttpStatusCode.OK, stop.StatusCode);
        Assert.Equal((HttpStatusCode.NotFound, HttpStatusCode.NotFound), (unknown.StatusCode, page.StatusCode));
    }

    [Fact]
    public async Task The_api_still_answers_json_and_health_is_untouched()
    {
        using var http = node.Anonymous();
        using var me = await http.GetAsync("/api/me");
        using var health = await http.GetAsync("/healthz");
        using var openApi = await http.GetAsync("/openapi/v1.json");

        Assert.Equal(HttpStatusCode.Unauthorized, me.StatusCode);
        Assert.Equal("application/problem+json", me.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal(HttpStatusCode.OK, openApi.StatusCode);
    }
}
