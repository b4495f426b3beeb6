using System.Diagnostics;
using System.Globalization;

namespace Andon.Bench;

/// <summary>
/// Andon's distributed mode for the bench: identity, rooms, messaging (one or more replicas, sharing
/// the database and the virtual host, as replicas run) and the gateway as separate hosts from their
/// Release builds, on the running PostgreSQL (a fresh database per service, dropped
/// afterwards) and RabbitMQ (a virtual host of its own, deleted afterwards). Identity signs in the
/// bench users from a static directory (the sign-in path is not what is measured; LDAP is not
/// needed for tokens obtained once).
/// </summary>
internal sealed class Distributed : IAsyncDisposable
{
    private readonly List<Server> hosts = [];
    private readonly List<Server> replicas = [];
    private readonly List<string> databases = [];
    private string? vhost;

    public Server Identity { get; private set; } = null!;
    public Server Rooms { get; private set; } = null!;
    public Server Gateway { get; private set; } = null!;

    /// <summary>The first messaging replica; the gateway's only destination.</summary>
    public Server Messaging => replicas[0];

    public IReadOnlyList<Server> Replicas => replicas;

    /// <summary>Every host, in the order started.</summary>
    public IReadOnlyList<Server> Hosts => hosts;

    public static bool Available =>
        Environment.GetEnvironmentVariable("BENCH_STANDALONE_ONLY") != "1" &&
        !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("ANDON_TEST_POSTGRES")) &&
        !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("ANDON_TEST_RABBITMQ"));

    public static async Task<Distributed> StartAsync(int messagingReplicas = 1)
    {
        var d = new Distributed();
        try
        {
            await d.StartHostsAsync(messagingReplicas);
            return d;
        }
        catch
        {
            await d.DisposeAsync();
            throw;
        }
    }

    private async Task StartHostsAsync(int messagingReplicas)
    {
        var postgres = Environment.GetEnvironmentVariable("ANDON_TEST_POSTGRES")!;
        var tag = Guid.NewGuid().ToString("N")[..8];
        vhost = $"andon_bench_{tag}";
        Run("rabbitmqctl", "-q", "add_vhost", vhost);
        Run("rabbitmqctl", "-q", "set_permissions", "-p", vhost, "guest", ".*", ".*", ".*");
        var bus = new UriBuilder(Environment.GetEnvironmentVariable("ANDON_TEST_RABBITMQ")!) { Path = "/" + vhost }.Uri.ToString();
        string Db(string service)
        {
            var name = $"andon_bench_{service}_{tag}";
            databases.Add(name);
            return $"{postgres};Database={name}";
        }

        var keys = Directory.CreateTempSubdirectory("andon-bench-keys-").FullName;
        var identityPort = Server.FreePort();
        var identityUrl = $"http://127.0.0.1:{identityPort}/";
        var identity = Common("Identity", Db("identity"), bus);
        identity["Identity__Issuer"] = identityUrl;
        identity["Identity__KeysPath"] = keys + "/identity";
        identity["Identity__Clients__0__ClientId"] = "andon-gateway";
        identity["Identity__Clients__0__ClientSecret"] = "bench-gateway-secret";
        identity["Identity__Clients__0__Grants__0"] = "password";
        identity["Identity__Clients__0__Grants__1"] = "refresh_token";
        identity["Identity__Clients__1__ClientId"] = "andon-scripts";
        identity["Identity__Clients__1__Grants__0"] = "password";
        identity["Identity__Clients__1__Grants__1"] = "refresh_token";
        identity["Directory__Provider"] = "Static";
        for (var i = 0; i < Server.BenchUsers; i++)
        {
            var at = i.ToString(CultureInfo.InvariantCulture);
            identity[$"Directory__Static__Users__{at}__UserId"] = Server.UserId(i);
            identity[$"Directory__Static__Users__{at}__Password"] = "andon-dev";
            identity[$"Directory__Static__Users__{at}__DisplayName"] = $"測試員 {i}";
        }

        Identity = await Add(Server.StartDotnetAsync("identity", "services/identity/Andon.Identity.Api", identity, keys, identityPort));
        var rooms = Common("Rooms", Db("rooms"), bus);
        rooms["Auth__Authority"] = identityUrl;
        Rooms = await Add(Server.StartDotnetAsync("rooms", "services/rooms/Andon.Rooms.Api", rooms, null));
        var messaging = Common("Messaging", Db("messaging"), bus);
        messaging["Auth__Authority"] = identityUrl;
        for (var i = 1; i <= messagingReplicas; i++)
        {
            var name = messagingReplicas == 1 ? "messaging" : $"messaging-{i}";
            replicas.Add(await Add(Server.StartDotnetAsync(name, "services/messaging/Andon.Messaging.Api", messaging, null)));
        }

        Gateway = await Add(Server.StartDotnetAsync("gateway", "gateway/Andon.Gateway.Api", new Dictionary<string, string>
        {
            ["Logging__LogLevel__Default"] = "Warning",
            ["Gateway__IdentityUrl"] = identityUrl,
            ["Gateway__ClientId"] = "andon-gateway",
            ["Gateway__ClientSecret"] = "bench-gateway-secret",
            ["Gateway__KeysPath"] = keys + "/gateway",
            ["ReverseProxy__Clusters__identity__Destinations__identity__Address"] = identityUrl,
            ["ReverseProxy__Clusters__rooms__Destinations__rooms__Address"] = Rooms.Url.ToString(),
            ["ReverseProxy__Clusters__messaging__Destinations__messaging__Address"] = Messaging.Url.ToString(),
        }, null));
    }

    private static Dictionary<string, string> Common(string service, string connectionString, string bus) => new()
    {
        ["Logging__LogLevel__Default"] = "Warning",
        ["Database__Provider"] = "Postgres",
        [$"ConnectionStrings__{service}"] = connectionString,
        ["Bus__Transport"] = "RabbitMq",
        ["Bus__RabbitMqUrl"] = bus,
    };

    private async Task<Server> Add(Task<Server> starting)
    {
        var server = await starting;
        hosts.Add(server);
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        for (var i = hosts.Count - 1; i >= 0; i--)
        {
            await hosts[i].DisposeAsync();
        }

        var postgres = Environment.GetEnvironmentVariable("ANDON_TEST_POSTGRES") ?? "";
        var parts = postgres.Split(';', StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.Split('=', 2)).Where(p => p.Length == 2)
            .ToDictionary(p => p[0].Trim().ToUpperInvariant(), p => p[1].Trim(), StringComparer.Ordinal);
        foreach (var db in databases)
        {
            var psql = new ProcessStartInfo("psql") { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var a in new[] { "-h", parts.GetValueOrDefault("HOST", "127.0.0.1"), "-p", parts.GetValueOrDefault("PORT", "5432"), "-U", parts.GetValueOrDefault("USERNAME", "andon"), "-d", "postgres", "-c", $"DROP DATABASE IF EXISTS \"{db}\" WITH (FORCE)" })
            {
                psql.ArgumentList.Add(a);
            }

            psql.Environment["PGPASSWORD"] = parts.GetValueOrDefault("PASSWORD", "");
            using var p = Process.Start(psql);
            if (p is not null)
            {
                await p.WaitForExitAsync();
            }
        }

        if (vhost is not null)
        {
            Run("rabbitmqctl", "-q", "delete_vhost", vhost);
        }
    }

    private static void Run(string file, params string[] arguments)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in arguments)
        {
            start.ArgumentList.Add(a);
        }

        using var p = Process.Start(start)!;
        p.WaitForExit();
        if (p.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', arguments)}: {p.StandardError.ReadToEnd()}");
        }
    }
}
