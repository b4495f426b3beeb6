using System.Net;
using System.Text.Json;
using Andon.Testing;

namespace Andon.Messaging.Tests;

/// <summary>
/// Identity, rooms, two messaging processes and the gateway, whose messaging cluster has both as
/// destinations (its default balancing sends a new socket to the replica with fewer open ones; a
/// replica that stops answering its live check leaves the rotation).
/// </summary>
public sealed class GatewayReplicas : IAsyncLifetime
{
    private readonly HostGroup hosts = new();

    public TestDatabase[] Databases { get; }

    public GatewayReplicas() => Databases = [hosts.Database("gw_identity"), hosts.Database("gw_rooms"), hosts.Database("gw_messaging")];

    public HostProcess Gateway { get; private set; } = null!;

    public HostProcess[] Replicas { get; private set; } = [];

    public string Origin => Gateway.Address.ToString().TrimEnd('/');

    public string Logs() => hosts.Logs();

    public async Task InitializeAsync()
    {
        var identityPort = HostProcess.FreePort();
        var bus = TestServers.NewRabbitMqVirtualHost();
        var identity = await hosts.StartAsync("services/identity/Andon.Identity.Api", AndonHosts.Identity(Databases[0], TestServers.Ldap.Port, identityPort, AndonHosts.TemporaryFolder(), bus), identityPort);
        var rooms = await hosts.StartAsync("services/rooms/Andon.Rooms.Api", AndonHosts.Rooms(Databases[1], identity.Address, bus));
        var messaging = AndonHosts.Messaging(Databases[2], identity.Address, bus);
        Replicas = [await hosts.StartAsync("services/messaging/Andon.Messaging.Api", messaging), await hosts.StartAsync("services/messaging/Andon.Messaging.Api", messaging)];
        var gateway = AndonHosts.Gateway(identity.Address, AndonHosts.TemporaryFolder());
        gateway["ReverseProxy__Clusters__rooms__Destinations__rooms__Address"] = rooms.Address.ToString();
        gateway["ReverseProxy__Clusters__messaging__Destinations__messaging__Address"] = Replicas[0].Address.ToString();
        gateway["ReverseProxy__Clusters__messaging__Destinations__messaging-2__Address"] = Replicas[1].Address.ToString();
        gateway["ReverseProxy__Clusters__messaging__HealthCheck__Active__Interval"] = "00:00:01";
        gateway["ReverseProxy__Clusters__messaging__HealthCheck__Active__Timeout"] = "00:00:01";
        Gateway = await hosts.StartAsync("gateway/Andon.Gateway.Api", gateway);
    }

    public async Task DisposeAsync() => await hosts.DisposeAsync();
}

public sealed class GatewayReplicasTests(GatewayReplicas system) : IClassFixture<GatewayReplicas>
{
    private const int PerSender = 50;

    private static long Seq(JsonElement frame) => frame.GetProperty("message").GetProperty("sequence_number").GetInt64();

    private static bool IsMessage(JsonElement frame) => frame.GetProperty("type").GetString() == "message";

    /// <summary>Connects through the gateway as a browser would, retrying while messaging has not heard of the room or a replica is down.</summary>
    private async Task<WsClient> Connect(BrowserSession browser, Guid room, long? lastSeq = null)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            try
            {
                return await WsClient.ConnectAsync(system.Gateway.Address, room, lastSeq: lastSeq, cookie: browser.CookieHeader, origin: system.Origin);
            }
            catch (WsRefusedException ex) when (DateTime.UtcNow < deadline && ex.Status is HttpStatusCode.NotFound or HttpStatusCode.Forbidden or HttpStatusCode.BadGateway or HttpStatusCode.ServiceUnavailable)
            {
                await Task.Delay(100);
            }
        }
    }

    /// <summary>Signs in; a 503 (the directory did not answer in time, on a loaded machine) is retried as a person would.</summary>
    private static async Task SignIn(BrowserSession browser, string user)
    {
        var status = HttpStatusCode.ServiceUnavailable;
        for (var attempt = 0; attempt < 5 && status == HttpStatusCode.ServiceUnavailable; attempt++)
        {
            status = (await browser.LoginAsync(user, TestServers.LdapPassword)).StatusCode;
        }

        Assert.Equal(HttpStatusCode.OK, status);
    }

    private static async Task<List<long>> Messages(WsClient client, int count)
    {
        var seqs = new List<long>();
        while (seqs.Count < count)
        {
            seqs.Add(Seq(await client.NextAsync(IsMessage, TimeSpan.FromSeconds(30))));
        }

        return seqs;
    }

    [Fact]
    public async Task Through_the_gateway_two_senders_reach_three_members_in_one_order_and_a_killed_replicas_clients_resume_on_the_other()
    {
        using var owner = new BrowserSession(system.Gateway.Address);
        using var editor = new BrowserSession(system.Gateway.Address);
        using var viewer = new BrowserSession(system.Gateway.Address);
        await SignIn(owner, "op.lin");
        await SignIn(editor, "mt.wang");
        await SignIn(viewer, "qa.huang");
        var created = await owner.SendAsync(HttpMethod.Post, "/api/rooms", new { title = "四號線焊接機器人停機", incident_type = "equipment_failure", severity = "critical" });
        var room = (await BrowserSession.Json(created)).GetProperty("room_id").GetGuid();
        Assert.Equal(HttpStatusCode.Created, (await owner.SendAsync(HttpMethod.Post, $"/api/rooms/{room}/members", new { user_id = "mt.wang@andon.test", role = "editor" })).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await owner.SendAsync(HttpMethod.Post, $"/api/rooms/{room}/members", new { user_id = "qa.huang@andon.test", role = "viewer" })).StatusCode);

        // Three members' sockets, opened one after the other, spread over both replicas.
        var sessions = new[] { owner, editor, viewer };
        var sockets = new WsClient[3];
        for (var i = 0; i < 3; i++)
        {
            sockets[i] = await Connect(sessions[i], room);
        }

        try
        {
            Assert.Equal("editor", (await sockets[1].NextOfTypeAsync("hello")).GetProperty("role").GetString());

            // The viewer connected last, so every membership event is numbered before its hello.
            var start = (await sockets[2].NextOfTypeAsync("hello")).GetProperty("last_seq").GetInt64();

            // 100 messages, 50 from each sender at once (paced under the per-user rate limit).
            async Task Send(WsClient client, string who)
            {
                for (var i = 0; i < PerSender; i++)
                {
                    await client.SendMessageAsync($"{who}-{i}", $"{who} {i}");
                    await Task.Delay(105);
                }
            }

            await Task.WhenAll(Send(sockets[0], "owner"), Send(sockets[1], "editor"));
            List<long>[] seen;
            try
            {
                seen = await Task.WhenAll(sockets.Select(s => Messages(s, 2 * PerSender)));
            }
            catch (TimeoutException ex)
            {
                throw new TimeoutException(ex.Message + "\n" + system.Logs(), ex);
            }

            foreach (var order in seen)
            {
                Assert.Equal(seen[0], order);
            }

            Assert.Equal(Enumerable.Range(1, 2 * PerSender).Select(i => start + i), seen[0]);
            // An ack is sent after its commit and can arrive after later messages of the other
            // sender (counted at the 100th message, this once found 47 of 50).
            static bool IsAck(JsonElement frame) => frame.GetProperty("type").GetString() == "ack";
            Assert.Equal(PerSender, await sockets[0].CountAsync(IsAck, PerSender, TimeSpan.FromSeconds(30)));
            Assert.Equal(PerSender, await sockets[1].CountAsync(IsAck, PerSender, TimeSpan.FromSeconds(30)));

            // One replica is killed (SIGKILL): the gateway drops the sockets it carried to it; the others stay.
            await system.Replicas[0].DisposeAsync();
            var closed = await Task.WhenAll(sockets.Select(async s =>
            {
                try
                {
                    await s.ClosedAsync(TimeSpan.FromSeconds(5));
                    return true;
                }
                catch (TimeoutException)
                {
                    return false;
                }
            }));
            Assert.Contains(true, closed);
            Assert.Contains(false, closed);

            // While they are away the room goes on: an integration's REST send through the gateway.
            var lastSeen = seen[0][^1];
            for (var i = 0; i < 5; i++)
            {
                var deadline = DateTime.UtcNow.AddSeconds(30);
                var sent = await editor.SendAsync(HttpMethod.Post, $"/api/rooms/{room}/messages", new { client_id = $"away-{i}", message_type = "text", content = $"away {i}" });
                while (sent.StatusCode is HttpStatusCode.BadGateway or HttpStatusCode.ServiceUnavailable && DateTime.UtcNow < deadline)
                {
                    await Task.Delay(200); // the gateway has not yet seen the replica fail its live check
                    sent = await editor.SendAsync(HttpMethod.Post, $"/api/rooms/{room}/messages", new { client_id = $"away-{i}", message_type = "text", content = $"away {i}" });
                }

                Assert.Equal(HttpStatusCode.Created, sent.StatusCode);
            }

            // The dropped clients reconnect through the gateway (to the live replica) and resume.
            for (var i = 0; i < 3; i++)
            {
                if (closed[i])
                {
                    await sockets[i].DisposeAsync();
                    sockets[i] = await Connect(sessions[i], room, lastSeen);
                }
            }

            await sockets[1].SendMessageAsync("final", "final");
            foreach (var socket in sockets)
            {
                var after = await Messages(socket, 6);
                Assert.Equal(Enumerable.Range(1, 6).Select(i => lastSeen + i), after);
            }

            for (var i = 0; i < 3; i++)
            {
                var all = (closed[i] ? seen[i] : []).Concat(sockets[i].Received.Where(IsMessage).Select(Seq)).ToList();
                Assert.Equal(Enumerable.Range(1, all.Count).Select(n => start + n), all);
            }
        }
        finally
        {
            foreach (var socket in sockets)
            {
                await socket.DisposeAsync();
            }
        }
    }
}
