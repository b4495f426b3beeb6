using System.Security.Claims;
using Andon.BuildingBlocks.Auth;
using Andon.BuildingBlocks.Bus;
using Andon.BuildingBlocks.Errors;
using Andon.Files.Domain;
using Andon.Files.Infrastructure.Persistence;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;

namespace Andon.Files.Infrastructure.Access;

/// <summary>What a caller may do with a room's files, from the local copy of rooms and members (no call to rooms).</summary>
public sealed record RoomAccess(RoomCopy Room, string UserId, string? Role, bool IsAdmin)
{
    /// <summary>Owners and editors upload; viewers only read (admins pass every check).</summary>
    public bool CanUpload => IsAdmin || Role is "owner" or "editor";

    public bool CanDelete(StoredFile file) => IsAdmin || Role == "owner" || (Role is not null && file.UploadedBy == UserId);

    /// <summary>The caller's access to a room: 404 for an unknown room (a room made a moment ago is waited for), 403 for a non-member.</summary>
    public static async Task<(RoomAccess? Access, IResult? Refusal)> ForRoomAsync(FilesDb db, Guid roomId, ClaimsPrincipal user, TimeProvider clock, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        var room = await NewRoomCopy.FindAsync(roomId, ct => db.Rooms.AsNoTracking().FirstOrDefaultAsync(r => r.RoomId == roomId, ct), clock, cancellationToken);
        return await ForAsync(db, room, user, cancellationToken);
    }

    /// <summary>A file (not deleted) and the caller's access to its room: 404 for an unknown or deleted file, 403 for a non-member.</summary>
    public static async Task<(StoredFile? File, RoomAccess? Access, IResult? Refusal)> ForFileAsync(FilesDb db, Guid fileId, ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        var file = await db.Files.FirstOrDefaultAsync(f => f.FileId == fileId && f.DeletedAt == null, cancellationToken);
        if (file is null)
        {
            return (null, null, ApiProblem.Create(StatusCodes.Status404NotFound, ApiProblem.NotFound, "File not found."));
        }

        var room = await db.Rooms.AsNoTracking().FirstOrDefaultAsync(r => r.RoomId == file.RoomId, cancellationToken);
        var (access, refusal) = await ForAsync(db, room, user, cancellationToken);
        return (file, access, refusal);
    }

    private static async Task<(RoomAccess? Access, IResult? Refusal)> ForAsync(FilesDb db, RoomCopy? room, ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(user);
        if (room is null)
        {
            return (null, ApiProblem.Create(StatusCodes.Status404NotFound, ApiProblem.NotFound, "Room not found."));
        }

        var userId = user.UserId();
        var role = await db.Members.Where(m => m.RoomId == room.RoomId && m.UserId == userId).Select(m => m.Role).FirstOrDefaultAsync(cancellationToken);
        var access = new RoomAccess(room, userId, role, user.IsAdmin());
        return role is null && !access.IsAdmin
            ? (null, ApiProblem.Create(StatusCodes.Status403Forbidden, ApiProblem.Forbidden, "You are not a member of this room."))
            : (access, null);
    }
}
