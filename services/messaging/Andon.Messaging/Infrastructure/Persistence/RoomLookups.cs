using Andon.BuildingBlocks.Bus;
using Andon.Messaging.Domain;
using Microsoft.EntityFrameworkCore;

namespace Andon.Messaging.Infrastructure.Persistence;

/// <summary>
/// What every call on a room asks first, over REST and at the WebSocket upgrade: the room's copy
/// and the caller's membership. The queries are compiled once: translating a LINQ query on every
/// call (extracting its parameters, finding it in EF's query cache) cost more than SQLite's answer
/// (bench/README.md point 17).
/// </summary>
internal static class RoomLookups
{
    private static readonly Func<MessagingDb, Guid, CancellationToken, Task<RoomCopy?>> Room =
        EF.CompileAsyncQuery((MessagingDb db, Guid roomId, CancellationToken _) =>
            db.Rooms.AsNoTracking().FirstOrDefault(r => r.RoomId == roomId));

    private static readonly Func<MessagingDb, Guid, string, CancellationToken, Task<MemberCopy?>> Member =
        EF.CompileAsyncQuery((MessagingDb db, Guid roomId, string userId, CancellationToken _) =>
            db.Members.AsNoTracking().FirstOrDefault(m => m.RoomId == roomId && m.UserId == userId));

    /// <summary>The room's copy, waiting a moment for that of a room made just now (<see cref="NewRoomCopy"/>).</summary>
    public static Task<RoomCopy?> RoomAsync(MessagingDb db, Guid roomId, TimeProvider clock, CancellationToken cancellationToken) =>
        NewRoomCopy.FindAsync(roomId, ct => Room(db, roomId, ct), clock, cancellationToken);

    /// <summary>The user's membership of the room, or null.</summary>
    public static Task<MemberCopy?> MemberAsync(MessagingDb db, Guid roomId, string userId, CancellationToken cancellationToken) =>
        Member(db, roomId, userId, cancellationToken);
}
