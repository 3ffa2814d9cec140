using System.Net.Http.Json;
using LiveTracker.Agent.Tracking;

namespace LiveTracker.Agent.Control;

/// <summary>The command line's way to the running agent: the same JSON API the control page uses.</summary>
public sealed class ControlClient(ControlAddress address) : IDisposable
{
    private readonly HttpClient http = new() { BaseAddress = address.Url, Timeout = TimeSpan.FromSeconds(90) };

    public Uri Url => address.Url;

    public async Task<TrackerView> StateAsync() =>
        (await http.GetFromJsonAsync("api/state", AgentJson.Info<TrackerView>()))!;

    public Task<CommandResult> PostAsync<T>(string route, T body)
        where T : IControlBody => SendAsync(HttpMethod.Post, route, body);

    public Task<CommandResult> PutAsync<T>(string route, T body)
        where T : IControlBody => SendAsync(HttpMethod.Put, route, body);

    private async Task<CommandResult> SendAsync<T>(HttpMethod method, string route, T body)
        where T : IControlBody
    {
        using var request = new HttpRequestMessage(method, route) { Content = JsonContent.Create(body, AgentJson.Info<T>()) };
        using var response = await http.SendAsync(request);
        return await response.Content.ReadFromJsonAsync(AgentJson.Info<CommandResult>())
            ?? CommandResult.Refused($"The agent answered HTTP {(int)response.StatusCode} without a result.");
    }

    public void Dispose() => http.Dispose();
}
