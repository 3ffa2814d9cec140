using System.Globalization;
using System.Text.RegularExpressions;
using LiveTracker.Actors.Configuration;
using LiveTracker.Web.Endpoints;
using Xunit;
using YamlDotNet.RepresentationModel;

namespace LiveTracker.Web.Tests.Deploy;

/// <summary>
/// deploy/'s Dockerfile, compose file and Kubernetes manifests, checked against what the node reads: Docker and kubectl
/// are not on the project's machines, so nothing here is built or applied (docs/operators.md). Every variable a manifest
/// sets is one the settings file names (or the node or its entrypoint reads), the settings load with the node's own
/// loader, and ports, probe paths and labels agree with what the node serves and discovers.
/// </summary>
public sealed partial class DeployManifestTests
{
    internal static readonly string Repo = FindRepo();
    private static readonly string Deploy = Path.Combine(Repo, "deploy");

    /// <summary>Read outside the settings file: by the node (LiveTrackerHost.ConfigPath) and by deploy/node-entrypoint.</summary>
    private static readonly string[] ReadOutsideTheFile = ["LIVETRACKER_CONFIG", "LIVETRACKER_APP"];

    [Fact]
    public void Every_manifest_is_yaml_and_every_Kubernetes_object_is_named()
    {
        var files = Directory.GetFiles(Deploy, "*.yaml", SearchOption.AllDirectories);
        Assert.Contains(Path.Combine(Deploy, "compose.yaml"), files);
        foreach (var file in files)
        {
            Assert.NotEmpty(LoadYaml(file));
        }

        var kinds = KubernetesObjects().Select(o => Scalar(o, "kind")).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(["ConfigMap", "PodDisruptionBudget", "Role", "RoleBinding", "Secret", "Service", "Service", "ServiceAccount", "StatefulSet"], kinds);
        Assert.All(KubernetesObjects(), o => Assert.False(string.IsNullOrEmpty(Scalar(o, "metadata", "name"))));
        var listed = Sequence(LoadYaml(Path.Combine(Deploy, "k8s", "kustomization.yaml")).Single(), "resources").Select(r => ((YamlScalarNode)r).Value!);
        Assert.Equal(Directory.GetFiles(Path.Combine(Deploy, "k8s"), "*.yaml").Select(Path.GetFileName).Where(f => f != "kustomization.yaml").Order(StringComparer.Ordinal), listed.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void The_StatefulSet_sets_only_variables_its_ConfigMap_names_and_the_settings_load_as_intended()
    {
        var (hocon, container, _) = KubernetesNode();
        var environment = ContainerEnvironment(container);
        var readable = Readable(hocon);
        Assert.All(environment.Keys, name => Assert.Contains(name, readable));

        var configPath = environment["LIVETRACKER_CONFIG"];
        var settings = LiveTrackerSettings.Load(SettingsFile.Parse(hocon, Path.GetFileName(configPath), Path.GetDirectoryName(configPath)!, environment.GetValueOrDefault));
        Assert.Equal("livetracker-0", settings.NodeId);
        Assert.Equal(PersistenceProvider.PostgreSql, settings.Persistence.Provider);
        Assert.Equal(DiscoveryMethod.Kubernetes, settings.Cluster.Discovery.Method);
        Assert.Empty(settings.Cluster.SeedNodes);
        Assert.Equal("10.0.0.7", settings.Cluster.Management.Hostname);
        Assert.Equal("10.0.0.7", settings.AkkaConfig.GetString("akka.remote.dot-netty.tcp.hostname"));
        Assert.Equal("0.0.0.0", settings.Http.Bind);
        Assert.Equal("0.0.0.0", settings.Cluster.Management.Bind);

        var ports = ContainerPorts(container);
        Assert.Equal(settings.Http.Port, ports["http"]);
        Assert.Equal(settings.Cluster.Management.Port, ports["management"]);
        Assert.Equal(settings.AkkaConfig.GetInt("akka.remote.dot-netty.tcp.port"), ports["remoting"]);

        // The ConfigMap is mounted where LIVETRACKER_CONFIG looks, and the data directory is a volume the pod can write.
        var mounts = Sequence(container, "volumeMounts").Cast<YamlMappingNode>().ToDictionary(m => Scalar(m, "name"), m => Scalar(m, "mountPath"));
        Assert.Equal(Path.GetDirectoryName(configPath), mounts["config"]);
        Assert.Equal(settings.DataDirectory, mounts["data"]);
    }

    [Fact]
    public void Probes_ask_the_health_endpoints_the_node_serves_on_its_HTTP_port()
    {
        var (_, container, _) = KubernetesNode();
        Assert.Equal(HealthEndpoints.ReadyPath, Scalar(container, "readinessProbe", "httpGet", "path"));
        Assert.Equal(HealthEndpoints.LivePath, Scalar(container, "livenessProbe", "httpGet", "path"));
        Assert.Equal("http", Scalar(container, "readinessProbe", "httpGet", "port"));
        Assert.Equal("http", Scalar(container, "livenessProbe", "httpGet", "port"));
        // The startup probe covers the node's wait for its journal (LiveFeed: up to 60 s) before liveness counts.
        Assert.Equal(HealthEndpoints.LivePath, Scalar(container, "startupProbe", "httpGet", "path"));
        var startupBudget = int.Parse(Scalar(container, "startupProbe", "periodSeconds"), CultureInfo.InvariantCulture)
            * int.Parse(Scalar(container, "startupProbe", "failureThreshold"), CultureInfo.InvariantCulture);
        Assert.True(startupBudget > 60, $"the startup probe gives up after {startupBudget} s, before the node's 60 s wait for its journal");
    }

    [Fact]
    public void Discovery_services_and_the_disruption_budget_select_the_pods_by_their_labels()
    {
        var (hocon, container, statefulSet) = KubernetesNode();
        var settings = LiveTrackerSettings.Load(SettingsFile.Parse(hocon, "akka.hocon", "/etc/livetracker", ContainerEnvironment(container).GetValueOrDefault));
        var podLabels = Labels(Mapping(statefulSet, "spec", "template", "metadata", "labels"));

        var selector = settings.Cluster.Discovery.PodLabelSelector.Split(',').Select(p => p.Split('=')).ToDictionary(p => p[0], p => p[1]);
        Assert.Subset(podLabels.ToHashSet(), selector.ToHashSet());
        Assert.Subset(podLabels.ToHashSet(), Labels(Mapping(statefulSet, "spec", "selector", "matchLabels")).ToHashSet());

        var services = KubernetesObjects().Where(o => Scalar(o, "kind") == "Service").ToList();
        Assert.All(services, service => Assert.Subset(podLabels.ToHashSet(), Labels(Mapping(service, "spec", "selector")).ToHashSet()));
        var headless = services.Single(s => Scalar(s, "metadata", "name") == Scalar(statefulSet, "spec", "serviceName"));
        Assert.Equal("None", Scalar(headless, "spec", "clusterIP"));
        var ports = ContainerPorts(container);
        Assert.All(services.SelectMany(s => Sequence(s, "spec", "ports").Cast<YamlMappingNode>()), port => Assert.Contains(Scalar(port, "targetPort"), ports.Keys));

        var budget = KubernetesObjects().Single(o => Scalar(o, "kind") == "PodDisruptionBudget");
        Assert.Equal("1", Scalar(budget, "spec", "maxUnavailable"));
        Assert.Subset(podLabels.ToHashSet(), Labels(Mapping(budget, "spec", "selector", "matchLabels")).ToHashSet());
    }

    [Fact]
    public void The_pods_may_list_pods_and_read_their_Secret()
    {
        var (_, container, statefulSet) = KubernetesNode();
        var account = Scalar(statefulSet, "spec", "template", "spec", "serviceAccountName");
        var objects = KubernetesObjects();
        Assert.Contains(objects, o => Scalar(o, "kind") == "ServiceAccount" && Scalar(o, "metadata", "name") == account);
        var binding = objects.Single(o => Scalar(o, "kind") == "RoleBinding");
        Assert.Contains(Sequence(binding, "subjects").Cast<YamlMappingNode>(), s => Scalar(s, "kind") == "ServiceAccount" && Scalar(s, "name") == account);
        var role = objects.Single(o => Scalar(o, "kind") == "Role" && Scalar(o, "metadata", "name") == Scalar(binding, "roleRef", "name"));
        Assert.Contains(Sequence(role, "rules").Cast<YamlMappingNode>(), rule =>
            Sequence(rule, "resources").Any(r => ((YamlScalarNode)r).Value == "pods") && Sequence(rule, "verbs").Any(v => ((YamlScalarNode)v).Value == "list"));

        var pg = Sequence(container, "env").Cast<YamlMappingNode>().Single(e => Scalar(e, "name") == "LIVETRACKER_PG");
        var secret = objects.Single(o => Scalar(o, "kind") == "Secret");
        Assert.Equal(Scalar(secret, "metadata", "name"), Scalar(pg, "valueFrom", "secretKeyRef", "name"));
        Assert.Contains(Scalar(pg, "valueFrom", "secretKeyRef", "key"), Mapping(secret, "stringData").Children.Keys.Select(k => ((YamlScalarNode)k).Value));
    }

    [Fact]
    public void The_image_sets_only_settings_the_node_reads_and_exposes_their_ports_and_runs_the_entrypoint_local_cluster_runs()
    {
        var dockerfile = File.ReadAllText(Path.Combine(Deploy, "Dockerfile"));
        var repoHocon = File.ReadAllText(Path.Combine(Repo, "akka.hocon"));
        var image = ImageEnvironment(dockerfile);
        Assert.All(image.Keys.Where(k => !k.StartsWith("DOTNET_", StringComparison.Ordinal)), name => Assert.Contains(name, Readable(repoHocon)));
        Assert.Contains("${LIVETRACKER_APP", File.ReadAllText(Path.Combine(Deploy, "node-entrypoint")), StringComparison.Ordinal);

        var settings = LoadRepoSettings(image);
        var exposed = ExposePattern().Match(dockerfile).Groups[1].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse).Order();
        Assert.Equal(new[] { settings.Http.Port, settings.Cluster.Management.Port, settings.AkkaConfig.GetInt("akka.remote.dot-netty.tcp.port") }.Order(), exposed);
        Assert.Equal("0.0.0.0", settings.Http.Bind);

        Assert.Contains("ENTRYPOINT [\"/usr/local/bin/node-entrypoint\"]", dockerfile, StringComparison.Ordinal);
        Assert.Contains("COPY deploy/node-entrypoint /usr/local/bin/node-entrypoint", dockerfile, StringComparison.Ordinal);
        Assert.Contains("dotnet publish Web/LiveTracker.Web.csproj", dockerfile, StringComparison.Ordinal);
        var localCluster = File.ReadAllText(Path.Combine(Deploy, "local-cluster"));
        Assert.Contains("\"$repo/deploy/node-entrypoint\"", localCluster, StringComparison.Ordinal);
        Assert.Contains("dotnet publish \"$repo/Web/LiveTracker.Web.csproj\"", localCluster, StringComparison.Ordinal);
        Assert.DoesNotContain("LiveTracker.Web.dll", localCluster, StringComparison.Ordinal);
    }

    [Fact]
    public void The_image_installs_the_native_libraries_a_node_needs_as_the_scripts_name_them()
    {
        // tools/native-deps.sh lists a node's packages before it returns for "server"; the image must install each.
        var script = File.ReadAllText(Path.Combine(Repo, "tools", "native-deps.sh"));
        var body = script[script.IndexOf("ensure_native_deps() {", StringComparison.Ordinal)..];
        var serverPart = body[..body.IndexOf("= server ]", StringComparison.Ordinal)];
        var packages = System.Text.RegularExpressions.Regex.Matches(serverPart, @"missing\+=\(([^)]+)\)").Select(m => m.Groups[1].Value).ToList();
        Assert.NotEmpty(packages);
        var runtimeStage = File.ReadAllText(Path.Combine(Deploy, "Dockerfile")).Split("FROM ")[^1];
        var installed = System.Text.RegularExpressions.Regex.Match(runtimeStage, @"apt-get install[^\n]*").Value.Split(' ');
        foreach (var package in packages)
        {
            Assert.Contains(package, installed);
        }
    }

    [Fact]
    public void Compose_nodes_set_only_settings_the_node_reads_and_nginx_reaches_them_with_the_shared_config()
    {
        var compose = (YamlMappingNode)LoadYaml(Path.Combine(Deploy, "compose.yaml")).Single().RootNode;
        var services = Mapping(compose, "services");
        var image = ImageEnvironment(File.ReadAllText(Path.Combine(Deploy, "Dockerfile")));
        var readable = Readable(File.ReadAllText(Path.Combine(Repo, "akka.hocon")));
        var nodes = services.Children.Where(s => ((YamlScalarNode)s.Key).Value!.StartsWith("node-", StringComparison.Ordinal)).ToList();
        Assert.Equal(3, nodes.Count);
        var nginx = File.ReadAllText(Path.Combine(Deploy, "nginx", "compose.conf"));
        var ids = new HashSet<string>();
        foreach (var (key, value) in nodes)
        {
            var name = ((YamlScalarNode)key).Value!;
            var node = Merged((YamlMappingNode)value);
            var environment = Merged(Mapping(node, "environment")).Children.ToDictionary(e => ((YamlScalarNode)e.Key).Value!, e => ((YamlScalarNode)e.Value).Value!);
            Assert.All(environment.Keys, variable => Assert.Contains(variable, readable));

            var settings = LoadRepoSettings(new Dictionary<string, string>(image.Concat(environment).GroupBy(p => p.Key).Select(g => g.Last())));
            Assert.True(ids.Add(settings.NodeId), $"{name}: node id {settings.NodeId} is not unique");
            Assert.Equal(PersistenceProvider.PostgreSql, settings.Persistence.Provider);
            Assert.Contains("Host=postgres;", settings.Persistence.ConnectionString, StringComparison.Ordinal);
            Assert.Equal(name, settings.AkkaConfig.GetString("akka.remote.dot-netty.tcp.hostname"));
            var remotePort = settings.AkkaConfig.GetInt("akka.remote.dot-netty.tcp.port");
            Assert.Equal(nodes.Select(n => new SeedNode(((YamlScalarNode)n.Key).Value!, remotePort)), settings.Cluster.SeedNodes);
            Assert.Equal(2, Regex.Matches(nginx, $@"server {Regex.Escape(name)}:{settings.Http.Port.ToString(CultureInfo.InvariantCulture)}\b").Count);
        }

        var mounts = Sequence(services, "nginx", "volumes").Select(v => ((YamlScalarNode)v).Value!).ToList();
        foreach (var shared in new[] { "http.conf", "server.conf" })
        {
            Assert.Contains(mounts, m => m.StartsWith($"./nginx/{shared}:/etc/nginx/livetracker/{shared}", StringComparison.Ordinal));
            Assert.Contains($"include /etc/nginx/livetracker/{shared};", nginx, StringComparison.Ordinal);
            Assert.Contains($"include $repo/deploy/nginx/{shared};", File.ReadAllText(Path.Combine(Deploy, "local-cluster")), StringComparison.Ordinal);
        }
    }

    /// <summary>The variables a settings file lets override it (<c>${?NAME}</c>), and those read outside it.</summary>
    private static HashSet<string> Readable(string hocon) =>
        [.. OverridePattern().Matches(hocon).Select(m => m.Groups[1].Value), .. ReadOutsideTheFile];

    private static LiveTrackerSettings LoadRepoSettings(IReadOnlyDictionary<string, string> environment)
    {
        var file = SettingsFile.Read(Path.Combine(Repo, "akka.hocon"), environment.GetValueOrDefault);
        return LiveTrackerSettings.Load(file);
    }

    private static Dictionary<string, string> ImageEnvironment(string dockerfile)
    {
        // ENV A=1 \ B=2 ...: the runtime stage's one ENV instruction.
        var instruction = EnvPattern().Match(dockerfile.Replace("\\\n", " ", StringComparison.Ordinal)).Groups[1].Value;
        return instruction.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);
    }

    private static (string Hocon, YamlMappingNode Container, YamlMappingNode StatefulSet) KubernetesNode()
    {
        var objects = KubernetesObjects();
        var configMap = objects.Single(o => Scalar(o, "kind") == "ConfigMap");
        var statefulSet = objects.Single(o => Scalar(o, "kind") == "StatefulSet");
        var container = (YamlMappingNode)Sequence(statefulSet, "spec", "template", "spec", "containers").Single();
        var volume = Sequence(statefulSet, "spec", "template", "spec", "volumes").Cast<YamlMappingNode>().Single(v => Scalar(v, "name") == "config");
        Assert.Equal(Scalar(configMap, "metadata", "name"), Scalar(volume, "configMap", "name"));
        return (Scalar(configMap, "data", "akka.hocon"), container, statefulSet);
    }

    /// <summary>The container's variables, with what Kubernetes fills in (pod name, pod IP, the Secret) given sample values.</summary>
    private static Dictionary<string, string> ContainerEnvironment(YamlMappingNode container) =>
        Sequence(container, "env").Cast<YamlMappingNode>().ToDictionary(
            e => Scalar(e, "name"),
            e => e.Children.ContainsKey("value") ? Scalar(e, "value")
                : Mapping(e, "valueFrom").Children.ContainsKey("secretKeyRef") ? "Host=postgres;Username=livetracker;Password=sample;Database=livetracker"
                : Scalar(e, "valueFrom", "fieldRef", "fieldPath") switch
                {
                    "metadata.name" => "livetracker-0",
                    "status.podIP" => "10.0.0.7",
                    var other => throw new InvalidOperationException($"no sample value for the field {other}"),
                });

    private static Dictionary<string, int> ContainerPorts(YamlMappingNode container) =>
        Sequence(container, "ports").Cast<YamlMappingNode>().ToDictionary(p => Scalar(p, "name"), p => int.Parse(Scalar(p, "containerPort"), CultureInfo.InvariantCulture));

    private static List<YamlMappingNode> KubernetesObjects() =>
        [.. Directory.GetFiles(Path.Combine(Deploy, "k8s"), "*.yaml").Where(f => Path.GetFileName(f) != "kustomization.yaml")
            .SelectMany(LoadYaml).Select(d => (YamlMappingNode)d.RootNode)];

    private static List<YamlDocument> LoadYaml(string file)
    {
        var stream = new YamlStream();
        using var reader = new StringReader(File.ReadAllText(file));
        stream.Load(reader);
        return [.. stream.Documents];
    }

    private static Dictionary<string, string> Labels(YamlMappingNode labels) =>
        labels.Children.ToDictionary(l => ((YamlScalarNode)l.Key).Value!, l => ((YamlScalarNode)l.Value).Value!);

    /// <summary>A mapping with its <c>&lt;&lt;: *anchor</c> merge keys laid under its own keys.</summary>
    private static YamlMappingNode Merged(YamlMappingNode mapping)
    {
        var merged = new YamlMappingNode();
        if (mapping.Children.TryGetValue(new YamlScalarNode("<<"), out var baseNode))
        {
            foreach (var (key, value) in Merged((YamlMappingNode)baseNode).Children)
            {
                merged.Children[key] = value;
            }
        }

        foreach (var (key, value) in mapping.Children.Where(c => ((YamlScalarNode)c.Key).Value != "<<"))
        {
            merged.Children[key] = value;
        }

        return merged;
    }

    private static YamlNode Node(YamlNode node, params string[] path)
    {
        foreach (var key in path)
        {
            Assert.True(node is YamlMappingNode mapping && mapping.Children.ContainsKey(key), $"no {string.Join('.', path)} (missing {key})");
            node = ((YamlMappingNode)node).Children[key];
        }

        return node;
    }

    private static string Scalar(YamlNode node, params string[] path) => ((YamlScalarNode)Node(node, path)).Value!;

    private static YamlMappingNode Mapping(YamlNode node, params string[] path) => (YamlMappingNode)Node(node, path);

    private static YamlSequenceNode Sequence(YamlNode node, params string[] path) => (YamlSequenceNode)Node(node, path);

    private static YamlSequenceNode Sequence(YamlDocument document, params string[] path) => Sequence(document.RootNode, path);

    private static string FindRepo()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "LiveTracker.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No LiveTracker.sln above {AppContext.BaseDirectory}.");
    }

    [GeneratedRegex(@"\$\{\?([A-Za-z0-9_]+)\}")]
    private static partial Regex OverridePattern();

    [GeneratedRegex(@"(?m)^ENV (.+)$")]
    private static partial Regex EnvPattern();

    [GeneratedRegex(@"(?m)^EXPOSE (.+)$")]
    private static partial Regex ExposePattern();
}
