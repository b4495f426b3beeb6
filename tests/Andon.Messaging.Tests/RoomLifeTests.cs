using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text.Json;
using Andon.Testing;
using static Andon.Testing.StandaloneSystem;

namespace Andon.Messaging.Tests;

/// <summary>Edits, deletes, reactions, typing, room events as system frames, removal and deletion, history over REST.</summary>
[Collection(StandaloneMessagingMode.Name)]
public sealed class RoomLifeTests(StandaloneSystem system)
{
    private static string Type(JsonElement f) => f.GetProperty("type").GetString()!;

    private static Uri At(string path) => new(path, UriKind.Relative);

    private static async Task<JsonElement> Send(WsClient client, string clientId, string content)
    {
        await client.SendMessageAsync(clientId, content);
        return await client.NextAsync(f => Type(f) == "ack" && f.GetProperty("client_id").GetString() == clientId);
    }

    [Fact]
    public async Task A_room_takes_posts_sockets_and_files_the_moment_its_create_answers()
    {
        // Messaging and files learn of a room from RoomCreated, after the create has answered; a
        // machine that opens a room and posts its readings at once must not be told the room is unknown.
        using var owner = system.As(Owner);
        var refused = new List<string>();
        for (var i = 0; i < 8; i++)
        {
            var posted = await owner.PostAsJsonAsync(At($"/api/rooms/{await NewRoom(owner)}/messages"), new { client_id = $"now-{i}", message_type = "incident_data", content = new { temperature = 85 + i } });
            if (posted.StatusCode != HttpStatusCode.Created)
            {
                refused.Add($"post {i}: {(int)posted.StatusCode}");
            }

            var room = await NewRoom(owner);
            try
            {
                await using var socket = await system.Connect(room, Owner);
                Assert.Equal(Owner, (await socket.NextOfTypeAsync("hello")).GetProperty("user_id").GetString());
            }
            catch (WsRefusedException e)
            {
                refused.Add($"socket {i}: {(int)e.Status}");
            }

            using var form = new MultipartFormDataContent();
            var png = new ByteArrayContent(Convert.FromBase64String("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="));
            png.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("image/png");
            form.Add(png, "file", "現場.png");
            var uploaded = await owner.PostAsync(At($"/api/rooms/{await NewRoom(owner)}/files"), form);
            if (uploaded.StatusCode != HttpStatusCode.Created)
            {
                refused.Add($"upload {i}: {(int)uploaded.StatusCode}");
            }
        }

        Assert.Empty(refused);

        // An id no room ever had is still refused, and a room made long ago is not waited for.
        Assert.Equal(HttpStatusCode.NotFound, (await owner.PostAsJsonAsync(At($"/api/rooms/{Guid.NewGuid()}/messages"), new { client_id = "x", message_type = "text", content = "?" })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await owner.GetAsync(At($"/api/rooms/{Guid.CreateVersion7(DateTimeOffset.UtcNow.AddHours(-1))}/files"))).StatusCode);
    }

    private static async Task<Guid> NewRoom(HttpClient owner)
    {
        var created = await owner.PostAsJsonAsync(At("/api/rooms"), new { title = "沖壓機異常停機", incident_type = "equipment_failure", severity = "critical" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        return (await StandaloneSystem.Json(created)).GetProperty("room_id").GetGuid();
    }

    [Fact]
    public async Task Edits_deletes_and_reactions_take_sequence_numbers_and_follow_the_rules()
    {
        var room = await system.ReadyRoomAsync();
        await using var owner = await system.Connect(room, Owner);
        await using var editor = await system.Connect(room, Editor);
        var ack = await Send(owner, "m-1", "溫度 85°C");
        var messageId = ack.GetProperty("message_id").GetGuid();
        var seq = ack.GetProperty("sequence_number").GetInt64();

        await owner.SendJsonAsync(new { type = "edit_message", message_id = messageId, content = "溫度穩定在 75°C" });
        var edited = await editor.NextOfTypeAsync("message_edited");
        Assert.Equal("溫度穩定在 75°C", edited.GetProperty("content").GetString());
        Assert.Equal(seq + 1, edited.GetProperty("seq").GetInt64());

        await editor.SendJsonAsync(new { type = "edit_message", message_id = messageId, content = "not mine" });
        Assert.Equal("insufficient_permissions", (await editor.NextOfTypeAsync("error")).GetProperty("code").GetString());
        await editor.SendJsonAsync(new { type = "delete_message", message_id = messageId });
        Assert.Equal("insufficient_permissions", (await editor.NextOfTypeAsync("error")).GetProperty("code").GetString());

        await editor.SendJsonAsync(new { type = "add_reaction", message_id = messageId, emoji = "👍" });
        await editor.SendJsonAsync(new { type = "add_reaction", message_id = messageId, emoji = "👍" });
        await owner.SendJsonAsync(new { type = "add_reaction", message_id = messageId, emoji = "👍" });
        // The two senders' reactions may reach the room's writer in either order: one each, numbered
        // next, the later one counting both (the editor's repeat adds nothing).
        var first = await owner.NextAsync(f => Type(f) == "reaction_added");
        var second = await owner.NextAsync(f => Type(f) == "reaction_added");
        Assert.Equal([Editor, Owner], new[] { first, second }.Select(f => f.GetProperty("user_id").GetString()).Order());
        Assert.Equal(seq + 2, first.GetProperty("seq").GetInt64());
        Assert.Equal(seq + 3, second.GetProperty("seq").GetInt64());
        Assert.Equal(2, second.GetProperty("reactions").GetProperty("👍").GetProperty("count").GetInt32());

        await owner.SendJsonAsync(new { type = "delete_message", message_id = messageId });
        var deleted = await editor.NextOfTypeAsync("message_deleted");
        Assert.Equal(seq + 4, deleted.GetProperty("seq").GetInt64());

        using var client = system.As(Owner);
        var history = await StandaloneSystem.Json(await client.GetAsync(At($"/api/rooms/{room}/messages")));
        var stored = history.GetProperty("messages").EnumerateArray().Single(m => m.GetProperty("message_id").GetGuid() == messageId);
        Assert.Equal(JsonValueKind.Null, stored.GetProperty("content").ValueKind);
        Assert.NotEqual(JsonValueKind.Null, stored.GetProperty("deleted_at").ValueKind);
        Assert.NotEqual(JsonValueKind.Null, stored.GetProperty("edited_at").ValueKind);
        var edits = await StandaloneSystem.Json(await client.GetAsync(At($"/api/rooms/{room}/messages/{messageId}/edits")));
        Assert.Equal("溫度 85°C", Assert.Single(edits.EnumerateArray()).GetProperty("previous_content").GetString());
    }

    [Fact]
    public async Task Typing_reaches_the_others_and_clears_itself_after_three_seconds()
    {
        var room = await system.ReadyRoomAsync();
        await using var owner = await system.Connect(room, Owner);
        await using var viewer = await system.Connect(room, Viewer);

        await owner.SendJsonAsync(new { type = "typing", is_typing = true });

        var typing = await viewer.NextOfTypeAsync("typing");
        Assert.Equal(Owner, typing.GetProperty("user_id").GetString());
        Assert.True(typing.GetProperty("is_typing").GetBoolean());
        var started = DateTime.UtcNow;
        var cleared = await viewer.NextOfTypeAsync("typing", TimeSpan.FromSeconds(6));
        Assert.False(cleared.GetProperty("is_typing").GetBoolean());
        Assert.InRange(DateTime.UtcNow - started, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(5));
        Assert.DoesNotContain(owner.Received, f => Type(f) == "typing");
    }

    [Fact]
    public async Task Room_changes_arrive_as_system_frames_in_sequence_and_a_resolved_room_refuses_sends()
    {
        var room = await system.ReadyRoomAsync();
        await using var editor = await system.Connect(room, Editor);
        var ack = await Send(editor, "s-1", "before resolving");
        using var owner = system.As(Owner);

        Assert.Equal(HttpStatusCode.OK, (await owner.PostAsJsonAsync(At($"/api/rooms/{room}/status"), new { status = "resolved", resolution_notes = "已修復" })).StatusCode);

        var system1 = await editor.NextAsync(f => Type(f) == "system" && f.GetProperty("event").GetString() == "room_status_changed");
        Assert.Equal(ack.GetProperty("sequence_number").GetInt64() + 1, system1.GetProperty("seq").GetInt64());
        Assert.Equal("resolved", system1.GetProperty("data").GetProperty("new_status").GetString());
        await editor.SendMessageAsync("s-2", "after resolving");
        Assert.Equal("room_closed", (await editor.NextOfTypeAsync("error")).GetProperty("code").GetString());

        // A resend of a message stored before the room closed still gets that message's ack.
        var resent = await Send(editor, "s-1", "before resolving");
        Assert.Equal(ack.GetProperty("message_id").GetGuid(), resent.GetProperty("message_id").GetGuid());
        Assert.Equal(ack.GetProperty("sequence_number").GetInt64(), resent.GetProperty("sequence_number").GetInt64());
    }

    [Fact]
    public async Task A_role_changed_after_a_member_has_posted_holds_for_their_next_post()
    {
        // Standalone's room writer keeps the memberships it has read; over REST its check is the only
        // one that knows the role: a refusal stays a refusal, and a change reaches the very next post
        // whichever way it goes.
        var room = await system.ReadyRoomAsync();
        await using var watcher = await system.Connect(room, Owner);
        using var owner = system.As(Owner);
        using var editor = system.As(Editor);
        using var viewer = system.As(Viewer);
        async Task<HttpStatusCode> Post(string clientId, HttpClient? client = null) =>
            (await (client ?? editor).PostAsJsonAsync(At($"/api/rooms/{room}/messages"), new { client_id = clientId, message_type = "text", content = clientId })).StatusCode;
        async Task Change(string role)
        {
            Assert.Equal(HttpStatusCode.OK, (await owner.PatchAsJsonAsync(At($"/api/rooms/{room}/members/{Editor}"), new { role })).StatusCode);
            await watcher.NextAsync(f => Type(f) == "system" && f.GetProperty("event").GetString() == "role_changed"
                && f.GetProperty("data").GetProperty("new_role").GetString() == role);
        }

        Assert.Equal(HttpStatusCode.Forbidden, await Post("v-1", viewer));
        Assert.Equal(HttpStatusCode.Forbidden, await Post("v-2", viewer));
        Assert.Equal(HttpStatusCode.Created, await Post("r-1"));
        Assert.Equal(HttpStatusCode.Created, await Post("r-2"));
        await Change("viewer");
        Assert.Equal(HttpStatusCode.Forbidden, await Post("r-3"));
        await Change("editor");
        Assert.Equal(HttpStatusCode.Created, await Post("r-4"));
    }

    [Fact]
    public async Task A_removed_member_is_closed_with_4403_and_a_deleted_room_with_4404()
    {
        var room = await system.ReadyRoomAsync();
        await using var viewer = await system.Connect(room, Viewer);
        await using var editor = await system.Connect(room, Editor);
        using var owner = system.As(Owner);

        Assert.Equal(HttpStatusCode.NoContent, (await owner.DeleteAsync(At($"/api/rooms/{room}/members/{Viewer}"))).StatusCode);

        Assert.Equal((WebSocketCloseStatus)4403, await viewer.ClosedAsync());
        var removed = await editor.NextAsync(f => Type(f) == "system" && f.GetProperty("event").GetString() == "member_removed");
        Assert.Equal(Viewer, removed.GetProperty("user_id").GetString());
        Assert.Equal(HttpStatusCode.Forbidden, (await Assert.ThrowsAsync<WsRefusedException>(() => system.Connect(room, Viewer))).Status);

        using var admin = system.As(Admin);
        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync(At($"/api/rooms/{room}/permanent"))).StatusCode);
        Assert.Equal((WebSocketCloseStatus)4404, await editor.ClosedAsync());
        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync(At($"/api/rooms/{room}/messages"))).StatusCode);
    }

    [Fact]
    public async Task History_pages_by_keyset_newest_first_and_catch_up_is_oldest_first()
    {
        var room = await system.ReadyRoomAsync();
        using var owner = system.As(Owner);
        var sent = new List<long>();
        var sentAt = new List<string>();
        for (var i = 0; i < 12; i++)
        {
            var response = await owner.PostAsJsonAsync(At($"/api/rooms/{room}/messages"), new { client_id = $"rest-{i}", message_type = "text", content = $"第 {i} 則" });
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
            var stored = await StandaloneSystem.Json(response);
            sent.Add(stored.GetProperty("sequence_number").GetInt64());
            sentAt.Add(stored.GetProperty("created_at").GetString()!);
            await Task.Delay(110);
        }

        var page1 = await StandaloneSystem.Json(await owner.GetAsync(At($"/api/rooms/{room}/messages?limit=5")));
        var seqs1 = page1.GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("sequence_number").GetInt64()).ToList();
        Assert.Equal(sent.AsEnumerable().Reverse().Take(5), seqs1);
        Assert.True(page1.GetProperty("has_more").GetBoolean());

        var page2 = await StandaloneSystem.Json(await owner.GetAsync(At($"/api/rooms/{room}/messages?limit=5&before_seq={seqs1[^1]}")));
        Assert.Equal(sent.AsEnumerable().Reverse().Skip(5).Take(5), page2.GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("sequence_number").GetInt64()));

        // By time: the messages sent before the seventh, newest first; with before_seq as well, both bounds hold.
        var byTime = await StandaloneSystem.Json(await owner.GetAsync(At($"/api/rooms/{room}/messages?limit=5&before={Uri.EscapeDataString(sentAt[6])}")));
        Assert.Equal(sent.Take(6).Reverse().Take(5), byTime.GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("sequence_number").GetInt64()));
        Assert.True(byTime.GetProperty("has_more").GetBoolean());
        var byBoth = await StandaloneSystem.Json(await owner.GetAsync(At($"/api/rooms/{room}/messages?before={Uri.EscapeDataString(sentAt[6])}&before_seq={sent[3]}")));
        Assert.Equal(sent.Take(3).Reverse(), byBoth.GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("sequence_number").GetInt64()));
        Assert.False(byBoth.GetProperty("has_more").GetBoolean());

        var catchUp = await StandaloneSystem.Json(await owner.GetAsync(At($"/api/rooms/{room}/messages?after_seq={sent[8]}&limit=10")));
        Assert.Equal(sent.Skip(9), catchUp.GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("sequence_number").GetInt64()));
        Assert.False(catchUp.GetProperty("has_more").GetBoolean());

        Assert.Equal(HttpStatusCode.BadRequest, (await owner.GetAsync(At($"/api/rooms/{room}/messages?limit=201"))).StatusCode);
        using var stranger = system.As(NonMember);
        Assert.Equal(HttpStatusCode.Forbidden, (await stranger.GetAsync(At($"/api/rooms/{room}/messages"))).StatusCode);
        using var viewer = system.As(Viewer);
        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.PostAsJsonAsync(At($"/api/rooms/{room}/messages"), new { message_type = "text", content = "x" })).StatusCode);
    }

    [Fact]
    public async Task A_page_carries_each_message_s_own_reactions_and_content_of_either_kind()
    {
        // Two rooms whose messages have the same numbers: a page's reactions are looked up by the
        // room's range of numbers, and the other room's must never show.
        var room = await system.ReadyRoomAsync();
        var other = await system.ReadyRoomAsync();
        await using var owner = await system.Connect(room, Owner);
        await using var elsewhere = await system.Connect(other, Owner);
        using var client = system.As(Owner);
        var ids = new List<Guid>();
        var seqs = new List<long>();
        var others = new List<(Guid Id, long Seq)>();
        for (var i = 1; i <= 4; i++)
        {
            var ack = await Send(owner, $"r-{i}", $"<b>第 {i} 則</b>");
            ids.Add(ack.GetProperty("message_id").GetGuid());
            seqs.Add(ack.GetProperty("sequence_number").GetInt64());
            var otherAck = await Send(elsewhere, $"o-{i}", $"other {i}");
            others.Add((otherAck.GetProperty("message_id").GetGuid(), otherAck.GetProperty("sequence_number").GetInt64()));
        }

        await owner.SendJsonAsync(new { type = "add_reaction", message_id = ids[1], emoji = "👍" });
        await owner.NextOfTypeAsync("reaction_added");
        await owner.SendJsonAsync(new { type = "add_reaction", message_id = ids[3], emoji = "✅" });
        await owner.NextOfTypeAsync("reaction_added");
        var (otherId, otherSeq) = others[2];
        Assert.InRange(otherSeq, seqs[0], seqs[3]);
        await elsewhere.SendJsonAsync(new { type = "add_reaction", message_id = otherId, emoji = "❌" });
        await elsewhere.NextOfTypeAsync("reaction_added");
        var posted = await StandaloneSystem.Json(await client.PostAsJsonAsync(At($"/api/rooms/{room}/messages"), new { client_id = "r-5", message_type = "incident_data", content = new { temperature = 85 } }));

        static List<(Guid Id, string Reactions)> Reactions(JsonElement page) => page.GetProperty("messages").EnumerateArray().Select(m => (
            m.GetProperty("message_id").GetGuid(),
            string.Join(",", m.GetProperty("reactions").EnumerateObject().Select(r => $"{r.Name}{r.Value.GetProperty("count").GetInt32()}")))).ToList();
        var newest = await StandaloneSystem.Json(await client.GetAsync(At($"/api/rooms/{room}/messages?limit=5")));
        Assert.Equal(["", "✅1", "", "👍1", ""], Reactions(newest).Select(m => m.Reactions));
        var catchUp = await StandaloneSystem.Json(await client.GetAsync(At($"/api/rooms/{room}/messages?after_seq={seqs[0]}&limit=2")));
        Assert.Equal([(ids[1], "👍1"), (ids[2], "")], Reactions(catchUp));
        var byTime = await StandaloneSystem.Json(await client.GetAsync(At($"/api/rooms/{room}/messages?before={Uri.EscapeDataString(posted.GetProperty("created_at").GetString()!)}")));
        Assert.Equal([ids[3], ids[2], ids[1], ids[0]], Reactions(byTime).Select(m => m.Id));
        Assert.Equal(["✅1", "", "👍1", ""], Reactions(byTime).Select(m => m.Reactions));

        // A text is a JSON string, HTML and all; incident data is the object that was sent.
        var messages = newest.GetProperty("messages");
        Assert.Equal(85, messages[0].GetProperty("content").GetProperty("temperature").GetInt32());
        Assert.Equal("<b>第 4 則</b>", messages[1].GetProperty("content").GetString());
        Assert.Equal(posted.GetProperty("content").GetRawText(), messages[0].GetProperty("content").GetRawText());
    }
}
