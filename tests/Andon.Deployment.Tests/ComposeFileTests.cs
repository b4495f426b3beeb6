using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace Andon.Deployment.Tests;

public sealed partial class ComposeFileTests
{
    private static readonly string[] RequiredServices = ["postgres", "rabbitmq", "minio", "identity", "rooms", "messaging", "files", "gateway"];

    [Fact]
    public void Names_the_infrastructure_and_the_built_hosts()
    {
        var services = Compose.Load().Services;

        foreach (var name in RequiredServices)
        {
            Assert.True(services.ContainsKey(name), $"docker-compose.yml has no service '{name}' (it has {string.Join(", ", services.Keys)}).");
        }

        Assert.Equal("services/identity/Andon.Identity.Api/Dockerfile", services["identity"].Text("build", "dockerfile"));
        Assert.Equal("services/rooms/Andon.Rooms.Api/Dockerfile", services["rooms"].Text("build", "dockerfile"));
        Assert.Equal("services/messaging/Andon.Messaging.Api/Dockerfile", services["messaging"].Text("build", "dockerfile"));
        Assert.Equal("services/files/Andon.Files.Api/Dockerfile", services["files"].Text("build", "dockerfile"));
        Assert.Equal("gateway/Andon.Gateway.Api/Dockerfile", services["gateway"].Text("build", "dockerfile"));
        foreach (var host in new[] { "identity", "rooms", "messaging", "files", "gateway" })
        {
            Assert.Equal(".", services[host].Text("build", "context"));
        }
    }

    [Fact]
    public void Every_long_running_service_has_a_health_check()
    {
        var missing = Compose.Load().Services
            .Where(s => !Compose.IsOneShot(s.Value))
            .Where(s => s.Value.Get("healthcheck", "test") is null || s.Value.Text("healthcheck", "disable") == "true")
            .Select(s => s.Key)
            .ToList();

        Assert.True(missing.Count == 0, $"Services without a health check: {string.Join(", ", missing)}");
    }

    [Fact]
    public void Dependencies_wait_until_healthy()
    {
        var services = Compose.Load().Services;
        var problems = new List<string>();
        foreach (var (name, service) in services)
        {
            var dependsOn = service.Get("depends_on");
            if (dependsOn is YamlSequenceNode)
            {
                problems.Add($"{name}: depends_on is a list; use the long form with a condition");
                continue;
            }

            foreach (var (dependency, _) in (dependsOn as YamlMappingNode).Entries())
            {
                var condition = service.Text("depends_on", dependency, "condition");
                var expected = services.TryGetValue(dependency, out var target) && Compose.IsOneShot(target)
                    ? "service_completed_successfully"
                    : "service_healthy";
                if (condition != expected)
                {
                    problems.Add($"{name} -> {dependency}: condition is '{condition}', expected {expected}");
                }
            }
        }

        Assert.True(problems.Count == 0, string.Join("\n", problems));
        Assert.Equal("service_healthy", services["identity"].Text("depends_on", "postgres", "condition"));
        Assert.Equal("service_healthy", services["identity"].Text("depends_on", "rabbitmq", "condition"));
        foreach (var host in new[] { "rooms", "messaging", "files" })
        {
            foreach (var dependency in new[] { "postgres", "rabbitmq", "identity" })
            {
                Assert.Equal("service_healthy", services[host].Text("depends_on", dependency, "condition"));
            }

            Assert.Equal("service_healthy", services["gateway"].Text("depends_on", host, "condition"));
        }

        Assert.Equal("service_healthy", services["gateway"].Text("depends_on", "identity", "condition"));
    }

    [Theory]
    [InlineData("rooms", "Rooms")]
    [InlineData("messaging", "Messaging")]
    [InlineData("files", "Files")]
    public void Services_use_their_own_database_role_and_identity_for_tokens(string service, string section)
    {
        var services = Compose.Load().Services;
        var environment = Compose.Environment(services[service]).ToDictionary(e => e.Key, e => e.Value);

        Assert.Equal("http://identity:8080/", environment.GetValueOrDefault("Auth__Authority"));
        Assert.Equal("RabbitMq", environment.GetValueOrDefault("Bus__Transport"));
        Assert.Equal("Postgres", environment.GetValueOrDefault("Database__Provider"));
        var connection = environment.GetValueOrDefault($"ConnectionStrings__{section}") ?? "";
        Assert.Contains($"Database=andon_{service};", connection, StringComparison.Ordinal);
        Assert.Contains($"Username=andon_{service};", connection, StringComparison.Ordinal);
        Assert.Contains($"${{ANDON_{service.ToUpperInvariant()}_DB_PASSWORD:?", connection, StringComparison.Ordinal);
        Assert.Contains($"${{ANDON_{service.ToUpperInvariant()}_DB_PASSWORD:?", Compose.Environment(services["postgres"]).Single(e => e.Key == $"ANDON_{service.ToUpperInvariant()}_DB_PASSWORD").Value, StringComparison.Ordinal);
        Assert.Equal(
            $"http://{service}:8080/",
            Compose.Environment(services["gateway"]).SingleOrDefault(e => e.Key == $"ReverseProxy__Clusters__{service}__Destinations__{service}__Address").Value);
    }

    [Fact]
    public void Every_named_volume_is_declared_and_used()
    {
        var compose = Compose.Load();
        var declared = compose.DeclaredVolumes;
        var used = compose.Services
            .SelectMany(s => Compose.Mounts(s.Value).Where(m => m.Named).Select(m => (Service: s.Key, Volume: m.Source)))
            .ToList();

        var undeclared = used.Where(u => !declared.Contains(u.Volume)).Select(u => $"{u.Service}: {u.Volume}").ToList();
        Assert.True(undeclared.Count == 0, $"Named volumes used but not declared under volumes: {string.Join(", ", undeclared)}");
        var unused = declared.Where(d => used.All(u => u.Volume != d)).ToList();
        Assert.True(unused.Count == 0, $"Volumes declared but used by no service: {string.Join(", ", unused)}");
    }

    [Theory]
    [InlineData("postgres", "/var/lib/postgresql/data")]
    [InlineData("rabbitmq", "/var/lib/rabbitmq")]
    [InlineData("minio", "/data")]
    public void State_of_the_infrastructure_is_on_named_volumes(string service, string path)
    {
        var mounts = Compose.Mounts(Compose.Load().Services[service]);

        Assert.Contains(mounts, m => m.Named && m.Target == path);
    }

    [Theory]
    [InlineData("identity", "Identity__KeysPath")]
    [InlineData("gateway", "Gateway__KeysPath")]
    public void Keys_of_the_hosts_are_on_named_volumes(string service, string option)
    {
        var definition = Compose.Load().Services[service];
        var keysPath = Compose.Environment(definition).SingleOrDefault(e => e.Key == option).Value;

        Assert.False(string.IsNullOrEmpty(keysPath), $"{service} does not set {option}.");
        Assert.Contains(Compose.Mounts(definition), m => m.Named && m.Target == keysPath);
    }

    [Fact]
    public void Gateway_is_the_published_entry_point()
    {
        var services = Compose.Load().Services;

        Assert.Contains(services["gateway"].Items("ports").OfType<YamlScalarNode>(), p => (p.Value ?? "").EndsWith(":8080", StringComparison.Ordinal));
        var otherPublished = services
            .Where(s => s.Key != "gateway")
            .SelectMany(s => s.Value.Items("ports").OfType<YamlScalarNode>().Select(p => (s.Key, Port: p.Value ?? "")))
            .Where(p => !p.Port.StartsWith("127.0.0.1:", StringComparison.Ordinal))
            .ToList();
        Assert.True(otherPublished.Count == 0, $"Only the gateway is published beyond loopback: {string.Join(", ", otherPublished)}");
    }

    [Fact]
    public void Bucket_is_created_by_a_one_shot_minio_client()
    {
        var services = Compose.Load().Services;
        var init = services.Values.SingleOrDefault(s => (s.Text("image") ?? "").StartsWith("minio/mc", StringComparison.Ordinal));

        Assert.NotNull(init);
        Assert.True(Compose.IsOneShot(init), "the minio/mc service should be restart: \"no\"");
        var command = string.Join(' ', init.Items("command").OfType<YamlScalarNode>().Select(c => c.Value));
        Assert.Contains("mc mb --ignore-existing \"andon/$$ANDON_FILES_BUCKET\"", command, StringComparison.Ordinal);

        // The bucket it makes is the one the files service is given, and files waits for it.
        var bucket = Compose.Environment(init).Single(e => e.Key == "ANDON_FILES_BUCKET").Value;
        Assert.Equal(bucket, Compose.Environment(services["files"]).Single(e => e.Key == "Files__S3__Bucket").Value);
        Assert.Equal("service_completed_successfully", services["files"].Text("depends_on", "minio-init", "condition"));
    }

    [Fact]
    public void Postgres_creates_one_database_per_service()
    {
        var postgres = Compose.Load().Services["postgres"];
        Assert.Contains(Compose.Mounts(postgres), m => m.Source == "./deploy/postgres/init" && m.Target == "/docker-entrypoint-initdb.d");

        var scripts = Directory.GetFiles(Repository.PathOf("deploy/postgres/init"));
        Assert.NotEmpty(scripts);
        var text = string.Join('\n', scripts.Select(File.ReadAllText));
        Assert.Contains("for service in identity rooms messaging files", text, StringComparison.Ordinal);
        Assert.Contains("andon_${service}", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Secrets_come_from_variables()
    {
        var problems = new List<string>();
        foreach (var (name, service) in Compose.Load().Services.Where(s => s.Key != "ldap"))
        {
            foreach (var (key, value) in Compose.Environment(service))
            {
                var secret = key.Contains("PASSWORD", StringComparison.OrdinalIgnoreCase)
                    || key.Contains("SECRET", StringComparison.OrdinalIgnoreCase)
                    || key.StartsWith("ConnectionStrings__", StringComparison.Ordinal)
                    || key == "Bus__RabbitMqUrl";
                if (secret && !(value ?? "").Contains("${", StringComparison.Ordinal))
                {
                    problems.Add($"{name}: {key} is written into the file instead of taken from a ${{VARIABLE}}");
                }
            }
        }

        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public void Env_example_lists_every_variable_the_file_uses()
    {
        var compose = Compose.Load().Text;
        var example = Repository.ReadAllText(".env.example");

        var used = VariableReference().Matches(compose).Select(m => m.Groups[1].Value).Distinct().Order(StringComparer.Ordinal).ToList();
        var listed = ExampleEntry().Matches(example).Select(m => m.Groups[1].Value).ToHashSet(StringComparer.Ordinal);

        Assert.NotEmpty(used);
        var missing = used.Where(v => !listed.Contains(v)).ToList();
        Assert.True(missing.Count == 0, $".env.example does not list: {string.Join(", ", missing)}");
    }

    [Fact]
    public void Env_example_holds_no_real_secret()
    {
        var problems = ExampleEntry().Matches(Repository.ReadAllText(".env.example"))
            .Where(m => !m.Value.TrimStart().StartsWith('#'))
            .Where(m => m.Groups[1].Value.Contains("PASSWORD", StringComparison.Ordinal) || m.Groups[1].Value.Contains("SECRET", StringComparison.Ordinal))
            .Where(m => m.Groups[2].Value.Trim() != "change-me")
            .Select(m => m.Groups[1].Value)
            .ToList();

        Assert.True(problems.Count == 0, $"Secrets in .env.example must be the placeholder change-me: {string.Join(", ", problems)}");
    }

    // ${NAME}, ${NAME:-default}, ${NAME:?message}; $${...} is an escaped dollar, not a variable.
    [GeneratedRegex(@"(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)")]
    private static partial Regex VariableReference();

    // NAME=value lines, also commented-out ones ("# NAME=value").
    [GeneratedRegex(@"^[ \t]*#?[ \t]*([A-Za-z_][A-Za-z0-9_]*)=(.*)$", RegexOptions.Multiline)]
    private static partial Regex ExampleEntry();
}
