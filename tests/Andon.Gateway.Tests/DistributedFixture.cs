using Andon.Testing;

namespace Andon.Gateway.Tests;

/// <summary>
/// The distributed mode: identity as its own process on PostgreSQL, RabbitMQ and slapd; each test
/// class starts its own gateway process in front of it.
/// </summary>
public sealed class DistributedFixture : IAsyncLifetime
{
    public TestDatabase Database { get; } = TestDatabase.Create("gateway");

    public HostProcess Identity { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var port = HostProcess.FreePort();
        var settings = AndonHosts.Identity(Database, TestServers.Ldap.Port, port, AndonHosts.TemporaryFolder(), TestServers.NewRabbitMqVirtualHost());
        settings["Identity__AccessTokenMinutes"] = "1";
        Identity = await HostProcess.StartAsync("services/identity/Andon.Identity.Api", settings, port);
    }

    public Task<HostProcess> StartGatewayAsync(string keysPath, int loginFailuresPerMinute = 1000, int? port = null)
    {
        var settings = AndonHosts.Gateway(Identity.Address, keysPath);
        settings["Gateway__LoginFailuresPerMinute"] = loginFailuresPerMinute.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return HostProcess.StartAsync("gateway/Andon.Gateway.Api", settings, port);
    }

    public async Task DisposeAsync()
    {
        await Identity.DisposeAsync();
        await Database.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class DistributedMode : ICollectionFixture<DistributedFixture>
{
    public const string Name = "distributed";
}
