using System.Net.Http.Json;
using System.Text.Json;
using LiveTracker.Agent.Tracking;

namespace LiveTracker.Agent.Control;

/// <summary>The command line's way to the running agent: the same JSON API the control page uses.</summary>
public sealed class ControlClient(ControlAddress address) : IDisposable
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly HttpClient http = new() { BaseAddress = address.Url, Timeout = TimeSpan.FromSeconds(90) };

    public Uri Url => address.Url;

    public async Task<TrackerView> StateAsync() =>
        (await http.GetFromJsonAsync<TrackerView>("api/state", Json))!;

    public Task<CommandResult> PostAsync(string route, object body) => SendAsync(HttpMethod.Post, route, body);

    public Task<CommandResult> PutAsync(string route, object body) => SendAsync(HttpMethod.Put, route, body);

    private async Task<CommandResult> SendAsync(HttpMethod method, string route, object body)
    {
        using var request = new HttpRequestMessage(method, route) { Content = JsonContent.Create(body, body.GetType(), options: Json) };
        using var response = await http.SendAsync(request);
        return await response.Content.ReadFromJsonAsync<CommandResult>(Json)
            ?? CommandResult.Refused($"The agent answered HTTP {(int)response.StatusCode} without a result.");
    }

    public void Dispose() => http.Dispose();
}
