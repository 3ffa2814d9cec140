using System.Collections.Concurrent;
using System.Text.Json;
using Akka.Actor;
using Akka.Serialization;


namespace LiveTracker.Actors.Serialization;

/// <summary>
/// How LiveTracker's messages, events and snapshots become bytes, for the journal and between nodes: System.Text.Json
/// with a string manifest. Stored types carry a <see cref="ManifestAttribute"/>, so the journal holds stable names
/// such as <c>token.issued.v1</c> (never a CLR type name) and old shapes are upcast on read. Messages that only
/// travel (commands and replies, never stored) are named by their type, prefixed <c>type:</c>; both ends of a hop
/// run the same build, so that name cannot go stale in a way that matters. Newtonsoft is never involved.
/// </summary>
public sealed class LiveTrackerSerializer(ExtendedActorSystem system) : SerializerWithStringManifest(system)
{
    /// <summary>The serializer's id in the journal's serializer column and on the wire; it never changes.</summary>
    public const int Id = 7707;

    public const string Name = "livetracker";

    private const string TransientPrefix = "type:";

    /// <summary>Every [Manifest] type of the product, with its upcasters; one instance for the process.</summary>
    public static EventSerializer Events { get; } = new EventSerializer().RegisterAssembly(typeof(LiveTrackerSerializer).Assembly);

    private static readonly ConcurrentDictionary<Type, string> TransientNames = new();
    private static readonly ConcurrentDictionary<string, Type> TransientTypes = new(StringComparer.Ordinal);

    public override int Identifier => Id;

    /// <summary>
    /// The types bound to this serializer: every concrete public type of the actors assembly that is not itself an actor
    /// (events, snapshots, commands, replies). Akka's own messages keep Akka's serializers. A message to or from an
    /// entity is therefore a named type of this assembly, never a bare collection.
    /// </summary>
    public static IReadOnlyList<Type> BoundTypes() =>
        [.. typeof(LiveTrackerSerializer).Assembly.GetTypes().Where(t =>
            (t.IsPublic || t.IsNestedPublic) && t.IsClass && !t.IsAbstract && !t.IsGenericTypeDefinition
            && !typeof(Akka.Actor.ActorBase).IsAssignableFrom(t) && !typeof(Exception).IsAssignableFrom(t)
            && !typeof(Serializer).IsAssignableFrom(t) && !t.IsDefined(typeof(System.Runtime.CompilerServices.CompilerGeneratedAttribute), false)
            && t.Namespace is { } ns && !ns.StartsWith("LiveTracker.Actors.Hosting", StringComparison.Ordinal)
            && !ns.StartsWith("LiveTracker.Actors.Serialization", StringComparison.Ordinal))];

    public override string Manifest(object o)
    {
        ArgumentNullException.ThrowIfNull(o);
        var type = o.GetType();
        return Events.TryManifestOf(type) ?? TransientNames.GetOrAdd(type, t => TransientPrefix + t.AssemblyQualifiedName);
    }

    public override byte[] ToBinary(object obj) => Events.SerializeToUtf8Bytes(obj);

    public override object FromBinary(byte[] bytes, string manifest)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        if (!manifest.StartsWith(TransientPrefix, StringComparison.Ordinal))
        {
            return Events.Deserialize(manifest, bytes);
        }

        var type = TransientTypes.GetOrAdd(manifest, m => Type.GetType(m[TransientPrefix.Length..], throwOnError: true)!);
        return JsonSerializer.Deserialize(bytes, type, Events.Options)
            ?? throw new System.Runtime.Serialization.SerializationException($"A null {type.Name} arrived.");
    }
}
