using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Andon.Testing;

namespace Andon.Messaging.Tests;

/// <summary>
/// Two messaging processes on one PostgreSQL database and RabbitMQ (the backplane), with identity and
/// rooms. Presence is announced each second and an instance unheard of for 5 s is forgotten.
/// </summary>
public class TwoReplicas : IAsyncLifetime
{
    private readonly Dictionary<string, string> tokens = [];

    public TestDatabase[] Databases { get; } = [TestDatabase.Create("rep_identity"), TestDatabase.Create("rep_rooms"), TestDatabase.Create("rep_messaging")];

    public HostProcess Identity { get; private set; } = null!;

    public HostProcess Rooms { get; private set; } = null!;

    public HostProcess ReplicaA { get; private set; } = null!;

    public HostProcess ReplicaB { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var identityPort = HostProcess.FreePort();
        var bus = TestServers.NewRabbitMqVirtualHost();
        Identity = await HostProcess.StartAsync("services/identity/Andon.Identity.Api", AndonHosts.Identity(Databases[0], TestServers.Ldap.Port, identityPort, AndonHosts.TemporaryFolder(), bus), identityPort);
        Rooms = await HostProcess.StartAsync("services/rooms/Andon.Rooms.Api", AndonHosts.Rooms(Databases[1], Identity.Address, bus));
        var messaging = AndonHosts.Messaging(Databases[2], Identity.Address, bus);
        messaging["Messaging__PresenceRefreshSeconds"] = "1";
        messaging["Messaging__PresenceExpirySeconds"] = PresenceExpirySeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        ReplicaA = await HostProcess.StartAsync("services/messaging/Andon.Messaging.Api", messaging);
        ReplicaB = await HostProcess.StartAsync("services/messaging/Andon.Messaging.Api", messaging);
        foreach (var uid in new[] { "op.lin", "mt.wang", "qa.huang" })
        {
            tokens[uid] = await Identity.AccessTokenAsync(uid, TestServers.LdapPassword);
        }
    }

    private const int PresenceExpirySeconds = 5;

    /// <summary>Seconds after which the replicas forget an instance they no longer hear.</summary>
    public int PresenceExpiry => PresenceExpirySeconds;

    public string Token(string uid) => tokens[uid];

    public string Logs() => $"--- replica A\n{ReplicaA.Output}\n--- replica B\n{ReplicaB.Output}";

    public async Task DisposeAsync()
    {
        foreach (var host in new[] { ReplicaB, ReplicaA, Rooms, Identity })
        {
            if (host is not null)
            {
                await host.DisposeAsync();
            }
        }

        foreach (var database in Databases)
        {
            await database.DisposeAsync();
        }
    }

    /// <summary>A room owned by op.lin with mt.wang (editor) and qa.huang (viewer), once messaging knows them.</summary>
    public async Task<Guid> RoomAsync()
    {
        using var owner = Rooms.CreateClient();
        owner.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token("op.lin"));
        var created = await owner.PostAsJsonAsync(new Uri("/api/rooms", UriKind.Relative), new { title = "雙機測試", incident_type = "other", severity = "low" });
        var roomId = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("room_id").GetGuid();
        await owner.PostAsJsonAsync(new Uri($"/api/rooms/{roomId}/members", UriKind.Relative), new { user_id = "mt.wang@andon.test", role = "editor" });
        await owner.PostAsJsonAsync(new Uri($"/api/rooms/{roomId}/members", UriKind.Relative), new { user_id = "qa.huang@andon.test", role = "viewer" });
        using var viewer = ReplicaB.CreateClient();
        viewer.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token("qa.huang"));
        for (var i = 0; i < 200; i++)
        {
            if ((await viewer.GetAsync(new Uri($"/api/rooms/{roomId}/messages", UriKind.Relative))).StatusCode == HttpStatusCode.OK)
            {
                return roomId;
            }

            await Task.Delay(50);
        }

        throw new TimeoutException("Messaging never learnt of the room's members.");
    }
}

public sealed class TwoReplicaTests(TwoReplicas system) : IClassFixture<TwoReplicas>
{
    private static string Type(JsonElement f) => f.GetProperty("type").GetString()!;

    private static async Task<List<(long Seq, string Content)>> Messages(WsClient client, int count)
    {
        var list = new List<(long, string)>();
        while (list.Count < count)
        {
            var m = (await client.NextOfTypeAsync("message", TimeSpan.FromSeconds(30))).GetProperty("message");
            list.Add((m.GetProperty("sequence_number").GetInt64(), m.GetProperty("content").GetString()!));
        }

        return list;
    }

    [Fact]
    public async Task Clients_on_different_replicas_see_one_order_and_survive_a_killed_replica_without_gap_or_duplicate()
    {
        var room = await system.RoomAsync();
        await using var ownerOnA = await WsClient.ConnectAsync(system.ReplicaA.Address, room, system.Token("op.lin"));
        await using var editorOnB = await WsClient.ConnectAsync(system.ReplicaB.Address, room, system.Token("mt.wang"));
        var viewerOnA = await WsClient.ConnectAsync(system.ReplicaA.Address, room, system.Token("qa.huang"));
        await using var viewerOnB = await WsClient.ConnectAsync(system.ReplicaB.Address, room, system.Token("qa.huang"));

        async Task Send(WsClient client, string who, int count)
        {
            for (var i = 0; i < count; i++)
            {
                await client.SendMessageAsync($"{who}-{i}", $"{who} {i}");
                await Task.Delay(105);
            }
        }

        await Task.WhenAll(Send(ownerOnA, "owner", 30), Send(editorOnB, "editor", 30));
        List<(long Seq, string Content)>[] seen;
        try
        {
            seen = await Task.WhenAll(Messages(ownerOnA, 60), Messages(editorOnB, 60), Messages(viewerOnA, 60), Messages(viewerOnB, 60));
        }
        catch (TimeoutException ex)
        {
            throw new TimeoutException(ex.Message + "\n" + system.Logs(), ex);
        }

        foreach (var order in seen.Skip(1))
        {
            Assert.Equal(seen[0], order);
        }

        Assert.Equal(Enumerable.Range(0, 60).Select(i => seen[0][0].Seq + i), seen[0].Select(m => m.Seq));

        // Typing is never stored: it reaches the other replica through the backplane alone.
        await ownerOnA.SendJsonAsync(new { type = "typing", is_typing = true });
        Assert.Equal("op.lin@andon.test", (await viewerOnB.NextOfTypeAsync("typing")).GetProperty("user_id").GetString());
        var lastOnA = seen[2][^1].Seq;

        // Replica A dies: its clients reconnect to B and resume from what they last saw.
        await system.ReplicaA.DisposeAsync();
        await viewerOnA.ClosedAsync(TimeSpan.FromSeconds(10));
        await viewerOnA.DisposeAsync();
        await Send(editorOnB, "after", 5);

        await using var resumed = await WsClient.ConnectAsync(system.ReplicaB.Address, room, system.Token("qa.huang"), lastSeq: lastOnA);
        var replayed = await Messages(resumed, 5);
        Assert.Equal(Enumerable.Range(1, 5).Select(i => lastOnA + i), replayed.Select(m => m.Seq));
        Assert.Equal(Enumerable.Range(0, 5).Select(i => $"after {i}"), replayed.Select(m => m.Content));
        await editorOnB.SendMessageAsync("final", "final");
        Assert.Equal(lastOnA + 6, (await resumed.NextOfTypeAsync("message")).GetProperty("message").GetProperty("sequence_number").GetInt64());
        Assert.Equal(6, resumed.Received.Count(f => Type(f) == "message"));
    }
}

/// <summary>Both replicas writing the same rooms at once (each replica's writer takes many rooms a transaction).</summary>
public sealed class TwoReplicaWriterTests(TwoReplicas system) : IClassFixture<TwoReplicas>
{
    [Fact]
    public async Task Two_replicas_writing_the_same_rooms_at_once_give_each_room_one_gap_free_order_without_deadlock()
    {
        var rooms = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => system.RoomAsync()));
        using var ownerOnA = system.ReplicaA.CreateClient();
        ownerOnA.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", system.Token("op.lin"));
        using var editorOnB = system.ReplicaB.CreateClient();
        editorOnB.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", system.Token("mt.wang"));

        // Each replica gets every room's sends at once, in opposite room orders, three rounds:
        // its writer takes several rooms a transaction and locks their counters while the other does too.
        var sends = new List<Task<HttpResponseMessage>>();
        for (var round = 0; round < 3; round++)
        {
            foreach (var (room, i) in rooms.Select((r, i) => (r, i)))
            {
                sends.Add(ownerOnA.PostAsJsonAsync(new Uri($"/api/rooms/{room}/messages", UriKind.Relative), new { client_id = $"a-{round}-{i}", message_type = "text", content = $"A {round}" }));
                sends.Add(editorOnB.PostAsJsonAsync(new Uri($"/api/rooms/{rooms[^(i + 1)]}/messages", UriKind.Relative), new { client_id = $"b-{round}-{i}", message_type = "text", content = $"B {round}" }));
            }
        }

        var answers = await Task.WhenAll(sends);
        Assert.All(answers, a => Assert.Equal(HttpStatusCode.Created, a.StatusCode));

        foreach (var room in rooms)
        {
            var page = await ownerOnA.GetFromJsonAsync<JsonElement>(new Uri($"/api/rooms/{room}/messages?after_seq=0&limit=50", UriKind.Relative));
            var messages = page.GetProperty("messages").EnumerateArray().ToList();
            // 1 and 2 are the two members' system events; the six messages follow without a gap.
            Assert.Equal([3, 4, 5, 6, 7, 8], messages.Select(m => m.GetProperty("sequence_number").GetInt64()));
            Assert.Equal(3, messages.Count(m => m.GetProperty("sender_id").GetString() == "op.lin@andon.test"));
            Assert.Equal(3, messages.Count(m => m.GetProperty("sender_id").GetString() == "mt.wang@andon.test"));
        }

        var logs = system.Logs();
        Assert.DoesNotContain("could not be stored", logs, StringComparison.Ordinal);
        Assert.DoesNotContain("deadlock", logs, StringComparison.OrdinalIgnoreCase);
    }
}
