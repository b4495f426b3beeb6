using Andon.Testing;
using Npgsql;

namespace Andon.Reliability.Tests;

/// <summary>
/// The distributed mode as processes: identity, rooms, two messaging replicas, files and the
/// gateway, on the shared PostgreSQL, RabbitMQ, slapd and s3rver. Other test projects use those
/// servers at the same time, so an outage is never made by stopping one: every host reaches each
/// server through a <see cref="TcpProxy"/> of this fixture, and <see cref="TcpProxy.Stop"/> cuts
/// every open connection and refuses new ones exactly as a server that went down would, for these
/// hosts only. The gateway listens on a port of its own that it keeps when restarted, with its
/// data-protection keys in a folder that outlives it.
/// </summary>
public sealed class FaultSystem : IAsyncLifetime
{
    private const string MessagingProject = "services/messaging/Andon.Messaging.Api";
    private const string GatewayProject = "gateway/Andon.Gateway.Api";
    private readonly List<HostProcess> hosts = [];
    private readonly int gatewayPort = HostProcess.FreePort();
    private Dictionary<string, string> messagingSettings = [];
    private Dictionary<string, string> gatewaySettings = [];

    public FaultSystem()
    {
        var postgres = new NpgsqlConnectionStringBuilder(TestServers.Postgres);
        Postgres = new TcpProxy(postgres.Host ?? "127.0.0.1", postgres.Port);
    }

    public TestDatabase[] Databases { get; } = [TestDatabase.Create("flt_identity"), TestDatabase.Create("flt_rooms"), TestDatabase.Create("flt_messaging"), TestDatabase.Create("flt_files")];

    public TestDatabase RoomsDatabase => Databases[1];

    public TestDatabase FilesDatabase => Databases[3];

    /// <summary>Between every host and PostgreSQL.</summary>
    public TcpProxy Postgres { get; }

    /// <summary>Between every host and RabbitMQ (events and the messaging backplane).</summary>
    public TcpProxy RabbitMq { get; } = new(TestServers.RabbitMq.Host, TestServers.RabbitMq.Port);

    /// <summary>Between identity and the directory.</summary>
    public TcpProxy Ldap { get; } = new(TestServers.Ldap.Host, TestServers.Ldap.Port);

    /// <summary>Between files and the S3 server.</summary>
    public TcpProxy S3 { get; } = new(TestServers.S3.Host, TestServers.S3.Port);

    public HostProcess Gateway { get; private set; } = null!;

    public HostProcess[] Replicas { get; } = new HostProcess[2];

    public IReadOnlyList<HostProcess> Running => hosts.Where(h => !Exited(h)).ToList();

    public Uri Address => new($"http://127.0.0.1:{gatewayPort}");

    public string Origin => Address.ToString().TrimEnd('/');

    public string Logs()
    {
        lock (hosts)
        {
            return string.Join("\n", hosts.Select(h => $"--- {h.Address}\n{Tail(h.Output)}"));
        }
    }

    public async Task InitializeAsync()
    {
        var identityPort = HostProcess.FreePort();
        var vhost = TestServers.NewRabbitMqVirtualHost();
        var bus = new UriBuilder(vhost) { Host = "127.0.0.1", Port = RabbitMq.Port }.Uri;
        var identitySettings = AndonHosts.Identity(Databases[0], Ldap.Port, identityPort, AndonHosts.TemporaryFolder(), bus);
        identitySettings["ConnectionStrings__Identity"] = ThroughRelay(Databases[0]);
        var identity = await Start("services/identity/Andon.Identity.Api", identitySettings, identityPort);

        var rooms = AndonHosts.Rooms(Databases[1], identity.Address, bus);
        rooms["ConnectionStrings__Rooms"] = ThroughRelay(Databases[1]);
        var roomsHost = await Start("services/rooms/Andon.Rooms.Api", rooms);

        messagingSettings = AndonHosts.Messaging(Databases[2], identity.Address, bus);
        messagingSettings["ConnectionStrings__Messaging"] = ThroughRelay(Databases[2]);
        Replicas[0] = await Start(MessagingProject, messagingSettings);
        Replicas[1] = await Start(MessagingProject, messagingSettings);

        var files = AndonHosts.Files(Databases[3], identity.Address, bus, $"127.0.0.1:{S3.Port}", "andon-faults-" + Guid.NewGuid().ToString("N")[..8]);
        files["ConnectionStrings__Files"] = ThroughRelay(Databases[3]);
        var filesHost = await Start("services/files/Andon.Files.Api", files);

        gatewaySettings = AndonHosts.Gateway(identity.Address, AndonHosts.TemporaryFolder());
        gatewaySettings["ReverseProxy__Clusters__rooms__Destinations__rooms__Address"] = roomsHost.Address.ToString();
        gatewaySettings["ReverseProxy__Clusters__messaging__Destinations__messaging__Address"] = Replicas[0].Address.ToString();
        gatewaySettings["ReverseProxy__Clusters__messaging__Destinations__messaging-2__Address"] = Replicas[1].Address.ToString();
        gatewaySettings["ReverseProxy__Clusters__messaging__HealthCheck__Active__Interval"] = "00:00:01";
        gatewaySettings["ReverseProxy__Clusters__messaging__HealthCheck__Active__Timeout"] = "00:00:01";
        gatewaySettings["ReverseProxy__Clusters__files__Destinations__files__Address"] = filesHost.Address.ToString();
        Gateway = await Start(GatewayProject, gatewaySettings, gatewayPort);
    }

    /// <summary>Kills a messaging replica with SIGKILL: no close frames, no clean shutdown.</summary>
    public async Task KillReplicaAsync(int index) => await Replicas[index].DisposeAsync();

    /// <summary>Starts a killed replica again on its port, so the gateway's destination comes back.</summary>
    public async Task RestartReplicaAsync(int index)
    {
        if (Exited(Replicas[index]))
        {
            Replicas[index] = await Start(MessagingProject, messagingSettings, Replicas[index].Address.Port);
        }
    }

    /// <summary>Kills the gateway (SIGKILL) and starts a new process on the same port with the same key folder.</summary>
    public async Task RestartGatewayAsync()
    {
        await Gateway.DisposeAsync();
        Gateway = await Start(GatewayProject, gatewaySettings, gatewayPort);
    }

    public async Task DisposeAsync()
    {
        List<HostProcess> all;
        lock (hosts)
        {
            all = [.. hosts];
        }

        foreach (var host in Enumerable.Reverse(all))
        {
            await host.DisposeAsync();
        }

        foreach (var database in Databases)
        {
            await database.DisposeAsync();
        }

        Postgres.Dispose();
        RabbitMq.Dispose();
        Ldap.Dispose();
        S3.Dispose();
    }

    private static bool Exited(HostProcess host)
    {
        try
        {
            return System.Diagnostics.Process.GetProcessById(host.ProcessId).HasExited;
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException)
        {
            return true;
        }
    }

    private static string Tail(string output) => output.Length > 6000 ? "…" + output[^6000..] : output;

    private string ThroughRelay(TestDatabase database) =>
        new NpgsqlConnectionStringBuilder(database.ConnectionString) { Host = "127.0.0.1", Port = Postgres.Port }.ToString();

    private async Task<HostProcess> Start(string project, Dictionary<string, string> settings, int? port = null)
    {
        var host = await HostProcess.StartAsync(project, settings, port);
        lock (hosts)
        {
            hosts.Add(host);
        }

        return host;
    }
}
