using System.Collections.Concurrent;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace LiveTracker.Actors.Serialization;

/// <summary>
/// Names an event or snapshot type in the journal. The name is stored instead of the CLR type name, so classes
/// can be renamed or moved freely; give a new name (e.g. <c>.v2</c>) when the JSON shape changes incompatibly and
/// register an <see cref="IEventUpcaster"/> from the old one.
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class ManifestAttribute(string name) : Attribute
{
    public string Name { get; } = name;
}

/// <summary>
/// Rewrites stored JSON of an old manifest into the shape of a newer one while it is read, so old events never
/// need migrating in the database. Upcasters chain: v1 → v2 → v3.
/// </summary>
public interface IEventUpcaster
{
    string FromManifest { get; }

    string ToManifest { get; }

    JsonObject Upcast(JsonObject payload);
}

/// <summary>Thrown when an event cannot be written or read because its type or manifest is unknown.</summary>
public sealed class UnknownManifestException(string message) : Exception(message);

/// <summary>
/// Turns events and snapshots into (manifest, JSON) and back, with System.Text.Json (camelCase). Types are
/// registered explicitly or by scanning an assembly for <see cref="ManifestAttribute"/>.
/// </summary>
public sealed class EventSerializer
{
    private readonly ConcurrentDictionary<string, Type> _typesByManifest = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<Type, string> _manifestsByType = new();
    private readonly ConcurrentDictionary<string, IEventUpcaster> _upcasters = new(StringComparer.Ordinal);

    public EventSerializer(JsonSerializerOptions? options = null) =>
        Options = options ?? new JsonSerializerOptions(JsonSerializerDefaults.Web) { Converters = { new TimeZoneIdConverter() } };

    public JsonSerializerOptions Options { get; }

    public EventSerializer Register<T>() => Register(typeof(T));

    public EventSerializer Register(Type type)
    {
        ArgumentNullException.ThrowIfNull(type);
        var manifest = type.GetCustomAttribute<ManifestAttribute>()?.Name
            ?? throw new UnknownManifestException($"{type.FullName} has no [Manifest] attribute.");
        if (_typesByManifest.TryGetValue(manifest, out var existing) && existing != type)
        {
            throw new InvalidOperationException($"Manifest '{manifest}' is used by both {existing.FullName} and {type.FullName}.");
        }

        _typesByManifest[manifest] = type;
        _manifestsByType[type] = manifest;
        return this;
    }

    /// <summary>Registers every type in <paramref name="assembly"/> that carries a <see cref="ManifestAttribute"/>.</summary>
    public EventSerializer RegisterAssembly(Assembly assembly)
    {
        ArgumentNullException.ThrowIfNull(assembly);
        foreach (var type in assembly.GetTypes().Where(t => t.GetCustomAttribute<ManifestAttribute>() is not null))
        {
            Register(type);
        }

        return this;
    }

    public EventSerializer AddUpcaster(IEventUpcaster upcaster)
    {
        ArgumentNullException.ThrowIfNull(upcaster);
        if (!_upcasters.TryAdd(upcaster.FromManifest, upcaster))
        {
            throw new InvalidOperationException($"Two upcasters start from manifest '{upcaster.FromManifest}'.");
        }

        return this;
    }

    public string ManifestOf(Type type) =>
        _manifestsByType.TryGetValue(type, out var manifest)
            ? manifest
            : throw new UnknownManifestException($"{type.FullName} is not registered with the event serializer (missing [Manifest] or Register call).");

    public (string Manifest, string Payload) Serialize(object value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var type = value.GetType();
        return (ManifestOf(type), JsonSerializer.Serialize(value, type, Options));
    }

    /// <summary>The manifest of a registered type, or null for any other type.</summary>
    public string? TryManifestOf(Type type) => _manifestsByType.TryGetValue(type, out var manifest) ? manifest : null;

    /// <summary>JSON as UTF-8 bytes, the form Akka's serializers hand to the journal and to remoting.</summary>
    public byte[] SerializeToUtf8Bytes(object value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return JsonSerializer.SerializeToUtf8Bytes(value, value.GetType(), Options);
    }

    public object Deserialize(string manifest, ReadOnlySpan<byte> utf8Payload)
    {
        if (!_upcasters.IsEmpty && _upcasters.ContainsKey(manifest))
        {
            return Deserialize(manifest, System.Text.Encoding.UTF8.GetString(utf8Payload));
        }

        return _typesByManifest.TryGetValue(manifest, out var type)
            ? JsonSerializer.Deserialize(utf8Payload, type, Options) ?? throw new JsonException($"Payload of manifest '{manifest}' is null.")
            : throw new UnknownManifestException($"No type is registered for manifest '{manifest}'.");
    }

    public object Deserialize(string manifest, string payload)
    {
        if (!_upcasters.IsEmpty && _upcasters.ContainsKey(manifest))
        {
            (manifest, payload) = Upcast(manifest, payload);
        }

        if (!_typesByManifest.TryGetValue(manifest, out var type))
        {
            throw new UnknownManifestException($"No type is registered for manifest '{manifest}'.");
        }

        return JsonSerializer.Deserialize(payload, type, Options)
            ?? throw new JsonException($"Payload of manifest '{manifest}' is null.");
    }

    private (string Manifest, string Payload) Upcast(string manifest, string payload)
    {
        var node = JsonNode.Parse(payload) as JsonObject
            ?? throw new JsonException($"Payload of manifest '{manifest}' is not a JSON object and cannot be upcast.");
        var seen = new HashSet<string>(StringComparer.Ordinal);
        while (_upcasters.TryGetValue(manifest, out var upcaster))
        {
            if (!seen.Add(manifest))
            {
                throw new InvalidOperationException($"Upcasters form a cycle at manifest '{manifest}'.");
            }

            node = upcaster.Upcast(node);
            manifest = upcaster.ToManifest;
        }

        return (manifest, node.ToJsonString());
    }
}

/// <summary>A time zone travels as its IANA/Windows id (a week's terms name the zone its week rules use).</summary>
internal sealed class TimeZoneIdConverter : System.Text.Json.Serialization.JsonConverter<TimeZoneInfo>
{
    public override TimeZoneInfo Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        TimeZoneInfo.FindSystemTimeZoneById(reader.GetString() ?? throw new JsonException("A time zone id is required."));

    public override void Write(Utf8JsonWriter writer, TimeZoneInfo value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(value);
        writer.WriteStringValue(value.Id);
    }
}

/// <summary>
/// A message inside a message (<see cref="Contracts.ForWeek.Command"/>): written with its type's name so the node that
/// reads it gets the same command back. Only for messages that travel, never for stored events: both ends of a hop
/// run the same build.
/// </summary>
public sealed class EnclosedMessageConverter : System.Text.Json.Serialization.JsonConverter<object>
{
    public override object Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.StartObject || !reader.Read() || reader.GetString() != "type" || !reader.Read())
        {
            throw new JsonException("An enclosed message starts with its type.");
        }

        var type = Type.GetType(reader.GetString() ?? string.Empty, throwOnError: true)!;
        if (!reader.Read() || reader.GetString() != "message" || !reader.Read())
        {
            throw new JsonException("An enclosed message has a message after its type.");
        }

        var message = JsonSerializer.Deserialize(ref reader, type, options) ?? throw new JsonException("An enclosed message is null.");
        if (!reader.Read() || reader.TokenType != JsonTokenType.EndObject)
        {
            throw new JsonException("An enclosed message has only a type and a message.");
        }

        return message;
    }

    public override void Write(Utf8JsonWriter writer, object value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(value);
        writer.WriteStartObject();
        writer.WriteString("type", value.GetType().AssemblyQualifiedName);
        writer.WritePropertyName("message");
        JsonSerializer.Serialize(writer, value, value.GetType(), options);
        writer.WriteEndObject();
    }
}
