using System.Net;
using System.Text.Json;
using Andon.Contracts;
using Andon.Testing;
using MassTransit;

namespace Andon.Rooms.Tests;

/// <summary>Rooms as its own process behind the gateway, on PostgreSQL and RabbitMQ.</summary>
[Collection(DistributedRoomsMode.Name)]
public sealed class DistributedRoomsTests(DistributedRooms system)
{
    private async Task<BrowserSession> SignIn(string uid)
    {
        var browser = new BrowserSession(system.Gateway.Address);
        Assert.Equal(HttpStatusCode.OK, (await browser.LoginAsync(uid, TestServers.LdapPassword)).StatusCode);
        return browser;
    }

    [Fact]
    public async Task Rooms_behind_the_gateway_create_search_in_chinese_and_publish_their_events()
    {
        using var owner = await SignIn("op.lin");
        var marker = Guid.NewGuid().ToString("N")[..6];

        var created = await owner.SendAsync(HttpMethod.Post, "/api/rooms", new
        {
            title = $"三號線輸送帶停止 {marker}",
            incident_type = "equipment_failure",
            severity = "critical",
            line = "L3",
            lots = new[] { "LOT-" + marker },
        });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var roomId = (await BrowserSession.Json(created)).GetProperty("room_id").GetGuid();

        var found = await BrowserSession.Json(await owner.SendAsync(HttpMethod.Get, "/api/rooms?search=" + Uri.EscapeDataString("輸送帶停止 " + marker)));
        Assert.Equal(roomId, Assert.Single(found.GetProperty("items").EnumerateArray()).GetProperty("room_id").GetGuid());

        Assert.Equal(HttpStatusCode.Created, (await owner.SendAsync(HttpMethod.Post, $"/api/rooms/{roomId}/members", new { user_id = "qa.huang@andon.test", role = "viewer" })).StatusCode);
        using var stranger = await SignIn("mt.wang");
        Assert.Equal(HttpStatusCode.Forbidden, (await stranger.SendAsync(HttpMethod.Patch, $"/api/rooms/{roomId}", new { title = "x" })).StatusCode);

        var roomCreated = await system.WaitFor<RoomCreated>(e => e.RoomId == roomId);
        Assert.Equal($"三號線輸送帶停止 {marker}", roomCreated.Title);
        Assert.Equal("equipment_failure", roomCreated.IncidentType);
        Assert.Equal("critical", roomCreated.Severity);
        Assert.Equal("active", roomCreated.Status);
        Assert.Equal("L3", roomCreated.Line);
        Assert.Equal("op.lin@andon.test", roomCreated.CreatedBy);
        Assert.Equal(new RoomMemberInfo("op.lin@andon.test", "owner"), Assert.Single(roomCreated.Members));
        Assert.NotEqual(Guid.Empty, roomCreated.EventId);

        var memberAdded = await system.WaitFor<MemberAdded>(e => e.RoomId == roomId);
        Assert.Equal(("qa.huang@andon.test", "viewer", "op.lin@andon.test"), (memberAdded.UserId, memberAdded.Role, memberAdded.AddedBy));

        Assert.Equal(HttpStatusCode.OK, (await owner.SendAsync(HttpMethod.Post, $"/api/rooms/{roomId}/status", new { status = "resolved", resolution_notes = "皮帶更換", reason_code = "BELT" })).StatusCode);
        var statusChanged = await system.WaitFor<RoomStatusChanged>(e => e.RoomId == roomId);
        Assert.Equal(("active", "resolved", "皮帶更換", "BELT"), (statusChanged.OldStatus, statusChanged.NewStatus, statusChanged.ResolutionNotes, statusChanged.ReasonCode));

        // The member list shows names identity announced (UserSignedIn).
        var members = await BrowserSession.Json(await owner.SendAsync(HttpMethod.Get, $"/api/rooms/{roomId}/members"));
        Assert.Equal("林作業", members.EnumerateArray().Single(m => m.GetProperty("user_id").GetString() == "op.lin@andon.test").GetProperty("display_name").GetString());
    }

    [Fact]
    public async Task Two_identical_alarms_open_one_room_a_redelivery_counts_nothing_and_a_resolved_room_gives_way_to_a_new_one()
    {
        var equipment = "CNV-" + Guid.NewGuid().ToString("N")[..6];
        EquipmentAlarmRaised Alarm() => new(
            Guid.NewGuid(), DateTimeOffset.UtcNow, "plc-line3", "L3", "ST-07", equipment, "E-501", "high",
            "輸送帶馬達過熱", "Motor temperature above limit", JsonSerializer.SerializeToElement(new { temperature = 92.5, unit = "°C" }));

        var first = Alarm();
        await system.Bus.Publish(first);
        var opened = await system.WaitFor<RoomCreated>(e => e.EquipmentId == equipment);
        Assert.Equal(("輸送帶馬達過熱", "equipment_failure", "high", "plc-line3"), (opened.Title, opened.IncidentType, opened.Severity, opened.CreatedBy));
        Assert.Contains(new RoomMemberInfo("mt.wang@andon.test", "owner"), opened.Members);
        var readings = await system.WaitFor<IncidentDataReported>(e => e.RoomId == opened.RoomId);
        Assert.Equal(92.5, readings.Data.GetProperty("temperature").GetDouble());

        var repeat = Alarm();
        await system.Bus.Publish(repeat);
        await system.Bus.Publish(repeat); // delivered twice: counted once
        await system.WaitFor<IncidentDataReported>(e => e.RoomId == opened.RoomId && e.EventId != readings.EventId);

        using var admin = await SignIn("admin.chen");
        async Task<JsonElement[]> RoomsFor() =>
            (await BrowserSession.Json(await admin.SendAsync(HttpMethod.Get, "/api/rooms?search=" + equipment))).GetProperty("items").EnumerateArray().ToArray();
        JsonElement[] rooms = [];
        for (var i = 0; i < 300; i++)
        {
            rooms = await RoomsFor();
            if (rooms.Length == 1 && rooms[0].GetProperty("alarm_repeat_count").GetInt32() == 1)
            {
                break;
            }

            await Task.Delay(100);
        }

        var room = Assert.Single(rooms);
        Assert.Equal(1, room.GetProperty("alarm_repeat_count").GetInt32());
        Assert.Equal("L3", room.GetProperty("line").GetString());
        Assert.Equal("ST-07", room.GetProperty("station").GetString());
        Assert.Equal(2, system.Published.OfType<IncidentDataReported>().Count(e => e.RoomId == opened.RoomId));

        // Owned by the template's default owner; resolving it lets the next alarm open a new room.
        using var maintenance = await SignIn("mt.wang");
        Assert.Equal(HttpStatusCode.OK, (await maintenance.SendAsync(HttpMethod.Post, $"/api/rooms/{opened.RoomId}/status", new { status = "resolved", resolution_notes = "冷卻風扇更換" })).StatusCode);
        await system.Bus.Publish(Alarm());
        var reopened = await system.WaitFor<RoomCreated>(e => e.EquipmentId == equipment && e.RoomId != opened.RoomId);
        Assert.NotEqual(opened.RoomId, reopened.RoomId);
    }
    [Fact]
    public async Task A_burst_of_messages_moves_last_activity_to_the_latest_whatever_the_order_of_arrival()
    {
        using var owner = await SignIn("op.lin");
        var created = await owner.SendAsync(HttpMethod.Post, "/api/rooms", new { title = "二號線貼標機卡紙", incident_type = "equipment_failure", severity = "high" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var roomId = (await BrowserSession.Json(created)).GetProperty("room_id").GetGuid();

        // 300 messages (more than one batch) a second apart, published out of order, the latest one
        // twice, one for a room rooms never heard of in the middle, and the oldest one last.
        var start = DateTimeOffset.UtcNow.AddHours(1);
        start = new DateTimeOffset(start.Ticks - (start.Ticks % TimeSpan.TicksPerSecond), TimeSpan.Zero);
        MessagePosted Posted(Guid room, int second) =>
            new(Guid.NewGuid(), start.AddSeconds(second), room, Guid.NewGuid(), second + 1, "op.lin@andon.test", "text");
        var order = Enumerable.Range(1, 299).OrderBy(i => (i * 7919) % 299).ToList();
        var latest = Posted(roomId, 299);
        foreach (var second in order)
        {
            await system.Bus.Publish(second == 150 ? Posted(Guid.NewGuid(), 10_000) : Posted(roomId, second));
            if (second == 299)
            {
                await system.Bus.Publish(latest with { EventId = Guid.NewGuid() });
            }
        }

        await system.Bus.Publish(Posted(roomId, 0));

        async Task<DateTimeOffset> LastActivity() =>
            (await BrowserSession.Json(await owner.SendAsync(HttpMethod.Get, $"/api/rooms/{roomId}"))).GetProperty("last_activity_at").GetDateTimeOffset();
        var seen = await LastActivity();
        for (var i = 0; i < 300 && seen != latest.OccurredAt; i++)
        {
            await Task.Delay(100);
            seen = await LastActivity();
        }

        Assert.Equal(latest.OccurredAt, seen);
        await Task.Delay(1000); // the oldest, published last, is consumed by now; it must not move the time back
        Assert.Equal(latest.OccurredAt, await LastActivity());
    }
}
