using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text.Json;
using Andon.Testing;

namespace Andon.Messaging.Tests;

/// <summary>Its own two replicas: the test kills one.</summary>
public sealed class PresenceReplicas : TwoReplicas;

public sealed class PresenceAcrossReplicasTests(PresenceReplicas system) : IClassFixture<PresenceReplicas>
{
    private const string Owner = "op.lin@andon.test";
    private const string Editor = "mt.wang@andon.test";
    private const string Viewer = "qa.huang@andon.test";

    private static string[] Online(JsonElement frame) => frame.GetProperty("online").EnumerateArray().Select(e => e.GetString()!).ToArray();

    private static Task<JsonElement> Presence(WsClient client, string[] online, TimeSpan? timeout = null) =>
        client.NextAsync(f => f.GetProperty("type").GetString() == "presence" && Online(f).SequenceEqual(online), timeout ?? TimeSpan.FromSeconds(10));

    private async Task<string[]> RestPresence(HostProcess replica, Guid room)
    {
        using var client = replica.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", system.Token("qa.huang"));
        var body = await BrowserSession.Json(await client.GetAsync(new Uri($"/api/rooms/{room}/presence", UriKind.Relative)));
        return Online(body);
    }

    [Fact]
    public async Task A_user_on_one_replica_is_online_on_the_other_until_they_leave_or_their_replica_is_killed()
    {
        var room = await system.RoomAsync();
        await using var viewerOnB = await WsClient.ConnectAsync(system.ReplicaB.Address, room, system.Token("qa.huang"));
        Assert.Equal([Viewer], Online(await viewerOnB.NextOfTypeAsync("hello")));

        // The owner connects to A: B's client hears it, B's REST and a new client on B see it.
        var ownerOnA = await WsClient.ConnectAsync(system.ReplicaA.Address, room, system.Token("op.lin"));
        await Presence(viewerOnB, [Owner, Viewer]);
        Assert.Equal([Owner, Viewer], await RestPresence(system.ReplicaB, room));
        Assert.Equal([Owner, Viewer], await RestPresence(system.ReplicaA, room));
        await using (var editorOnB = await WsClient.ConnectAsync(system.ReplicaB.Address, room, system.Token("mt.wang")))
        {
            Assert.Equal([Editor, Owner, Viewer], Online(await editorOnB.NextOfTypeAsync("hello")));
            Assert.Equal([Editor, Owner, Viewer], Online(await ownerOnA.NextAsync(f => f.GetProperty("type").GetString() == "presence" && Online(f).Length == 3)));
        }

        // The owner leaves A: gone on B at once (not after an expiry).
        await Presence(viewerOnB, [Owner, Viewer]);
        var left = Stopwatch.StartNew();
        await ownerOnA.DisposeAsync();
        await Presence(viewerOnB, [Viewer], TimeSpan.FromSeconds(system.PresenceExpiry - 1));
        Assert.True(left.Elapsed < TimeSpan.FromSeconds(system.PresenceExpiry - 1), $"left after {left.Elapsed}");
        Assert.Equal([Viewer], await RestPresence(system.ReplicaB, room));

        // Two users on A, then A is killed (SIGKILL, no goodbye): they leave B's room within the expiry.
        await using var ownerAgain = await WsClient.ConnectAsync(system.ReplicaA.Address, room, system.Token("op.lin"));
        await using var editorOnA = await WsClient.ConnectAsync(system.ReplicaA.Address, room, system.Token("mt.wang"));
        await Presence(viewerOnB, [Editor, Owner, Viewer]);
        var killed = Stopwatch.StartNew();
        await system.ReplicaA.DisposeAsync();
        await Presence(viewerOnB, [Viewer], TimeSpan.FromSeconds(system.PresenceExpiry + 3));
        var gone = killed.Elapsed;
        Assert.True(gone < TimeSpan.FromSeconds(system.PresenceExpiry + 2), $"gone after {gone}");
        Assert.Equal([Viewer], await RestPresence(system.ReplicaB, room));
    }
}
