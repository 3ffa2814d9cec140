using System.Net;
using System.Text.Json;
using Xunit;

namespace LiveTracker.Web.Tests.Api;

public static class ProblemAssert
{
    /// <summary>The response is <c>application/problem+json</c> with <paramref name="status"/> and the stable <paramref name="code"/>.</summary>
    public static async Task IsProblemAsync(HttpResponseMessage response, HttpStatusCode status, string code)
    {
        ArgumentNullException.ThrowIfNull(response);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"Expected {(int)status} {code}, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var json = JsonDocument.Parse(body);
        Assert.Equal(code, json.RootElement.GetProperty("code").GetString());
        Assert.False(string.IsNullOrWhiteSpace(json.RootElement.GetProperty("detail").GetString()));
    }
}
