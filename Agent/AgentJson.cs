using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using LiveTracker.Agent.Control;
using LiveTracker.Agent.Local;
using LiveTracker.Agent.Server;
using LiveTracker.Agent.Tracking;

namespace LiveTracker.Agent;

/// <summary>
/// Every shape the agent reads or writes as JSON, serialized by code made at compile time. The agent ships trimmed
/// (ADR 0007): reflection-based serialization is switched off in it, so a type missing here fails in the tests the
/// same way it would for a freelancer, and no serializer is made at run time (less JIT, less memory).
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
// The server's API (API.md).
[JsonSerializable(typeof(LoginRequest))]
[JsonSerializable(typeof(StartRequest))]
[JsonSerializable(typeof(StopRequest))]
[JsonSerializable(typeof(MemoRequest))]
[JsonSerializable(typeof(ReportRequest))]
[JsonSerializable(typeof(List<ActivityItem>))]
[JsonSerializable(typeof(CaptureMeta))]
[JsonSerializable(typeof(LoginResult))]
[JsonSerializable(typeof(List<ContractInfo>))]
[JsonSerializable(typeof(SessionResult))]
[JsonSerializable(typeof(TrackingInfo))]
[JsonSerializable(typeof(UploadResult))]
[JsonSerializable(typeof(ReportResult))]
// The control page's API and the command line's way to it.
[JsonSerializable(typeof(ControlAddress))]
[JsonSerializable(typeof(TrackerView))]
[JsonSerializable(typeof(CommandResult))]
[JsonSerializable(typeof(NoBody))]
[JsonSerializable(typeof(StartBody))]
[JsonSerializable(typeof(MemoBody))]
[JsonSerializable(typeof(UseBody))]
[JsonSerializable(typeof(IdleBody))]
[JsonSerializable(typeof(ReportBody))]
[JsonSerializable(typeof(SettingBody))]
// What the outbox keeps between runs.
[JsonSerializable(typeof(TrackingSession))]
[JsonSerializable(typeof(string))]
internal sealed partial class AgentJson : JsonSerializerContext
{
    /// <summary>The contract for <typeparamref name="T"/>; throws for a type not listed above.</summary>
    public static JsonTypeInfo<T> Info<T>() => (JsonTypeInfo<T>?)Default.GetTypeInfo(typeof(T))
        ?? throw new NotSupportedException($"{typeof(T).Name} is not one of the agent's JSON shapes (AgentJson).");
}

/// <summary>The files the freelancer may read or edit: indented.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, WriteIndented = true)]
[JsonSerializable(typeof(AgentSettings))]
[JsonSerializable(typeof(Credentials))]
internal sealed partial class AgentFileJson : JsonSerializerContext;
