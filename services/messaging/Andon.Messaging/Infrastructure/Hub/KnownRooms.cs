using Andon.Messaging.Domain;
using Andon.Messaging.Infrastructure.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Andon.Messaging.Infrastructure.Hub;

/// <summary>
/// On SQLite, the rooms and memberships the room writer read in its last transactions, so the next
/// one attaches them instead of reading them again (a transaction's room and member reads were a
/// fifth of what the writer allocated in a hot room, bench/README.md point 21). It can keep them
/// because it is the only writer of messaging's copies: room events are applied as commands of its
/// own transactions (<see cref="ApplyRoomEvent"/>), and a room whose transaction held one is read
/// again by its next. Only the writer's loop touches it; PostgreSQL, where other instances apply
/// the events, never uses it.
/// </summary>
internal sealed class KnownRooms
{
    private readonly Dictionary<Guid, RoomCopy> rooms = [];
    private readonly Dictionary<Guid, Dictionary<string, MemberCopy>> members = [];

    /// <summary>Attaches a copy of the room, if known, to the transaction's context.</summary>
    public bool TryAttach(MessagingDb db, Guid roomId)
    {
        if (!rooms.TryGetValue(roomId, out var room))
        {
            return false;
        }

        db.Rooms.Attach(Copy(room));
        return true;
    }

    /// <summary>Attaches a copy of the membership, if known, to the transaction's context.</summary>
    public bool TryAttach(MessagingDb db, Guid roomId, string userId)
    {
        if (!members.TryGetValue(roomId, out var room) || !room.TryGetValue(userId, out var member))
        {
            return false;
        }

        db.Members.Attach(Copy(member));
        return true;
    }

    /// <summary>
    /// After a commit: keeps the rooms and members the transaction read, as it read them, except in
    /// the <paramref name="changed"/> rooms (a room event may have changed them), which are forgotten.
    /// </summary>
    public void Remember(MessagingDb db, IReadOnlySet<Guid> changed)
    {
        foreach (var roomId in changed)
        {
            Forget(roomId);
        }

        // One pass over the tracked entries (each call of Entries() detects changes over all of them).
        foreach (var entry in db.ChangeTracker.Entries())
        {
            if (entry.State != EntityState.Unchanged)
            {
                continue;
            }

            if (entry.Entity is RoomCopy room && !changed.Contains(room.RoomId))
            {
                rooms[room.RoomId] = Copy(room);
            }
            else if (entry.Entity is MemberCopy member && !changed.Contains(member.RoomId))
            {
                if (!members.TryGetValue(member.RoomId, out var known))
                {
                    members[member.RoomId] = known = [];
                }

                known[member.UserId] = Copy(member);
            }
        }
    }

    // Copies in and out: what a transaction's commands change stays theirs until the commit says it is kept.
    private static RoomCopy Copy(RoomCopy room) => new() { RoomId = room.RoomId, Title = room.Title, Status = room.Status, EquipmentId = room.EquipmentId };

    private static MemberCopy Copy(MemberCopy member) => new() { RoomId = member.RoomId, UserId = member.UserId, Role = member.Role };

    /// <summary>The room and its members are read again by the room's next transaction.</summary>
    public void Forget(Guid roomId)
    {
        rooms.Remove(roomId);
        members.Remove(roomId);
    }
}
