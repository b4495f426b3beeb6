using YamlDotNet.RepresentationModel;

namespace Andon.Deployment.Tests;

/// <summary>Every setting that compose and Kubernetes give the hosts binds to a real option.</summary>
public sealed class ConfigurationKeyTests
{
    [Theory]
    [InlineData("identity")]
    [InlineData("rooms")]
    [InlineData("messaging")]
    [InlineData("files")]
    [InlineData("gateway")]
    public void Compose_environment_binds_to_options(string host)
    {
        var environment = Compose.Environment(Compose.Load().Services[host]);

        Assert.NotEmpty(environment);
        var problems = environment.Select(e => HostSettings.Check(host, e.Key, e.Value)).OfType<string>().ToList();
        Assert.True(problems.Count == 0, $"docker-compose.yml, service {host}:\n{string.Join("\n", problems)}");
    }

    [Theory]
    [InlineData("k8s/overlays/dev", "identity")]
    [InlineData("k8s/overlays/dev", "rooms")]
    [InlineData("k8s/overlays/dev", "messaging")]
    [InlineData("k8s/overlays/dev", "files")]
    [InlineData("k8s/overlays/dev", "gateway")]
    [InlineData("k8s/overlays/prod", "identity")]
    [InlineData("k8s/overlays/prod", "rooms")]
    [InlineData("k8s/overlays/prod", "messaging")]
    [InlineData("k8s/overlays/prod", "files")]
    [InlineData("k8s/overlays/prod", "gateway")]
    public async Task Kubernetes_environment_binds_to_options(string overlay, string host)
    {
        var manifests = await Kustomize.RenderAsync(overlay);
        var container = manifests.OfKind("Deployment")
            .SelectMany(d => d.Items("spec", "template", "spec", "containers").OfType<YamlMappingNode>())
            .Single(c => c.Text("name") == host);

        var environment = KubernetesManifestTests.EnvironmentOf(manifests, container).ToList();
        Assert.NotEmpty(environment);
        var problems = environment.Select(e => HostSettings.Check(host, e.Key, e.Value)).OfType<string>().ToList();
        Assert.True(problems.Count == 0, $"{overlay}, container {host}:\n{string.Join("\n", problems)}");
    }

    [Fact]
    public void Option_walker_finds_nested_list_and_scalar_keys()
    {
        var identity = HostSettings.Identity();

        Assert.Null(identity.Check("Identity__Clients__3__Grants__0", "password"));
        Assert.Null(identity.Check("identity__keyspath", "/keys"));
        Assert.Null(identity.Check("Directory__Ldap__UseSsl", "true"));
        Assert.Null(identity.Check("Directory__Static__Users__0__IsAdmin", "false"));
        Assert.Null(identity.Check("Bus__RabbitMqUrl", "amqp://x"));
        Assert.Null(identity.Check("ConnectionStrings__Identity", "Host=x"));
        Assert.Null(identity.Check("ASPNETCORE_ENVIRONMENT", "Production"));
        Assert.NotNull(identity.Check("Directory__Ldap__EffectiveLoginAttributes__0", "uid"));
        Assert.NotNull(identity.Check("Identity__Clients__x__ClientId", "a"));
        Assert.NotNull(identity.Check("Identity__KeyPath", "/keys"));
        Assert.NotNull(identity.Check("Directory__Provider", "ActiveDirectory"));
        Assert.NotNull(identity.Check("Directory__Ldap__Port", "ldaps"));
        Assert.NotNull(identity.Check("Gateway__ClientSecret", "x"));
        Assert.Null(HostSettings.Check("rooms", "Rooms__TemplateMembers__equipment_failure__0__UserId", "u1"));
        Assert.Null(HostSettings.Check("rooms", "ConnectionStrings__Rooms", "Host=x"));
        Assert.Null(HostSettings.Check("rooms", "Auth__Authority", "http://identity:8080/"));
        Assert.NotNull(HostSettings.Check("rooms", "Rooms__TemplateMembers__equipment_failure__x__UserId", "u1"));
        Assert.NotNull(HostSettings.Check("rooms", "ConnectionStrings__Messaging", "Host=x"));
        Assert.Null(HostSettings.Check("messaging", "Messaging__PingSeconds", "30"));
        Assert.Null(HostSettings.Check("messaging", "Bus__Transport", "RabbitMq"));
        Assert.NotNull(HostSettings.Check("messaging", "Messaging__PingSeconds", "often"));
        Assert.NotNull(HostSettings.Check("messaging", "Identity__Issuer", "http://identity:8080/"));
        Assert.Null(HostSettings.Check("files", "Files__S3__Bucket", "andon-files"));
        Assert.Null(HostSettings.Check("files", "Files__Storage", "S3"));
        Assert.NotNull(HostSettings.Check("files", "Files__Storage", "Minio"));
        Assert.NotNull(HostSettings.Check("files", "Files__S3__Url", "http://minio:9000"));
        Assert.Null(HostSettings.Check("gateway", "ReverseProxy__Clusters__identity__Destinations__identity__Address", "http://identity:8080/"));
        Assert.NotNull(HostSettings.Check("gateway", "ReverseProxy__Clusters__idp__Destinations__idp__Address", "http://identity:8080/"));
    }
}
