using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Cluster.Hosting;
using Akka.Configuration;
using Akka.Hosting;
using Akka.Management.Cluster.Bootstrap;
using Akka.Management.Dsl;
using Akka.Persistence.Sql.Hosting;
using LinqToDB;
using LiveTracker.Actors.Accounts;
using LiveTracker.Actors.Configuration;
using LiveTracker.Actors.Serialization;
using LiveTracker.Actors.Contracts;
using LiveTracker.Actors.Sessions;
using LiveTracker.Actors.Deadlines;
using LiveTracker.Actors.Operations;
using LiveTracker.Actors.Payments;
using Microsoft.Extensions.Logging;

using AkkaCluster = Akka.Cluster.Cluster;

namespace LiveTracker.Actors.Hosting;

/// <summary>
/// The node's actor system, <c>livetracker</c>, through Akka.Hosting: a cluster of one or more members (a node with
/// no seed nodes joins itself), Akka.Persistence.Sql on the configured database, the product's JSON serializer for
/// everything stored or sent, Akka's logs through Microsoft.Extensions.Logging, and one shard region per entity kind.
/// </summary>
public static class LiveTrackerAkka
{
    public const string SystemName = "livetracker";

    /// <summary>What the product needs whatever <c>akka.hocon</c> says; the file's <c>akka</c> section is laid over it.</summary>
    private const string Baseline = """
        akka {
          actor {
            provider = cluster
            serialize-messages = off
          }
          remote.dot-netty.tcp {
            hostname = "127.0.0.1"
            port = 0
          }
          cluster {
            # A node that was downed stops itself (and its process), so its entities can only live elsewhere.
            run-coordinated-shutdown-when-down = on
            # kill -9 of a node -> its shards serve again on the others within 10 s (ADR 0014): a silent node is
            # unreachable after about 2 s without heartbeats plus the detector's margin (~3.5 s), and the Split Brain
            # Resolver downs it once membership was stable for 3 s more; keep-majority: the side with more nodes stays.
            failure-detector {
              heartbeat-interval = 1s
              acceptable-heartbeat-pause = 2s
            }
            split-brain-resolver {
              active-strategy = keep-majority
              stable-after = 3s
            }
            sharding {
              least-shard-allocation-strategy.rebalance-absolute-limit = 3
              # A region asks the (possibly moved) coordinator again this soon for a shard's home.
              retry-interval = 1s
            }
          }
          coordinated-shutdown.exit-clr = off
          persistence.journal.sql {
            # Only deadline events are tagged (ADR 0010); the keeper follows them through the tag table.
            tag-write-mode = TagTable
          }
        }
        """;

    /// <summary>
    /// SQLite has one writer at a time. The plugin's default isolation ("unspecified") makes Microsoft.Data.Sqlite open
    /// every transaction, reads included, with BEGIN IMMEDIATE, which takes the write lock: each recovery, query poll
    /// and sequence-number read then blocks the journal's writes, and a blocked statement sleeps 150 ms before retrying.
    /// "read-uncommitted" opens read transactions deferred (a plain BEGIN); without a shared cache SQLite ignores the
    /// level itself, so a reader still sees only committed data (in WAL mode, as of its start).
    /// </summary>
    private const string SqliteJournal = """
        akka.persistence {
          journal.sql.read-isolation-level = read-uncommitted
          journal.sql.parallelism = 1
          query.journal.sql.read-isolation-level = read-uncommitted
          snapshot-store.sql.read-isolation-level = read-uncommitted
        }
        """;

    /// <summary>
    /// The whole node's Akka.NET side. Payments go through <paramref name="gateway"/>; entities log through
    /// <paramref name="loggers"/>, the host's logging.
    /// </summary>
    public static AkkaConfigurationBuilder AddLiveTracker(
        this AkkaConfigurationBuilder builder, LiveTrackerSettings settings, TimeProvider time, IPaymentGateway gateway, ILoggerFactory loggers)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(settings);
        Directory.CreateDirectory(settings.DataDirectory);
        if (settings.Persistence.Provider == PersistenceProvider.Sqlite)
        {
            UseWriteAheadLog(settings.Persistence);
        }

        builder
            .AddHocon(ConfigurationFactory.ParseString(Baseline), HoconAddMode.Prepend)
            .ConfigureLoggers(loggers =>
            {
                // Warnings and errors by default: Akka's info lines (remoting, singletons, every membership step) run to
                // dozens per start and stop. `akka.loglevel = INFO` in akka.hocon brings them back.
                loggers.LogLevel = Akka.Event.LogLevel.WarningLevel;
                loggers.ClearLoggers();
                loggers.AddLoggerFactory();
            })
            .WithCustomSerializer(LiveTrackerSerializer.Name, LiveTrackerSerializer.BoundTypes(), system => new LiveTrackerSerializer(system))
            .WithClustering()
            .WithSqlPersistence(
                DataOptions(settings.Persistence),
                databaseMapping: settings.Persistence.Provider == PersistenceProvider.PostgreSql ? DatabaseMapping.PostgreSql : DatabaseMapping.Sqlite,
                autoInitialize: true)
            .AddHocon(ConfigurationFactory.ParseString(ProviderNames(settings.Persistence)), HoconAddMode.Prepend)
            .AddHocon(ConfigurationFactory.ParseString(settings.Persistence.Provider == PersistenceProvider.Sqlite ? SqliteJournal : "akka {}"), HoconAddMode.Prepend)
            .AddHocon(ConfigurationFactory.ParseString(SeedNodes(settings.Cluster)), HoconAddMode.Prepend)
            .AddHocon(ConfigurationFactory.ParseString(Discovery(settings.Cluster)), HoconAddMode.Prepend)
            .AddHocon(settings.AkkaConfig, HoconAddMode.Prepend);
        if (!settings.Cluster.Discovery.Enabled)
        {
            builder.AddStartup((system, _) => JoinSelfWithoutSeeds(system, settings.Cluster));
        }
        else
        {
            // Each node's contact point (management host and port) is probed by the others; Cluster Bootstrap then
            // joins the cluster they report, or (the lowest-addressed of the nodes found, none in a cluster yet) forms it.
            // The web host serves the contact point (Web's BootstrapContactPoint, ADR 0015): Akka.Management's own HTTP
            // server does not start with the Ceen.Httpd served here, so it is not started; asking bootstrap for its
            // routes is how it learns its own contact point's address.
            var management = settings.Cluster.Management;
            var selfContactPoint = new Uri(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"http://{management.Hostname}:{management.Port}/"));
            builder
                .AddHocon(ClusterBootstrap.DefaultConfiguration(), HoconAddMode.Append)
                .AddStartup(async (system, _) =>
                {
                    var bootstrap = ClusterBootstrap.Get(system);
                    bootstrap.Routes(ManagementRouteProviderSettings.Create(selfContactPoint, readOnly: true));
                    await bootstrap.Start();
                });
        }

        if (settings.Persistence.Provider == PersistenceProvider.Sqlite)
        {
            var guardLog = loggers.CreateLogger<SingleNodeGuard>();
            builder.AddStartup((system, _) => system.ActorOf(ActorFactory.Props(() => new SingleNodeGuard(guardLog)), "single-node-guard"));
        }

        builder.WithActors((system, registry) =>
            registry.Register<ClusterMembersKey>(system.ActorOf(ActorFactory.Props(() => new ClusterMembers(time)), "cluster-members")));

        var extractor = new EntityMessageExtractor(settings.Sharding.ShardCount);
        var shards = new ShardOptions
        {
            PassivateIdleEntityAfter = settings.Sharding.PassivateIdleEntityAfter,
            RememberEntities = false,
            HandOffStopMessage = Sharding.HandOffEntity.Instance,
        };
        builder.WithShardRegion<TokenRegion>(
            AccessToken.RegionType, id => ActorFactory.Props(() => new AccessToken(id, time)), extractor, shards);
        var snapshotEvery = settings.Persistence.SnapshotEvery;
        builder.WithShardRegion<SupportDeskRegion>(
            SupportDesk.RegionType, id => ActorFactory.Props(() => new SupportDesk(id, time, snapshotEvery)), extractor, shards);
        builder.WithShardRegion<UserRegion>(
            UserAccount.RegionType, id => ActorFactory.Props(() => new UserAccount(id, time, snapshotEvery)), extractor, shards);
        builder.WithShardRegion<DisputeDeskRegion>(
            DisputeDesk.RegionType, id => ActorFactory.Props(() => new DisputeDesk(id, snapshotEvery)), extractor, shards);
        var billingLog = loggers.CreateLogger<BillingAccount>();
        // The account answers "provider unavailable" before the one who asked gives up on it, so the caller hears why.
        var gatewayTimeout = settings.Actors.AskTimeout * 0.8;
        builder.WithShardRegion<BillingRegion>(
            BillingAccount.RegionType,
            id => ActorFactory.Props(() => new BillingAccount(id, gateway, time, billingLog, snapshotEvery, gatewayTimeout)),
            extractor,
            shards);
        var rules = settings.ToContractRules();
        var contractLog = loggers.CreateLogger<Contract>();
        var skew = settings.Domain.ClockSkewTolerance;
        builder.WithShardRegion<ContractRegion>(
            Contract.RegionType,
            (_, registry, _) => id => ActorFactory.Props(() => new Contract(id, rules, new DomainRegionRefs(registry), time, contractLog, snapshotEvery)),
            extractor,
            shards);
        // Weeks and trackers passivate themselves: a week opened ahead of its start stays until it starts (ADR 0017); a
        // tracking freelancer's tracker holds the time of the last input in memory and stays while tracking.
        var passivateAfter = settings.Sharding.PassivateIdleEntityAfter;
        var selfPassivating = new ShardOptions { ShouldPassivateIdleEntities = false, RememberEntities = false, HandOffStopMessage = Sharding.HandOffEntity.Instance };
        builder.WithShardRegion<WeekRegion>(
            WorkWeek.RegionType, id => ActorFactory.Props(() => new WorkWeek(id, time, snapshotEvery, skew, passivateAfter)), extractor, selfPassivating);
        builder.WithShardRegion<TrackerRegion>(
            FreelancerTracker.RegionType,
            (_, registry, _) => id => ActorFactory.Props(() => new FreelancerTracker(id, registry.Get<ContractRegion>(), time, snapshotEvery, passivateAfter)),
            extractor,
            selfPassivating);
        var keeperLog = loggers.CreateLogger<DeadlineKeeper>();
        builder.WithSingleton<DeadlineKeeperSingleton>(
            DeadlineKeeper.SingletonName,
            ActorFactory.Props(() => new DeadlineKeeper(time, keeperLog, snapshotEvery, DeadlineTick, settings.Actors.AskTimeout)),
            // Akka.NET 1.5.75's proxy starts its "singleton not found" timer with no initial delay, so it warns on every
            // node start before the singleton could answer; the keeper's own warnings say when deadlines are stuck.
            new ClusterSingletonOptions { LogSingletonIdentificationFailure = false });
        return builder;
    }

    /// <summary>How often the deadline keeper looks for deadlines that fell due (the domain clock decides which).</summary>
    public static readonly TimeSpan DeadlineTick = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Asks each region once, so a node's first real request does not pay for starting the shard coordinators and the
    /// journal (which creates its tables on first use): the web host serves after this.
    /// </summary>
    public static async Task WarmUpAsync(ActorRegistry registry, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(registry);
        async Task<object> Ask<TRegion>(string entityId, object message) =>
            await (await registry.GetAsync<TRegion>(cancellationToken)).Ask<object>(new ShardingEnvelope(entityId, message), timeout, cancellationToken);

        await Task.WhenAll(
            Ask<TokenRegion>("warm-up", new GetToken()),
            Ask<SupportDeskRegion>(SupportDesk.EntityId, new GetSupportReports(1)),
            Ask<UserRegion>("warm-up", new GetUser()),
            Ask<DisputeDeskRegion>(DisputeDesk.EntityId, new GetOpenDisputes()),
            Ask<BillingRegion>("warm-up", new GetBillingAccount()),
            Ask<ContractRegion>("warm-up", new GetContract()),
            Ask<WeekRegion>("warm-up@2026-W01", new GetDiary()),
            Ask<TrackerRegion>("warm-up", new GetTracking()));
    }

    /// <summary>The seed nodes' addresses in Akka's form; none: the node joins itself.</summary>
    private static string SeedNodes(ClusterSettings cluster)
    {
        if (cluster.SeedNodes.Count == 0)
        {
            return "akka {}";
        }

        var addresses = string.Join(", ", cluster.SeedNodes.Select(seed => $"\"akka.tcp://{SystemName}@{seed}\""));
        return $"akka.cluster.seed-nodes = [{addresses}]";
    }

    /// <summary>
    /// Akka.Management and Cluster Bootstrap for <c>livetracker.cluster.discovery</c> (ADR 0015): where the management
    /// endpoint listens and is reached, the name the nodes share, and the discovery method that lists them.
    /// </summary>
    internal static string Discovery(ClusterSettings cluster)
    {
        var discovery = cluster.Discovery;
        if (!discovery.Enabled)
        {
            return "akka {}";
        }

        var management = cluster.Management;
        var port = management.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var required = discovery.RequiredContactPoints.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var endpoints = string.Join(", ", discovery.ConfigEndpoints.Select(e => "\"" + e + "\""));
        var method = discovery.Method == DiscoveryMethod.Config
            ? $$"""
                akka.discovery {
                  method = config
                  config.services.{{discovery.ServiceName}}.endpoints = [{{endpoints}}]
                }
                # The endpoints name their own ports (on one machine every node's differs): probe each where it says.
                akka.management.cluster.bootstrap.contact-point.filter-on-fallback-port = false
                """
            : $$"""
                akka.discovery {
                  method = kubernetes-api
                  kubernetes-api.pod-label-selector = "{{discovery.PodLabelSelector}}"
                }
                # The pod's container port of this name is its management endpoint (deploy/k8s).
                akka.management.cluster.bootstrap.contact-point-discovery.port-name = "management"
                """;
        return $$"""
            akka.management {
              http {
                hostname = "{{management.Hostname}}"
                port = {{port}}
              }
              cluster.bootstrap {
                contact-point-discovery {
                  service-name = "{{discovery.ServiceName}}"
                  discovery-method = akka.discovery
                  required-contact-point-nr = {{required}}
                }
                contact-point.fallback-port = {{port}}
              }
            }
            {{method}}
            """;
    }

    /// <summary>A node alone is a one-member cluster: with neither seed nodes nor discovery configured it joins itself.</summary>
    private static void JoinSelfWithoutSeeds(ActorSystem system, ClusterSettings settings)
    {
        var cluster = AkkaCluster.Get(system);
        if (settings.JoinsItself && cluster.Settings.SeedNodes.Count == 0)
        {
            cluster.Join(cluster.SelfAddress);
        }
    }

    /// <summary>
    /// SQLite in write-ahead-log mode: readers (recoveries, the live feed's queries, the deadline keeper's tag query) no
    /// longer block the journal's commits, and a commit is one fsync of the log instead of a rollback journal created,
    /// synced and deleted. The mode is stored in the database file, so setting it once per start is enough.
    /// </summary>
    private static void UseWriteAheadLog(PersistenceSettings persistence)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(persistence.SqliteFile)!);
        using var connection = new Microsoft.Data.Sqlite.SqliteConnection(ConnectionString(persistence));
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode=WAL;";
        var mode = command.ExecuteScalar() as string;
        if (!string.Equals(mode, "wal", StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidOperationException($"SQLite at {persistence.SqliteFile} refused write-ahead-log mode (journal_mode is {mode}).");
        }
    }

    /// <summary>
    /// The provider's name in each plugin's own settings as well. Given <see cref="LinqToDB.DataOptions"/>, Akka.Persistence.Sql
    /// 1.5.73 takes the provider from them to talk to the database, but decides from its <c>provider-name</c> setting
    /// (empty then) which indexes to create with the tables: without it the journal gets no unique index on
    /// (persistence_id, sequence_nr) and the tag table none on the tag, so every recovery and every
    /// highest-sequence-number read scans the whole journal (recovery fell to 4,000 events/s at a million rows), and
    /// nothing in the database refuses a second writer of the same sequence number.
    /// </summary>
    private static string ProviderNames(PersistenceSettings persistence)
    {
        var name = ProviderNameOf(persistence);
        return $$"""
            akka.persistence {
              journal.sql.provider-name = "{{name}}"
              query.journal.sql.provider-name = "{{name}}"
              snapshot-store.sql.provider-name = "{{name}}"
            }
            """;
    }

    private static string ProviderNameOf(PersistenceSettings persistence) =>
        persistence.Provider == PersistenceProvider.PostgreSql ? ProviderName.PostgreSQL15 : ProviderName.SQLiteMS;

    private static DataOptions DataOptions(PersistenceSettings persistence)
    {
        var options = new DataOptions().UseConnectionString(ProviderNameOf(persistence), ConnectionString(persistence));
        return persistence.Provider == PersistenceProvider.PostgreSql ? options : options.UseInterceptor(SqliteWriteBatching.Instance);
    }

    /// <summary>The connection string of the node's database, as the journal uses it.</summary>
    public static string ConnectionString(PersistenceSettings persistence) =>
        persistence.Provider == PersistenceProvider.PostgreSql
            ? persistence.ConnectionString
            : new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder { DataSource = persistence.SqliteFile, Pooling = true }.ToString();
}
