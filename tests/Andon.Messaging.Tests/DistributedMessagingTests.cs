using System.Net;
using System.Text.Json;
using Andon.BuildingBlocks.Bus;
using Andon.Contracts;
using Andon.Testing;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Andon.Messaging.Tests;

/// <summary>Identity, rooms, messaging and the gateway as separate processes on PostgreSQL, RabbitMQ and slapd.</summary>
public sealed class DistributedMessaging : IAsyncLifetime
{
    private readonly HostGroup hosts = new();

    public TestDatabase[] Databases { get; }

    public DistributedMessaging() => Databases = [hosts.Database("msg_identity"), hosts.Database("msg_rooms"), hosts.Database("messaging")];

    /// <summary>Messaging's connection pool: far fewer connections than requests in the tests' bursts.</summary>
    public const int MessagingPoolSize = 4;

    public HostProcess Gateway { get; private set; } = null!;

    /// <summary>The fixture's RabbitMQ virtual host, where plant-floor systems publish.</summary>
    public Uri Bus { get; private set; } = null!;

    /// <summary>What the hosts printed, for a failure message.</summary>
    public string Logs() => hosts.Logs();

    public async Task InitializeAsync()
    {
        var identityPort = HostProcess.FreePort();
        var bus = Bus = TestServers.NewRabbitMqVirtualHost();
        var identity = await hosts.StartAsync("services/identity/Andon.Identity.Api", AndonHosts.Identity(Databases[0], TestServers.Ldap.Port, identityPort, AndonHosts.TemporaryFolder(), bus), identityPort);
        var rooms = await hosts.StartAsync("services/rooms/Andon.Rooms.Api", AndonHosts.Rooms(Databases[1], identity.Address, bus));
        // Messaging pools its connections as in production, but only a few: a request that held its
        // connection while it waited for the room writer would starve the writer of one.
        var messagingSettings = AndonHosts.Messaging(Databases[2], identity.Address, bus);
        messagingSettings["ConnectionStrings__Messaging"] = new NpgsqlConnectionStringBuilder(Databases[2].ConnectionString) { Pooling = true, MaxPoolSize = MessagingPoolSize, Timeout = 5 }.ToString();
        var messaging = await hosts.StartAsync("services/messaging/Andon.Messaging.Api", messagingSettings);
        var gateway = AndonHosts.Gateway(identity.Address, AndonHosts.TemporaryFolder());
        gateway["ReverseProxy__Clusters__rooms__Destinations__rooms__Address"] = rooms.Address.ToString();
        gateway["ReverseProxy__Clusters__messaging__Destinations__messaging__Address"] = messaging.Address.ToString();
        Gateway = await hosts.StartAsync("gateway/Andon.Gateway.Api", gateway);
    }

    public async Task DisposeAsync() => await hosts.DisposeAsync();
}

public sealed class DistributedMessagingTests(DistributedMessaging system) : IClassFixture<DistributedMessaging>
{
    [Fact]
    public async Task Browsers_talk_through_the_gateway_with_their_session_cookie_and_search_finds_chinese_on_postgres_but_not_deleted_messages()
    {
        using var owner = new BrowserSession(system.Gateway.Address);
        using var editor = new BrowserSession(system.Gateway.Address);
        Assert.Equal(HttpStatusCode.OK, (await owner.LoginAsync("op.lin", TestServers.LdapPassword)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await editor.LoginAsync("mt.wang", TestServers.LdapPassword)).StatusCode);
        var created = await owner.SendAsync(HttpMethod.Post, "/api/rooms", new { title = "二號線沖壓機異常", incident_type = "equipment_failure", severity = "high" });
        var roomId = (await BrowserSession.Json(created)).GetProperty("room_id").GetGuid();
        Assert.Equal(HttpStatusCode.Created, (await owner.SendAsync(HttpMethod.Post, $"/api/rooms/{roomId}/members", new { user_id = "mt.wang@andon.test", role = "editor" })).StatusCode);

        var origin = system.Gateway.Address.ToString().TrimEnd('/');
        WsClient? ownerSocket = null;
        for (var i = 0; i < 100 && ownerSocket is null; i++)
        {
            try
            {
                ownerSocket = await WsClient.ConnectAsync(system.Gateway.Address, roomId, cookie: owner.CookieHeader, origin: origin);
            }
            catch (WsRefusedException ex) when (ex.Status is HttpStatusCode.NotFound or HttpStatusCode.Forbidden)
            {
                await Task.Delay(100); // messaging has not heard of the room yet
            }
        }

        await using var ownerWs = ownerSocket ?? throw new TimeoutException("Messaging never learnt of the room.\n" + system.Logs());
        await ownerWs.NextOfTypeAsync("hello");
        WsClient? editorSocket = null;
        for (var i = 0; i < 100 && editorSocket is null; i++)
        {
            try
            {
                editorSocket = await WsClient.ConnectAsync(system.Gateway.Address, roomId, cookie: editor.CookieHeader, origin: origin);
            }
            catch (WsRefusedException ex) when (ex.Status == HttpStatusCode.Forbidden)
            {
                await Task.Delay(100); // the membership has not reached messaging yet
            }
        }

        await using var editorWs = editorSocket ?? throw new TimeoutException("The editor's membership never reached messaging.");
        Assert.Equal("editor", (await editorWs.NextOfTypeAsync("hello")).GetProperty("role").GetString());

        await editorWs.SendMessageAsync("d-1", "沖壓機液壓壓力不足");
        var ack = await editorWs.NextOfTypeAsync("ack");
        var seen = (await ownerWs.NextOfTypeAsync("message")).GetProperty("message");
        Assert.Equal(ack.GetProperty("sequence_number").GetInt64(), seen.GetProperty("sequence_number").GetInt64());
        Assert.Equal("王維修", seen.GetProperty("sender_name").GetString());

        // A resend after a lost ack (the same client_id) gets the first copy's ack; the history below holds one message.
        await editorWs.SendMessageAsync("d-1", "沖壓機液壓壓力不足");
        var again = await editorWs.NextOfTypeAsync("ack");
        Assert.Equal(ack.GetProperty("message_id").GetGuid(), again.GetProperty("message_id").GetGuid());
        Assert.Equal(ack.GetProperty("sequence_number").GetInt64(), again.GetProperty("sequence_number").GetInt64());

        var search = await BrowserSession.Json(await owner.SendAsync(HttpMethod.Get, "/api/messages/search?q=" + Uri.EscapeDataString("液壓")));
        var hit = Assert.Single(search.GetProperty("items").EnumerateArray());
        Assert.Equal("沖壓機<mark>液壓</mark>壓力不足", hit.GetProperty("highlight").GetString());
        Assert.Equal("二號線沖壓機異常", hit.GetProperty("room_title").GetString());
        Assert.Equal(1, search.GetProperty("total").GetInt32());
        Assert.False(search.GetProperty("total_capped").GetBoolean());
        var longer = await BrowserSession.Json(await owner.SendAsync(HttpMethod.Get, "/api/messages/search?q=" + Uri.EscapeDataString("液壓壓力")));
        Assert.Equal("沖壓機<mark>液壓壓力</mark>不足", Assert.Single(longer.GetProperty("items").EnumerateArray()).GetProperty("highlight").GetString());

        var history = await BrowserSession.Json(await owner.SendAsync(HttpMethod.Get, $"/api/rooms/{roomId}/messages"));
        Assert.Single(history.GetProperty("messages").EnumerateArray());

        // A plant-floor system reports readings for the room: they arrive as an incident_data message, once.
        var builder = AndonHosts.BusClient(system.Bus);
        builder.AddAndonBus("plc-" + Guid.NewGuid().ToString("N")[..8]);
        await using var plc = builder.Build();
        await plc.StartAsync();
        var readings = new IncidentDataReported(Guid.NewGuid(), DateTimeOffset.UtcNow, roomId, null, JsonSerializer.SerializeToElement(new { pressure_bar = 42.5 }), "plc-line2");
        var bus = plc.Services.GetRequiredService<IBus>();
        await bus.Publish(readings);
        await bus.Publish(readings);
        var data = (await ownerWs.NextAsync(f => f.GetProperty("type").GetString() == "message"
            && f.GetProperty("message").GetProperty("message_type").GetString() == "incident_data", TimeSpan.FromSeconds(30))).GetProperty("message");
        Assert.Equal(42.5, data.GetProperty("content").GetProperty("pressure_bar").GetDouble());
        Assert.Equal("plc-line2", data.GetProperty("sender_id").GetString());
        await plc.StopAsync();
        await Task.Delay(1000);
        var after = await BrowserSession.Json(await owner.SendAsync(HttpMethod.Get, $"/api/rooms/{roomId}/messages"));
        Assert.Equal(2, after.GetProperty("messages").GetArrayLength());

        // A deleted message is no longer found.
        await editorWs.SendJsonAsync(new { type = "delete_message", message_id = ack.GetProperty("message_id").GetGuid() });
        await ownerWs.NextOfTypeAsync("message_deleted");
        foreach (var term in new[] { "液壓", "液壓壓力" })
        {
            var gone = await BrowserSession.Json(await owner.SendAsync(HttpMethod.Get, "/api/messages/search?q=" + Uri.EscapeDataString(term)));
            Assert.Equal(0, gone.GetProperty("total").GetInt32());
        }
    }

    [Fact]
    public async Task A_burst_of_rest_sends_larger_than_messagings_connection_pool_is_written_whole()
    {
        using var owner = await SignedInAsync("op.lin");
        var path = $"/api/rooms/{await NewRoomAsync(owner, "三號線輸送帶停止")}/messages";
        HttpResponseMessage first = null!;
        for (var i = 0; i < 100; i++)
        {
            first = await owner.SendAsync(HttpMethod.Post, path, new { message_type = "text", content = "第一則", client_id = Guid.NewGuid() });
            if (first.StatusCode != HttpStatusCode.NotFound)
            {
                break;
            }

            await Task.Delay(100); // messaging has not heard of the room yet
        }

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);

        // Four times the pool, at once (within the sender's burst of 20): each request waits for the
        // writer's commit, and the writer needs a connection of the same pool to commit.
        var burst = Enumerable.Range(1, 4 * DistributedMessaging.MessagingPoolSize)
            .Select(i => owner.SendAsync(HttpMethod.Post, path, new { message_type = "text", content = $"讀數 {i}", client_id = Guid.NewGuid() }))
            .ToArray();
        var answers = await Task.WhenAll(burst);
        var statuses = answers.Select(a => (int)a.StatusCode).ToArray();
        Assert.True(statuses.All(s => s == 201), "statuses: " + string.Join(", ", statuses) + "\n" + system.Logs());
        var numbers = new List<long>();
        foreach (var answer in answers)
        {
            numbers.Add((await BrowserSession.Json(answer)).GetProperty("sequence_number").GetInt64());
        }

        Assert.Equal(Enumerable.Range(2, burst.Length).Select(n => (long)n), numbers.Order());
        var history = await BrowserSession.Json(await owner.SendAsync(HttpMethod.Get, path + "?limit=50"));
        Assert.Equal(burst.Length + 1, history.GetProperty("messages").GetArrayLength());
    }

    [Fact]
    public async Task Requests_waiting_for_a_room_made_just_now_leave_messagings_connections_to_the_others()
    {
        using var owner = await SignedInAsync("op.lin");
        var history = $"/api/rooms/{await NewRoomAsync(owner, "四號線焊接站異常")}/messages";
        for (var i = 0; i < 100 && (await owner.SendAsync(HttpMethod.Get, history)).StatusCode == HttpStatusCode.NotFound; i++)
        {
            await Task.Delay(100); // messaging has not heard of the room yet
        }

        // An id as rooms makes them, this very moment, of a room whose copy never comes: messaging
        // looks for it again and again for 10 s (ADR 0013), from four times as many requests as
        // its pool has connections.
        var coming = Guid.CreateVersion7();
        var waiting = Enumerable.Range(0, 4 * DistributedMessaging.MessagingPoolSize)
            .Select(_ => owner.SendAsync(HttpMethod.Get, $"/api/rooms/{coming}/messages"))
            .ToArray();
        await Task.Delay(500);

        // Meanwhile the room that exists takes a message (written through the same pool).
        var sent = await owner.SendAsync(HttpMethod.Post, history, new { message_type = "text", content = "焊槍冷卻水流量低", client_id = Guid.NewGuid() });
        Assert.True(sent.StatusCode == HttpStatusCode.Created, $"{(int)sent.StatusCode} {await sent.Content.ReadAsStringAsync()}");
        Assert.All(waiting, w => Assert.False(w.IsCompleted, "A request for the room made just now stopped waiting early."));

        var statuses = (await Task.WhenAll(waiting)).Select(a => (int)a.StatusCode).ToArray();
        Assert.True(statuses.All(s => s == 404), "statuses: " + string.Join(", ", statuses));
    }

    private async Task<BrowserSession> SignedInAsync(string user)
    {
        var session = new BrowserSession(system.Gateway.Address);
        Assert.Equal(HttpStatusCode.OK, (await session.LoginAsync(user, TestServers.LdapPassword)).StatusCode);
        return session;
    }

    private static async Task<Guid> NewRoomAsync(BrowserSession owner, string title)
    {
        var created = await owner.SendAsync(HttpMethod.Post, "/api/rooms", new { title, incident_type = "equipment_failure", severity = "high" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        return (await BrowserSession.Json(created)).GetProperty("room_id").GetGuid();
    }
}
