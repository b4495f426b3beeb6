using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Andon.Testing;
using static Andon.Testing.StandaloneSystem;

namespace Andon.Rooms.Tests;

/// <summary>Lifecycle, list, templates and ownership, in standalone.</summary>
[Collection(StandaloneRoomsMode.Name)]
public sealed class RoomBehaviourTests(StandaloneSystem system)
{
    private static Uri At(string path) => new(path, UriKind.Relative);

    private async Task<HttpResponseMessage> Move(string user, Guid roomId, string status, string? notes = null)
    {
        using var client = system.As(user);
        return await client.PostAsJsonAsync(At($"/api/rooms/{roomId}/status"), new { status, resolution_notes = notes });
    }

    [Fact]
    public async Task The_lifecycle_goes_active_resolved_archived_one_way_without_skipping()
    {
        var skipping = await system.NewRoomAsync();
        Assert.Equal(HttpStatusCode.Conflict, (await Move(Owner, skipping, "archived")).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await Move(Owner, skipping, "active")).StatusCode);

        var room = await system.NewRoomAsync();
        var withoutNotes = await Move(Owner, room, "resolved");
        Assert.Equal(HttpStatusCode.BadRequest, withoutNotes.StatusCode);
        Assert.True((await Json(withoutNotes)).GetProperty("errors").TryGetProperty("resolution_notes", out _));

        var resolved = await Move(Owner, room, "resolved", "更換輸送帶馬達");
        Assert.Equal(HttpStatusCode.OK, resolved.StatusCode);
        var body = await Json(resolved);
        Assert.Equal("resolved", body.GetProperty("status").GetString());
        Assert.Equal("更換輸送帶馬達", body.GetProperty("resolution_notes").GetString());
        Assert.NotEqual(JsonValueKind.Null, body.GetProperty("resolved_at").ValueKind);
        Assert.Equal(HttpStatusCode.Conflict, (await Move(Owner, room, "active")).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await Move(Owner, room, "resolved", "again")).StatusCode);

        Assert.Equal(HttpStatusCode.OK, (await Move(Owner, room, "archived")).StatusCode);

        // Archived rooms are for admins only; nothing moves on from archived.
        using var owner = system.As(Owner);
        Assert.Equal(HttpStatusCode.NotFound, (await owner.GetAsync(At($"/api/rooms/{room}"))).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await Move(Admin, room, "active")).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await Move(Admin, room, "resolved", "x")).StatusCode);
        using var admin = system.As(Admin);
        Assert.Equal("archived", (await Json(await admin.GetAsync(At($"/api/rooms/{room}")))).GetProperty("status").GetString());

        Assert.Equal(HttpStatusCode.BadRequest, (await Move(Owner, skipping, "closed")).StatusCode);
    }

    [Fact]
    public async Task Search_finds_chinese_text_in_title_description_location_equipment_and_lots()
    {
        var marker = Guid.NewGuid().ToString("N")[..6];
        var byTitle = await system.NewRoomAsync(title: $"{marker} 三號線輸送帶停止");
        var byLot = await system.NewRoomAsync(title: $"{marker} 物料", incidentType: "material_shortage", extra: new { lots = new[] { "LOT-" + marker.ToUpperInvariant() } });
        var byEquipment = await system.NewRoomAsync(title: $"{marker} 設備", extra: new { equipment_id = "CNV-" + marker, location = "二廠 包裝區" });

        using var client = system.As(NonMember);
        async Task<Guid[]> Search(string term)
        {
            var page = await Json(await client.GetAsync(At("/api/rooms?limit=100&search=" + Uri.EscapeDataString(term))));
            return page.GetProperty("items").EnumerateArray().Select(r => r.GetProperty("room_id").GetGuid()).ToArray();
        }

        Assert.Contains(byTitle, await Search("輸送帶"));
        Assert.Equal([byLot], await Search("lot-" + marker));
        Assert.Equal([byEquipment], await Search("cnv-" + marker));
        Assert.Contains(byEquipment, await Search("包裝區"));
        Assert.Empty(await Search("%" + marker));
        Assert.Empty(await Search("_" + marker));
    }

    [Fact]
    public async Task Filters_combine_and_pages_come_newest_activity_first_with_totals()
    {
        var marker = Guid.NewGuid().ToString("N")[..6];
        var created = new List<Guid>();
        for (var i = 0; i < 5; i++)
        {
            created.Add(await system.NewRoomAsync(title: $"{marker} 品質 {i}", incidentType: "quality_issue", severity: i % 2 == 0 ? "critical" : "low"));
        }

        await Move(Owner, created[0], "resolved", "done");
        using var client = system.As(Owner);
        async Task<JsonElement> List(string query) => await Json(await client.GetAsync(At($"/api/rooms?search={marker}&{query}")));

        var all = await List("limit=2&offset=0");
        Assert.Equal(5, all.GetProperty("total").GetInt32());
        Assert.Equal(2, all.GetProperty("items").GetArrayLength());
        var ordered = new List<Guid>();
        for (var offset = 0; offset < 5; offset += 2)
        {
            ordered.AddRange((await List($"limit=2&offset={offset}")).GetProperty("items").EnumerateArray().Select(r => r.GetProperty("room_id").GetGuid()));
        }

        // Room 0 was resolved last, so it has the newest activity.
        Assert.Equal(new[] { created[0], created[4], created[3], created[2], created[1] }, ordered);

        var criticalActive = await List("severity=critical&status=active&incident_type=quality_issue");
        Assert.Equal(2, criticalActive.GetProperty("total").GetInt32());
        Assert.All(criticalActive.GetProperty("items").EnumerateArray(), r =>
        {
            Assert.Equal("critical", r.GetProperty("severity").GetString());
            Assert.Equal("owner", r.GetProperty("current_user_role").GetString());
            Assert.True(r.GetProperty("is_member").GetBoolean());
            Assert.Equal(3, r.GetProperty("member_count").GetInt32());
        });

        Assert.Equal(0, (await List("incident_type=equipment_failure")).GetProperty("total").GetInt32());
        using var stranger = system.As(NonMember);
        var mine = await Json(await stranger.GetAsync(At($"/api/rooms?search={marker}&my_rooms=true")));
        Assert.Equal(0, mine.GetProperty("total").GetInt32());

        foreach (var bad in new[] { "limit=0", "limit=101", "offset=-1", "status=closed", "severity=urgent", "incident_type=fire" })
        {
            var response = await client.GetAsync(At("/api/rooms?" + bad));
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Equal("validation_failed", (await Json(response)).GetProperty("code").GetString());
        }
    }

    [Fact]
    public async Task A_room_from_a_template_takes_its_defaults_and_default_members()
    {
        using var owner = system.As(Owner);
        var created = await owner.PostAsJsonAsync(At("/api/rooms"), new { title = "二號機台異音", template = "equipment_failure" });

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var room = await Json(created);
        Assert.Equal("equipment_failure", room.GetProperty("incident_type").GetString());
        Assert.Equal("high", room.GetProperty("severity").GetString());
        var members = await Json(await owner.GetAsync(At($"/api/rooms/{room.GetProperty("room_id").GetGuid()}/members")));
        Assert.Contains(members.EnumerateArray(), m => m.GetProperty("user_id").GetString() == Editor && m.GetProperty("role").GetString() == "editor");
        Assert.Contains(members.EnumerateArray(), m => m.GetProperty("user_id").GetString() == Owner && m.GetProperty("role").GetString() == "owner");

        var unknown = await owner.PostAsJsonAsync(At("/api/rooms"), new { title = "x", template = "no-such-template" });
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
    }

    [Fact]
    public async Task Ownership_passes_to_a_member_and_the_old_owner_becomes_editor()
    {
        var room = await system.NewRoomAsync();
        using var owner = system.As(Owner);

        var toStranger = await owner.PostAsJsonAsync(At($"/api/rooms/{room}/transfer-ownership"), new { new_owner_id = NonMember });
        Assert.Equal(HttpStatusCode.BadRequest, toStranger.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await owner.DeleteAsync(At($"/api/rooms/{room}/members/{Owner}"))).StatusCode);

        var transferred = await owner.PostAsJsonAsync(At($"/api/rooms/{room}/transfer-ownership"), new { new_owner_id = Editor });
        Assert.Equal(HttpStatusCode.OK, transferred.StatusCode);
        Assert.Equal("editor", (await Json(transferred)).GetProperty("current_user_role").GetString());

        var members = await Json(await owner.GetAsync(At($"/api/rooms/{room}/members")));
        Assert.Equal("owner", members.EnumerateArray().Single(m => m.GetProperty("user_id").GetString() == Editor).GetProperty("role").GetString());
        Assert.Equal(HttpStatusCode.NoContent, (await owner.DeleteAsync(At($"/api/rooms/{room}/members/{Owner}"))).StatusCode);
    }

    [Fact]
    public async Task Invalid_fields_are_refused_field_by_field()
    {
        using var owner = system.As(Owner);
        var response = await owner.PostAsJsonAsync(At("/api/rooms"), new
        {
            title = new string('長', 201),
            incident_type = "fire",
            severity = "urgent",
            description = new string('x', 5001),
            lots = new[] { "<script>" },
        });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await Json(response)).GetProperty("errors");
        foreach (var field in new[] { "title", "incident_type", "severity", "description", "lots" })
        {
            Assert.True(errors.TryGetProperty(field, out _), field);
        }

        var room = await system.NewRoomAsync();
        Assert.Equal(HttpStatusCode.NotFound, (await owner.GetAsync(At($"/api/rooms/{Guid.NewGuid()}"))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await owner.GetAsync(At("/api/rooms/not-a-guid"))).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await owner.PostAsJsonAsync(At($"/api/rooms/{room}/members"), new { user_id = Editor, role = "viewer" })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await owner.PostAsJsonAsync(At($"/api/rooms/{room}/members"), new { user_id = "someone@andon.local", role = "owner" })).StatusCode);
    }

    [Fact]
    public async Task A_message_in_the_room_moves_its_last_activity()
    {
        var room = await system.NewRoomAsync();
        using var owner = system.As(Owner);
        var before = (await Json(await owner.GetAsync(At($"/api/rooms/{room}")))).GetProperty("last_activity_at").GetDateTimeOffset();
        HttpResponseMessage? sent = null;
        for (var i = 0; i < 100 && sent?.StatusCode != HttpStatusCode.Created; i++)
        {
            await Task.Delay(50); // until messaging has its copy of the room
            sent = await owner.PostAsJsonAsync(At($"/api/rooms/{room}/messages"), new { client_id = "activity", message_type = "text", content = "現場回報" });
        }

        Assert.Equal(HttpStatusCode.Created, sent!.StatusCode);
        var after = before;
        for (var i = 0; i < 100 && after == before; i++)
        {
            await Task.Delay(50);
            after = (await Json(await owner.GetAsync(At($"/api/rooms/{room}")))).GetProperty("last_activity_at").GetDateTimeOffset();
        }

        Assert.True(after > before, "MessagePosted did not move last_activity_at.");
    }
}
