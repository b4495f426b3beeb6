using Andon.Rooms.Domain;
using Andon.Rooms.Infrastructure.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Andon.Rooms.Features.Rooms;

/// <summary>The contract's <c>room</c>, as seen by one caller.</summary>
public sealed record RoomResponse(
    Guid RoomId,
    string Title,
    string IncidentType,
    string Severity,
    string Status,
    string? Location,
    string? Line,
    string? Station,
    string? EquipmentId,
    string? Description,
    string? ResolutionNotes,
    string? ReasonCode,
    IReadOnlyList<string> Lots,
    string CreatedBy,
    DateTimeOffset CreatedAt,
    DateTimeOffset? ResolvedAt,
    DateTimeOffset? ArchivedAt,
    DateTimeOffset LastActivityAt,
    int MemberCount,
    string? CurrentUserRole,
    bool IsMember,
    string? AlarmCode,
    int AlarmRepeatCount)
{
    public static RoomResponse From(Room r, int memberCount, RoomRole? role) => new(
        r.RoomId, r.Title, WireNames.Of(r.IncidentType), WireNames.Of(r.Severity), WireNames.Of(r.Status),
        r.Location, r.Line, r.Station, r.EquipmentId, r.Description, r.ResolutionNotes, r.ReasonCode, r.Lots,
        r.CreatedBy, r.CreatedAt, r.ResolvedAt, r.ArchivedAt, r.LastActivityAt, memberCount,
        role is null ? null : WireNames.Of(role.Value), role is not null, r.AlarmCode, r.AlarmRepeatCount);

    /// <summary>The room as <paramref name="userId"/> sees it, counted from the database.</summary>
    public static async Task<RoomResponse> LoadAsync(RoomsDb db, Room room, string userId, CancellationToken cancellationToken)
    {
        var members = await db.Members.Where(m => m.RoomId == room.RoomId).Select(m => new { m.UserId, m.Role }).ToListAsync(cancellationToken);
        var mine = members.FirstOrDefault(m => m.UserId == userId);
        return From(room, members.Count, mine?.Role);
    }
}
