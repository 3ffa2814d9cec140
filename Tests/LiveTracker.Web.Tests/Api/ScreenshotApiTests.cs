using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using LiveTracker.Web.Tests.Media.Fixtures;
using Xunit;

namespace LiveTracker.Web.Tests.Api;

/// <summary>Screenshot uploads through the API: what is accepted, how it is served, and what is refused.</summary>
public sealed class ScreenshotApiTests(ApiNode node) : IClassFixture<ApiNode>
{
    [Fact]
    public async Task An_upload_lands_in_its_segment_with_a_server_made_thumbnail_and_a_repeat_answers_the_first()
    {
        var contractId = await CreateContractAsync();
        var capturedAt = ApiNode.Start.AddMinutes(-6); // 09:24, in the 09:20 segment
        var png = TestImages.Png(800, 450);

        var first = await UploadAsync(contractId, png, "image.jpg", new { capturedAt, idempotencyKey = "shot-1", appName = "Code", windowTitle = "Überblick.cs" });
        var again = await UploadAsync(contractId, png, "image.jpg", new { capturedAt, idempotencyKey = "shot-1", appName = "Code", windowTitle = "Überblick.cs" });

        Assert.Equal((HttpStatusCode.Created, HttpStatusCode.OK), (first.StatusCode, again.StatusCode));
        var created = await first.Content.ReadFromJsonAsync<JsonElement>(ApiNode.Json);
        var id = created.GetProperty("screenshotId").GetString()!;
        Assert.Equal(id, (await again.Content.ReadFromJsonAsync<JsonElement>(ApiNode.Json)).GetProperty("screenshotId").GetString());
        Assert.Equal(ApiNode.Start.AddMinutes(-10), created.GetProperty("segmentStart").GetDateTimeOffset());

        var full = await node.Client.Http.GetAsync($"/api/screenshots/{id}");
        var thumb = await node.Client.Http.GetAsync($"/api/screenshots/{id}/thumb");
        Assert.Equal("image/png", full.Content.Headers.ContentType?.MediaType);
        Assert.Equal(png, await full.Content.ReadAsByteArrayAsync());
        Assert.Equal("image/jpeg", thumb.Content.Headers.ContentType?.MediaType);
        var thumbCheck = new LiveTracker.Web.Media.ImageInspector().Inspect(await thumb.Content.ReadAsByteArrayAsync());
        Assert.Equal((320, 180), (thumbCheck.Width, thumbCheck.Height));

        var diary = await node.Client.Http.GetFromJsonAsync<JsonElement>($"/api/contracts/{contractId}/diary?date=2026-11-16", ApiNode.Json);
        var segment = diary.GetProperty("segments")[0];
        Assert.Equal(id, segment.GetProperty("screenshot").GetProperty("id").GetString());
        Assert.Equal("Überblick.cs", segment.GetProperty("windowTitle").GetString());
        await ProblemAssert.IsProblemAsync(await node.OtherClient.Http.GetAsync($"/api/screenshots/{id}"), HttpStatusCode.NotFound, "not-found");
    }

    [Fact]
    public async Task The_client_rejects_a_screenshot_and_the_freelancer_deletes_another()
    {
        var contractId = await CreateContractAsync();
        var rejected = await UploadIdAsync(contractId, ApiNode.Start.AddMinutes(-25), "r");
        var deleted = await UploadIdAsync(contractId, ApiNode.Start.AddMinutes(-15), "d");

        Assert.Equal(HttpStatusCode.OK, (await node.Client.Http.PostAsJsonAsync($"/api/screenshots/{rejected}/reject", new { reason = "Not my project" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await node.Freelancer.Http.PostAsJsonAsync($"/api/screenshots/{rejected}/review-request", new { message = "It was" })).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await node.Freelancer.Http.DeleteAsync($"/api/screenshots/{deleted}")).StatusCode);

        var diary = await node.Freelancer.Http.GetFromJsonAsync<JsonElement>($"/api/contracts/{contractId}/diary?date=2026-11-16", ApiNode.Json);
        Assert.Equal(["rejected", "deleted"], diary.GetProperty("segments").EnumerateArray().Select(s => s.GetProperty("status").GetString()));
        await ProblemAssert.IsProblemAsync(await node.Client.Http.GetAsync($"/api/screenshots/{deleted}"), HttpStatusCode.NotFound, "not-found");
    }

    [Fact]
    public async Task Uploads_that_are_not_images_too_large_truncated_foreign_or_in_the_future_get_problems()
    {
        var contractId = await CreateContractAsync();
        var at = ApiNode.Start.AddMinutes(-2);
        var jpeg = TestImages.Jpeg(640, 360);

        await ProblemAssert.IsProblemAsync(
            await UploadAsync(contractId, Encoding.UTF8.GetBytes("<html>not an image</html>"), "x.png", new { capturedAt = at, idempotencyKey = "a" }), HttpStatusCode.UnprocessableEntity, "invalid-image");
        await ProblemAssert.IsProblemAsync(
            await UploadAsync(contractId, jpeg[..(jpeg.Length / 2)], "x.jpg", new { capturedAt = at, idempotencyKey = "b" }), HttpStatusCode.UnprocessableEntity, "invalid-image");
        await ProblemAssert.IsProblemAsync(
            await UploadAsync(contractId, new byte[(8 * 1024 * 1024) + 1], "x.jpg", new { capturedAt = at, idempotencyKey = "c" }), HttpStatusCode.RequestEntityTooLarge, "image-too-large");
        await ProblemAssert.IsProblemAsync(
            await UploadAsync(contractId, jpeg, "x.jpg", new { capturedAt = at.AddHours(1), idempotencyKey = "d" }), HttpStatusCode.BadRequest, "capture-in-future");
        await ProblemAssert.IsProblemAsync(
            await UploadAsync(contractId, jpeg, "x.jpg", new { idempotencyKey = "e" }), HttpStatusCode.BadRequest, "invalid-meta");
        await ProblemAssert.IsProblemAsync(
            await UploadAsync(contractId, jpeg, "x.jpg", new { capturedAt = at, idempotencyKey = "f" }, node.OtherFreelancer), HttpStatusCode.NotFound, "not-found");
        await ProblemAssert.IsProblemAsync(
            await UploadAsync(contractId, jpeg, "x.jpg", new { capturedAt = at.AddDays(-14), idempotencyKey = "g" }), HttpStatusCode.Conflict, "week-locked");

        Assert.Equal(HttpStatusCode.OK, (await node.Anonymous().GetAsync("/readyz")).StatusCode);
    }

    [Fact]
    public async Task A_few_hundred_malformed_uploads_only_ever_get_4xx_and_the_node_stays_healthy()
    {
        var contractId = await CreateContractAsync();
        var random = new Random(4242);
        var seeds = new[] { TestImages.Jpeg(320, 200), TestImages.Png(300, 200), TestImages.WebP(200, 120) };
        for (var i = 0; i < 300; i++)
        {
            var bytes = (byte[])seeds[i % seeds.Length].Clone();
            switch (i % 4)
            {
                case 0:
                    bytes = bytes[..random.Next(1, bytes.Length)];
                    break;
                case 1:
                    for (var flips = 0; flips < 8; flips++)
                    {
                        bytes[random.Next(bytes.Length)] ^= (byte)random.Next(1, 256);
                    }

                    break;
                case 2:
                    random.NextBytes(bytes);
                    break;
            }

            using var response = await UploadAsync(contractId, bytes, "fuzz.bin", new { capturedAt = ApiNode.Start.AddMinutes(-1), idempotencyKey = $"fuzz-{i}" });
            Assert.True((int)response.StatusCode < 500, $"case {i}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }

        Assert.Equal(HttpStatusCode.OK, (await node.Anonymous().GetAsync("/readyz")).StatusCode);
    }

    private async Task<string> UploadIdAsync(string contractId, DateTimeOffset at, string key)
    {
        var response = await UploadAsync(contractId, TestImages.Jpeg(320, 200), "s.jpg", new { capturedAt = at, idempotencyKey = key });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>(ApiNode.Json)).GetProperty("screenshotId").GetString()!;
    }

    private Task<HttpResponseMessage> UploadAsync(string contractId, byte[] image, string fileName, object meta, Persona? who = null)
    {
        var form = new MultipartFormDataContent();
        var imagePart = new ByteArrayContent(image);
        imagePart.Headers.ContentType = new MediaTypeHeaderValue("image/jpeg"); // what the part claims is ignored
        form.Add(imagePart, "image", fileName);
        form.Add(new StringContent(JsonSerializer.Serialize(meta, ApiNode.Json), Encoding.UTF8, "application/json"), "meta");
        return (who ?? node.Freelancer).Http.PostAsync($"/api/contracts/{contractId}/screenshots", form);
    }

    private async Task<string> CreateContractAsync()
    {
        var created = await node.Client.Http.PostAsJsonAsync("/api/contracts", new { freelancerEmail = node.Freelancer.Email, title = "Shots", kind = "hourly", hourlyRateCents = 3000 });
        created.EnsureSuccessStatusCode();
        return (await created.Content.ReadFromJsonAsync<JsonElement>(ApiNode.Json)).GetProperty("contractId").GetString()!;
    }
}
