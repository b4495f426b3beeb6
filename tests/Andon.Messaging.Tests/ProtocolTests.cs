using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Andon.Testing;
using static Andon.Testing.StandaloneSystem;

namespace Andon.Messaging.Tests;

/// <summary>The WebSocket protocol of CONTRACT.md with real clients, in standalone.</summary>
[Collection(StandaloneMessagingMode.Name)]
public sealed class ProtocolTests(StandaloneSystem system)
{
    private static string Type(JsonElement f) => f.GetProperty("type").GetString()!;

    [Fact]
    public async Task Upgrades_are_refused_before_the_upgrade_for_anonymous_non_members_and_unknown_rooms()
    {
        var room = await system.ReadyRoomAsync();

        Assert.Equal(HttpStatusCode.Unauthorized, (await Assert.ThrowsAsync<WsRefusedException>(() => WsClient.ConnectAsync(system.Host.Address, room))).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await Assert.ThrowsAsync<WsRefusedException>(() => system.Connect(room, NonMember))).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await Assert.ThrowsAsync<WsRefusedException>(() => system.Connect(Guid.NewGuid(), Owner))).Status);
    }

    [Fact]
    public async Task Hello_then_messages_are_acked_after_commit_and_broadcast_to_every_member()
    {
        var room = await system.ReadyRoomAsync();
        await using var owner = await system.Connect(room, Owner);
        var hello = await owner.NextOfTypeAsync("hello");
        Assert.Equal(room, hello.GetProperty("room_id").GetGuid());
        Assert.Equal(Owner, hello.GetProperty("user_id").GetString());
        Assert.Equal("owner", hello.GetProperty("role").GetString());
        await using var viewer = await system.Connect(room, Viewer);
        Assert.Equal("viewer", (await viewer.NextOfTypeAsync("hello")).GetProperty("role").GetString());
        var presence = await owner.NextAsync(f => Type(f) == "presence" && f.GetProperty("online").GetArrayLength() == 2);
        Assert.Equal([Owner, Viewer], presence.GetProperty("online").EnumerateArray().Select(e => e.GetString()).Order());

        await owner.SendJsonAsync(new { type = "message", client_id = "c-1", message_type = "text", content = "設備溫度上升到 85°C <b>注意</b>", mentions = new[] { Editor } });

        var broadcast = (await owner.NextOfTypeAsync("message")).GetProperty("message");
        var ack = await owner.NextOfTypeAsync("ack");
        Assert.Equal("c-1", ack.GetProperty("client_id").GetString());
        Assert.Equal(broadcast.GetProperty("message_id").GetGuid(), ack.GetProperty("message_id").GetGuid());
        Assert.Equal(broadcast.GetProperty("sequence_number").GetInt64(), ack.GetProperty("sequence_number").GetInt64());
        // The broadcast names the sender's client_id, so the sender's app can drop its pending copy before the ack.
        Assert.Equal("c-1", broadcast.GetProperty("client_id").GetString());
        var seen = (await viewer.NextOfTypeAsync("message")).GetProperty("message");
        Assert.Equal("設備溫度上升到 85°C <b>注意</b>", seen.GetProperty("content").GetString());
        Assert.Equal(Owner, seen.GetProperty("sender_id").GetString());
        Assert.Equal("林小明", seen.GetProperty("sender_name").GetString());
        Assert.Equal([Editor], seen.GetProperty("mentions").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public async Task Concurrent_senders_are_seen_by_every_member_in_one_identical_strictly_increasing_order()
    {
        var room = await system.ReadyRoomAsync();
        await using var owner = await system.Connect(room, Owner);
        await using var editor = await system.Connect(room, Editor);
        await using var viewer = await system.Connect(room, Viewer);

        // 100 messages, 50 from each sender, paced under the 10-a-second limit and sent at once by both.
        async Task Send(WsClient client, string who)
        {
            for (var i = 0; i < 50; i++)
            {
                await client.SendMessageAsync($"{who}-{i}", $"{who} {i}");
                await Task.Delay(105);
            }
        }

        await Task.WhenAll(Send(owner, "owner"), Send(editor, "editor"));

        async Task<List<(long Seq, string Content)>> Messages(WsClient client)
        {
            var list = new List<(long, string)>();
            while (list.Count < 100)
            {
                var m = (await client.NextOfTypeAsync("message", TimeSpan.FromSeconds(20))).GetProperty("message");
                list.Add((m.GetProperty("sequence_number").GetInt64(), m.GetProperty("content").GetString()!));
            }

            return list;
        }

        var orders = await Task.WhenAll(Messages(owner), Messages(editor), Messages(viewer));
        Assert.Equal(orders[0], orders[1]);
        Assert.Equal(orders[0], orders[2]);
        Assert.Equal(orders[0].Select(m => m.Seq).Order(), orders[0].Select(m => m.Seq));
        Assert.Equal(100, orders[0].Select(m => m.Seq).Distinct().Count());
        Assert.Equal(100, orders[0][^1].Seq - orders[0][0].Seq + 1); // no gap
        Assert.Equal(50, orders[0].Count(m => m.Content.StartsWith("owner ", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task A_resume_after_a_drop_replays_exactly_the_missed_events()
    {
        var room = await system.ReadyRoomAsync();
        await using var owner = await system.Connect(room, Owner);
        var viewer = await system.Connect(room, Viewer);
        await owner.SendMessageAsync("before", "before the drop");
        await owner.NextAsync(f => Type(f) == "ack" && f.GetProperty("client_id").GetString() == "before");
        var last = (await viewer.NextOfTypeAsync("message")).GetProperty("message").GetProperty("sequence_number").GetInt64();
        viewer.Drop();
        await viewer.DisposeAsync();

        for (var i = 0; i < 5; i++)
        {
            await owner.SendMessageAsync($"missed-{i}", $"missed {i}");
            await owner.NextAsync(f => Type(f) == "ack" && f.GetProperty("client_id").GetString() == $"missed-{i}");
        }

        await using var resumed = await system.Connect(room, Viewer, lastSeq: last);
        var hello = await resumed.NextOfTypeAsync("hello");
        Assert.Equal(last + 5, hello.GetProperty("last_seq").GetInt64());
        var replayed = new List<JsonElement>();
        for (var i = 0; i < 5; i++)
        {
            replayed.Add((await resumed.NextOfTypeAsync("message")).GetProperty("message"));
        }

        Assert.Equal(Enumerable.Range(1, 5).Select(i => last + i), replayed.Select(m => m.GetProperty("sequence_number").GetInt64()));
        Assert.Equal(Enumerable.Range(0, 5).Select(i => $"missed {i}"), replayed.Select(m => m.GetProperty("content").GetString()));

        // Nothing is replayed twice: the next frame is the next live message.
        await owner.SendMessageAsync("after", "after the resume");
        Assert.Equal(last + 6, (await resumed.NextOfTypeAsync("message")).GetProperty("message").GetProperty("sequence_number").GetInt64());

        await using var tooFar = await system.Connect(room, Viewer, lastSeq: last + 1000);
        await tooFar.NextOfTypeAsync("hello");
        await tooFar.NextOfTypeAsync("resync_required");
    }

    [Fact]
    public async Task A_viewer_cannot_send_but_still_receives()
    {
        var room = await system.ReadyRoomAsync();
        await using var viewer = await system.Connect(room, Viewer);
        await using var editor = await system.Connect(room, Editor);

        await viewer.SendMessageAsync("v-1", "viewer speaking");
        var refused = await viewer.NextOfTypeAsync("error");
        Assert.Equal("insufficient_permissions", refused.GetProperty("code").GetString());
        Assert.Equal("Insufficient permissions", refused.GetProperty("message").GetString());
        Assert.Equal("v-1", refused.GetProperty("client_id").GetString());

        await editor.SendMessageAsync("e-1", "editor speaking");
        Assert.Equal("editor speaking", (await viewer.NextOfTypeAsync("message")).GetProperty("message").GetProperty("content").GetString());
    }

    [Fact]
    public async Task A_retried_client_id_returns_the_same_ack_and_stores_once()
    {
        var room = await system.ReadyRoomAsync();
        await using var owner = await system.Connect(room, Owner);

        await owner.SendMessageAsync("retry-me", "only once");
        var first = await owner.NextOfTypeAsync("ack");
        await owner.SendMessageAsync("retry-me", "only once");
        var second = await owner.NextOfTypeAsync("ack");

        Assert.Equal(first.GetProperty("message_id").GetGuid(), second.GetProperty("message_id").GetGuid());
        Assert.Equal(first.GetProperty("sequence_number").GetInt64(), second.GetProperty("sequence_number").GetInt64());
        using var client = system.As(Owner);
        var history = await StandaloneSystem.Json(await client.GetAsync(new Uri($"/api/rooms/{room}/messages", UriKind.Relative)));
        Assert.Single(history.GetProperty("messages").EnumerateArray());
    }

    [Fact]
    public async Task Bad_frames_get_error_frames_and_the_connection_stays_open()
    {
        var room = await system.ReadyRoomAsync();
        await using var owner = await system.Connect(room, Owner);

        async Task Expect(string code, Func<Task> send)
        {
            await send();
            Assert.Equal(code, (await owner.NextOfTypeAsync("error")).GetProperty("code").GetString());
        }

        await Expect("invalid_frame", () => owner.SendRawAsync("{not json"u8.ToArray()));
        await Expect("invalid_frame", () => owner.SendRawAsync([0xC3, 0x28, 0x7B, 0x7D], WebSocketMessageType.Binary));
        await Expect("invalid_frame", () => owner.SendRawAsync("{}"u8.ToArray(), WebSocketMessageType.Binary));
        await Expect("invalid_frame", () => owner.SendJsonAsync(new { type = "shout" }));
        await Expect("invalid_frame", () => owner.SendJsonAsync(new[] { 1, 2 }));
        await Expect("invalid_frame", () => owner.SendJsonAsync(new { type = "message", client_id = 5, message_type = "text", content = "x" }));
        await Expect("invalid_frame", () => owner.SendJsonAsync(new { type = "message", client_id = "x", message_type = "text", content = 42 }));
        await Expect("invalid_frame", () => owner.SendJsonAsync(new { type = "message", client_id = "x", message_type = "poem", content = "x" }));
        await Expect("invalid_frame", () => owner.SendJsonAsync(new { type = "typing", is_typing = "yes" }));
        await Expect("invalid_frame", () => owner.SendRawAsync(Encoding.UTF8.GetBytes(new string('[', 200) + new string(']', 200))));
        await Expect("too_large", () => owner.SendMessageAsync("big-text", new string('字', 3500)));
        await Expect("too_large", () => owner.SendJsonAsync(new { type = "message", client_id = "big-data", message_type = "incident_data", content = new { blob = new string('x', 102_400) } }));
        await Expect("too_large", () => owner.SendRawAsync(new byte[200_000].Select(_ => (byte)'x').ToArray()));
        await Expect("not_found", () => owner.SendJsonAsync(new { type = "edit_message", message_id = Guid.NewGuid(), content = "x" }));

        await owner.SendMessageAsync("still-open", "still here");
        Assert.Equal("still-open", (await owner.NextOfTypeAsync("ack")).GetProperty("client_id").GetString());
        Assert.Equal(WebSocketState.Open, owner.State);

        // A frame several times the server's 16 KB receive buffer arrives whole, multi-byte characters included.
        var readings = string.Concat(Enumerable.Range(0, 4000).Select(i => $"溫度{i:D5};"));
        await owner.SendJsonAsync(new { type = "message", client_id = "long-readings", message_type = "incident_data", content = new { log = readings } });
        string? stored = null;
        var acked = false;
        while (stored is null || !acked)
        {
            var frame = await owner.NextAsync(f => f.GetProperty("type").GetString() is "message" or "ack" or "error");
            Assert.NotEqual("error", frame.GetProperty("type").GetString());
            acked |= frame.GetProperty("type").GetString() == "ack" && frame.GetProperty("client_id").GetString() == "long-readings";
            if (frame.GetProperty("type").GetString() == "message" && frame.GetProperty("message").GetProperty("message_type").GetString() == "incident_data")
            {
                stored = frame.GetProperty("message").GetProperty("content").GetProperty("log").GetString();
            }
        }

        Assert.Equal(readings, stored);
    }

    [Fact]
    public async Task A_text_frame_that_is_not_UTF8_closes_that_socket_with_1007_as_RFC_6455_requires()
    {
        var room = await system.ReadyRoomAsync();
        await using var other = await system.Connect(room, Owner);
        await using var broken = await system.Connect(room, Owner);

        await broken.SendRawAsync([0xC3, 0x28, 0x7B, 0x7D]);

        // The close frame (1007) may be overtaken by the TCP reset that follows it; either way the socket is gone.
        var status = await broken.ClosedAsync();
        Assert.True(status is null or WebSocketCloseStatus.InvalidPayloadData, $"closed with {status}");
        Assert.NotEqual(WebSocketState.Open, broken.State);
        await other.SendMessageAsync("unaffected", "the room goes on");
        Assert.Equal("unaffected", (await other.NextOfTypeAsync("ack")).GetProperty("client_id").GetString());
    }

    [Fact]
    public async Task More_than_a_burst_of_twenty_at_once_is_rate_limited()
    {
        var room = await system.ReadyRoomAsync();
        await using var owner = await system.Connect(room, Owner);

        for (var i = 0; i < 30; i++)
        {
            await owner.SendMessageAsync($"flood-{i}", $"flood {i}");
        }

        var limited = await owner.NextAsync(f => Type(f) == "error" && f.GetProperty("code").GetString() == "rate_limited");
        Assert.StartsWith("flood-", limited.GetProperty("client_id").GetString(), StringComparison.Ordinal);

        // The limit is per user: let the bucket refill for the next test that sends as the owner.
        await Task.Delay(TimeSpan.FromSeconds(2.5));
    }

    [Fact]
    public async Task Incident_data_is_stored_and_shown_as_readings()
    {
        var room = await system.ReadyRoomAsync();
        await using var owner = await system.Connect(room, Owner);

        await owner.SendJsonAsync(new { type = "message", client_id = "r-1", message_type = "incident_data", content = new { temperature = 85, pressure = 120 } });

        var message = (await owner.NextOfTypeAsync("message")).GetProperty("message");
        Assert.Equal("incident_data", message.GetProperty("message_type").GetString());
        Assert.Equal(85, message.GetProperty("content").GetProperty("temperature").GetInt32());
    }
}
