using System.Net;
using System.Net.Http.Json;
using Andon.Testing;
using Microsoft.Data.Sqlite;
using static Andon.Testing.StandaloneSystem;

namespace Andon.Rooms.Tests;

/// <summary>What an admin does beyond their own role is written to the audit table; what members do within theirs is not.</summary>
[Collection(StandaloneRoomsMode.Name)]
public sealed class AdminAuditTests(StandaloneSystem system)
{
    private async Task<long> AuditRows(Guid roomId)
    {
        await using var connection = new SqliteConnection($"Data Source={Path.Combine(system.DataFolder, "rooms.db")};Mode=ReadOnly");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT count(*) FROM admin_audit WHERE upper(RoomId) = upper($room) AND UserId = 'admin@andon.local'";
        command.Parameters.AddWithValue("$room", roomId.ToString());
        return (long)(await command.ExecuteScalarAsync())!;
    }

    [Fact]
    public async Task Admin_actions_outside_their_role_are_audited_and_members_actions_are_not()
    {
        var room = await system.NewRoomAsync();
        using var owner = system.As(Owner);
        Assert.Equal(HttpStatusCode.OK, (await owner.PatchAsJsonAsync(new Uri($"/api/rooms/{room}", UriKind.Relative), new { severity = "low" })).StatusCode);
        Assert.Equal(0, await AuditRows(room));

        using var admin = system.As(Admin);
        Assert.Equal(HttpStatusCode.OK, (await admin.PatchAsJsonAsync(new Uri($"/api/rooms/{room}", UriKind.Relative), new { severity = "critical" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync(new Uri($"/api/rooms/{room}/members", UriKind.Relative))).StatusCode);

        Assert.Equal(2, await AuditRows(room));
    }
}
