using YamlDotNet.RepresentationModel;

namespace Andon.Deployment.Tests;

public sealed class KubernetesManifestTests
{
    public static TheoryData<string> Overlays => new() { "k8s/overlays/dev", "k8s/overlays/prod" };

    private static readonly string[] Hosts = ["identity", "rooms", "messaging", "files", "gateway"];

    [Theory]
    [MemberData(nameof(Overlays))]
    public async Task Overlay_renders_the_built_hosts(string overlay)
    {
        var manifests = await Kustomize.RenderAsync(overlay);

        var deployments = manifests.OfKind("Deployment").Select(d => d.Name()).ToList();
        var services = manifests.OfKind("Service").Select(d => d.Name()).ToList();
        foreach (var host in Hosts)
        {
            Assert.Contains(host, deployments);
            Assert.Contains(host, services);
        }

        Assert.All(manifests.Where(m => m.Text("kind") != "Namespace"), m => Assert.Equal("andon", m.Text("metadata", "namespace")));
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public async Task Every_deployment_has_probes_resources_and_runs_as_non_root(string overlay)
    {
        var problems = new List<string>();
        foreach (var deployment in (await Kustomize.RenderAsync(overlay)).OfKind("Deployment"))
        {
            var pod = deployment.Map("spec", "template", "spec");
            var podNonRoot = pod.Text("securityContext", "runAsNonRoot") == "true";
            foreach (var container in pod.Items("containers").OfType<YamlMappingNode>())
            {
                var where = $"{deployment.Name()}/{container.Text("name")}";
                if (container.Get("readinessProbe") is null)
                {
                    problems.Add($"{where}: no readinessProbe");
                }

                if (container.Get("livenessProbe") is null)
                {
                    problems.Add($"{where}: no livenessProbe");
                }

                foreach (var kind in new[] { "requests", "limits" })
                {
                    foreach (var resource in new[] { "cpu", "memory" })
                    {
                        if (string.IsNullOrEmpty(container.Text("resources", kind, resource)))
                        {
                            problems.Add($"{where}: no resources.{kind}.{resource}");
                        }
                    }
                }

                var nonRoot = container.Text("securityContext", "runAsNonRoot") ?? (podNonRoot ? "true" : null);
                if (nonRoot != "true")
                {
                    problems.Add($"{where}: runAsNonRoot is not true");
                }

                if (container.Text("securityContext", "allowPrivilegeEscalation") != "false")
                {
                    problems.Add($"{where}: allowPrivilegeEscalation is not false");
                }
            }
        }

        Assert.True(problems.Count == 0, $"{overlay}:\n{string.Join("\n", problems)}");
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public async Task Probes_use_the_health_endpoints(string overlay)
    {
        foreach (var deployment in (await Kustomize.RenderAsync(overlay)).OfKind("Deployment"))
        {
            foreach (var container in deployment.Items("spec", "template", "spec", "containers").OfType<YamlMappingNode>())
            {
                Assert.Equal("/health/ready", container.Text("readinessProbe", "httpGet", "path"));
                Assert.Equal("/health/live", container.Text("livenessProbe", "httpGet", "path"));
            }
        }
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public async Task Secrets_are_referenced_never_defined(string overlay)
    {
        var manifests = await Kustomize.RenderAsync(overlay);

        Assert.Empty(manifests.OfKind("Secret"));
        var references = manifests.OfKind("Deployment")
            .SelectMany(d => d.Items("spec", "template", "spec", "containers"))
            .SelectMany(c => c.Items("env"))
            .Select(e => e.Text("valueFrom", "secretKeyRef", "name"))
            .OfType<string>()
            .ToList();
        Assert.NotEmpty(references);
        Assert.All(references, r => Assert.Equal("andon-secrets", r));
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public async Task Ingress_goes_to_the_gateway_with_websocket_timeouts(string overlay)
    {
        var ingress = Assert.Single((await Kustomize.RenderAsync(overlay)).OfKind("Ingress"));

        Assert.Equal("3600", ingress.Text("metadata", "annotations", "nginx.ingress.kubernetes.io/proxy-read-timeout"));
        Assert.Equal("3600", ingress.Text("metadata", "annotations", "nginx.ingress.kubernetes.io/proxy-send-timeout"));
        var backends = ingress.Items("spec", "rules")
            .SelectMany(r => r.Items("http", "paths"))
            .Select(p => p.Text("backend", "service", "name"))
            .ToList();
        Assert.NotEmpty(backends);
        Assert.All(backends, b => Assert.Equal("gateway", b));
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public async Task Only_the_gateway_accepts_traffic_from_outside_the_namespace(string overlay)
    {
        var policies = (await Kustomize.RenderAsync(overlay)).OfKind("NetworkPolicy").ToList();

        Assert.Contains(policies, p =>
            p.Map("spec", "podSelector") is { Children.Count: 0 }
            && p.Items("spec", "policyTypes").OfType<YamlScalarNode>().Any(t => t.Value == "Ingress")
            && p.Get("spec", "ingress") is null);
        var fromOtherNamespaces = policies
            .Where(p => p.Items("spec", "ingress").SelectMany(i => i.Items("from")).Any(f => f.Get("namespaceSelector") is not null))
            .Select(p => p.Text("spec", "podSelector", "matchLabels", "app.kubernetes.io/name"))
            .ToList();
        Assert.Equal(["gateway"], fromOtherNamespaces);
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public async Task Identity_keys_come_from_a_secret_shared_by_the_replicas(string overlay)
    {
        var identity = (await Kustomize.RenderAsync(overlay)).OfKind("Deployment").Single(d => d.Name() == "identity");
        var pod = identity.Map("spec", "template", "spec");
        var container = pod.Items("containers").OfType<YamlMappingNode>().Single();
        var keysPath = EnvironmentOf(await Kustomize.RenderAsync(overlay), container).Single(e => e.Key == "Identity__KeysPath").Value;

        var mount = container.Items("volumeMounts").Single(m => m.Text("mountPath") == keysPath);
        var volume = pod.Items("volumes").Single(v => v.Text("name") == mount.Text("name"));
        Assert.Equal("andon-identity-keys", volume.Text("secret", "secretName"));
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public async Task Rooms_messaging_and_files_take_traffic_only_from_the_gateway(string overlay)
    {
        var manifests = await Kustomize.RenderAsync(overlay);
        var policies = manifests.OfKind("NetworkPolicy").ToList();

        foreach (var host in new[] { "rooms", "messaging", "files" })
        {
            var labels = manifests.OfKind("Deployment").Single(d => d.Name() == host).Map("spec", "template", "metadata", "labels")
                .Entries().ToDictionary(e => e.Key, e => e.Value);
            var selecting = policies
                .Where(p => p.Map("spec", "podSelector", "matchLabels") is var match
                    && (match is null || match.Entries().All(e => labels.GetValueOrDefault(e.Key) == e.Value)))
                .Where(p => p.Get("spec", "ingress") is not null)
                .ToList();
            Assert.NotEmpty(selecting);
            var sources = selecting.SelectMany(p => p.Items("spec", "ingress")).SelectMany(i => i.Items("from")).ToList();
            Assert.NotEmpty(sources);
            Assert.All(sources, f =>
            {
                Assert.Null(f.Get("namespaceSelector"));
                Assert.Equal("gateway", f.Text("podSelector", "matchLabels", "app.kubernetes.io/name"));
            });
        }
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public async Task Gateway_routes_to_the_deployed_services(string overlay)
    {
        var manifests = await Kustomize.RenderAsync(overlay);
        var gateway = manifests.OfKind("Deployment").Single(d => d.Name() == "gateway")
            .Items("spec", "template", "spec", "containers").OfType<YamlMappingNode>().Single();
        var environment = EnvironmentOf(manifests, gateway).ToList();

        foreach (var host in new[] { "identity", "rooms", "messaging", "files" })
        {
            Assert.Equal($"http://{host}:8080/", environment.SingleOrDefault(e => e.Key == $"ReverseProxy__Clusters__{host}__Destinations__{host}__Address").Value);
        }
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public async Task Messaging_runs_at_least_two_replicas(string overlay)
    {
        var manifests = await Kustomize.RenderAsync(overlay);

        var messaging = manifests.OfKind("Deployment").Single(d => d.Name() == "messaging");
        Assert.True(int.Parse(messaging.Text("spec", "replicas") ?? "1", System.Globalization.CultureInfo.InvariantCulture) >= 2, "messaging runs as at least two replicas");
        var autoscaler = Assert.Single(manifests.OfKind("HorizontalPodAutoscaler"), h => h.Text("spec", "scaleTargetRef", "name") == "messaging");
        Assert.Equal("Deployment", autoscaler.Text("spec", "scaleTargetRef", "kind"));
        Assert.Equal("2", autoscaler.Text("spec", "minReplicas"));
        foreach (var host in new[] { "rooms", "messaging", "files" })
        {
            var container = manifests.OfKind("Deployment").Single(d => d.Name() == host)
                .Items("spec", "template", "spec", "containers").OfType<YamlMappingNode>().Single();
            var environment = EnvironmentOf(manifests, container).ToList();
            Assert.Equal("http://identity:8080/", environment.SingleOrDefault(e => e.Key == "Auth__Authority").Value);
            Assert.Contains(container.Items("env"), e => e.Text("name") == $"ConnectionStrings__{char.ToUpperInvariant(host[0])}{host[1..]}"
                && e.Text("valueFrom", "secretKeyRef", "key") == $"{host}-db-connection");
        }
    }

    [Fact]
    public async Task Production_has_disruption_budgets_for_every_host()
    {
        var budgets = (await Kustomize.RenderAsync("k8s/overlays/prod")).OfKind("PodDisruptionBudget").ToList();

        foreach (var host in Hosts)
        {
            var budget = Assert.Single(budgets, b => b.Text("spec", "selector", "matchLabels", "app.kubernetes.io/name") == host);
            Assert.Equal("1", budget.Text("spec", "minAvailable"));
        }
    }

    /// <summary>A container's environment: its env entries and the data of the ConfigMaps it loads with envFrom.</summary>
    public static IEnumerable<KeyValuePair<string, string?>> EnvironmentOf(IReadOnlyList<YamlMappingNode> manifests, YamlMappingNode container)
    {
        ArgumentNullException.ThrowIfNull(container);
        foreach (var env in container.Items("env"))
        {
            yield return new(env.Text("name") ?? "", env.Text("value"));
        }

        foreach (var source in container.Items("envFrom"))
        {
            var name = source.Text("configMapRef", "name");
            if (name is null)
            {
                continue;
            }

            var configMap = manifests.OfKind("ConfigMap").SingleOrDefault(c => c.Name() == name);
            Assert.True(configMap is not null, $"envFrom refers to the ConfigMap {name}, which the overlay does not render.");
            foreach (var entry in configMap.Map("data").Entries())
            {
                yield return entry;
            }
        }
    }
}
