using System.Collections.Concurrent;
using System.Globalization;
using Akka.Actor;
using Akka.Serialization;

namespace LiveTracker.Testing;

/// <summary>
/// For tests with <c>akka.actor.serialize-messages = on</c>: "round-trips" a message that never leaves its process by
/// handing back the same instance. Akka.Persistence.Sql's journal sends itself <c>WriteFinished</c>, which carries a
/// Task and is not marked <c>INoSerializationVerificationNeeded</c>, and its write journal passes replies through an
/// internal resequencer in a <c>Desequenced</c> wrapper that Akka's fallback serializer cannot rebuild; without this,
/// verification drops them. Only
/// such plugin-internal types are bound here (<see cref="Hocon"/>); every product message goes through the real
/// serializer.
/// </summary>
public sealed class LocalOnlySerializer(ExtendedActorSystem system) : SerializerWithStringManifest(system)
{
    /// <summary>The settings that turn on message verification with this exception in place.</summary>
    public const string Hocon = """
        akka.actor {
          serialize-messages = on
          serializers.local-only = "LiveTracker.Testing.LocalOnlySerializer, LiveTracker.Testing"
          serialization-bindings {
            "Akka.Persistence.Sql.Journal.Types.WriteFinished, Akka.Persistence.Sql" = local-only
            # The journal's replies to an entity, passed on in order by its resequencer; they carry our events, which go
            # through the real serializer when they are stored.
            "Akka.Persistence.Journal.AsyncWriteJournal+Desequenced, Akka.Persistence" = local-only
            # The read journal's own bookkeeping (its ordering tracker), which Akka's fallback serializer loses.
            "Akka.Persistence.Sql.Query.InternalProtocol.NewOrderingIds, Akka.Persistence.Sql" = local-only
            "Akka.Persistence.Sql.Query.InternalProtocol.MissingElements, Akka.Persistence.Sql" = local-only
            "Akka.Persistence.Sql.Query.InternalProtocol.MaxOrderingId, Akka.Persistence.Sql" = local-only
            "Akka.Persistence.Sql.Query.InternalProtocol.GetMaxOrderingId, Akka.Persistence.Sql" = local-only
            "Akka.Persistence.Sql.Query.InternalProtocol.QueryOrderingIds, Akka.Persistence.Sql" = local-only
            "Akka.Persistence.Sql.Query.InternalProtocol.AssumeMaxOrderingId, Akka.Persistence.Sql" = local-only
            "Akka.Persistence.Sql.Query.InternalProtocol.ScheduleAssumeMaxOrderingId, Akka.Persistence.Sql" = local-only
            "Akka.Persistence.Sql.Query.InternalProtocol.EventsByTagResponseItem, Akka.Persistence.Sql" = local-only
            # What a query stream hands its local subscriber.
            "Akka.Persistence.Query.EventEnvelope, Akka.Persistence.Query" = local-only
          }
        }
        """;

    private static readonly ConcurrentDictionary<long, object> InFlight = new();
    private static long _next;

    public override int Identifier => 7799;

    public override string Manifest(object o) => "local";

    public override byte[] ToBinary(object obj)
    {
        var id = Interlocked.Increment(ref _next);
        InFlight[id] = obj;
        return System.Text.Encoding.ASCII.GetBytes(id.ToString(CultureInfo.InvariantCulture));
    }

    public override object FromBinary(byte[] bytes, string manifest) =>
        InFlight.TryRemove(long.Parse(System.Text.Encoding.ASCII.GetString(bytes), CultureInfo.InvariantCulture), out var obj)
            ? obj
            : throw new System.Runtime.Serialization.SerializationException("A local-only message was read twice.");
}
