using System.Collections.Concurrent;
using System.Net.WebSockets;
using Andon.Messaging.Infrastructure.Backplane;

namespace Andon.Messaging.Infrastructure.Hub;

/// <summary>
/// The connections of every room on this instance, who is online and who is typing. Broadcasting
/// serialises a frame once and queues the same bytes on each connection. Presence is room-wide: this
/// instance's users together with those the other instances announce on the backplane
/// (<see cref="RemotePresence"/>); this instance announces its own whenever they change and
/// periodically (<see cref="PresenceAnnouncer"/>).
/// </summary>
internal sealed class RoomHub(TimeProvider clock, IBackplane backplane, RemotePresence remote)
{
    private static readonly TimeSpan TypingClearsAfter = TimeSpan.FromSeconds(3);
    private readonly ConcurrentDictionary<Guid, RoomConnections> rooms = new();
    private readonly Lock announcing = new();
    private long presenceVersion;
    private bool stoppedAnnouncing;

    private sealed class RoomConnections
    {
        public List<Connection> Connections { get; } = [];

        public Dictionary<string, ITimer> Typing { get; } = new(StringComparer.Ordinal);

        /// <summary>The online list this instance's connections of the room were last told (null: none yet).</summary>
        public string[]? Told { get; set; }
    }

    /// <summary>Everyone online in the room, on this instance or another, in order.</summary>
    public IReadOnlyList<string> Online(Guid roomId) =>
        LocalOnline(roomId).Concat(remote.Users(roomId)).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();

    /// <summary>The users connected to this instance.</summary>
    public IReadOnlyList<string> LocalOnline(Guid roomId)
    {
        if (!rooms.TryGetValue(roomId, out var room))
        {
            return [];
        }

        lock (room)
        {
            return room.Connections.Select(c => c.UserId).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        }
    }

    /// <summary>Adds the connection; the room hears the new presence if this user was not online yet.</summary>
    public void Join(Connection connection)
    {
        var room = rooms.GetOrAdd(connection.RoomId, _ => new RoomConnections());
        bool arrived;
        lock (room)
        {
            arrived = room.Connections.All(c => c.UserId != connection.UserId);
            room.Connections.Add(connection);
        }

        if (arrived)
        {
            Announce(connection.RoomId);
            TellPresence(connection.RoomId);
        }
    }

    public void Leave(Connection connection)
    {
        if (!rooms.TryGetValue(connection.RoomId, out var room))
        {
            return;
        }

        bool left;
        lock (room)
        {
            left = room.Connections.Remove(connection) && room.Connections.All(c => c.UserId != connection.UserId);
        }

        if (left)
        {
            SetTyping(connection.RoomId, connection.UserId, false);
            Announce(connection.RoomId);
            TellPresence(connection.RoomId);
        }
    }

    /// <summary>Announces every room this instance has users in, numbered after every change announced so far.</summary>
    public void AnnounceAll()
    {
        if (!backplane.Distributed)
        {
            return;
        }

        lock (announcing)
        {
            if (!stoppedAnnouncing)
            {
                var snapshot = rooms.Keys.Select(id => new RoomOnline(id, LocalOnline(id))).Where(r => r.Users.Count > 0).ToList();
                backplane.Presence(new InstancePresence(Guid.Empty, ++presenceVersion, true, snapshot));
            }
        }
    }

    /// <summary>The process is stopping: the last announcement says nobody is here, and no other follows it.</summary>
    public InstancePresence StopAnnouncing()
    {
        lock (announcing)
        {
            stoppedAnnouncing = true;
            return new InstancePresence(Guid.Empty, ++presenceVersion, true, []);
        }
    }

    /// <summary>Another instance's users: this instance's connections hear the rooms whose online list changed.</summary>
    public void ApplyRemotePresence(InstancePresence presence)
    {
        var (changed, newInstance) = remote.Apply(presence);
        if (newInstance)
        {
            // A process that just started (or was cut off) learns who is here without waiting for the next round.
            AnnounceAll();
        }

        foreach (var roomId in changed.Distinct())
        {
            TellPresence(roomId);
        }
    }

    /// <summary>Forgets instances not heard of within <paramref name="expiry"/>; their users leave the rooms.</summary>
    public void ExpireRemotePresence(TimeSpan expiry)
    {
        foreach (var roomId in remote.Expire(expiry))
        {
            TellPresence(roomId);
        }
    }

    private void Announce(Guid roomId)
    {
        if (!backplane.Distributed)
        {
            return;
        }

        lock (announcing)
        {
            if (!stoppedAnnouncing)
            {
                backplane.Presence(new InstancePresence(Guid.Empty, ++presenceVersion, false, [new RoomOnline(roomId, LocalOnline(roomId))]));
            }
        }
    }

    /// <summary>Sends this instance's connections of the room the online list if it differs from what they were last told.</summary>
    private void TellPresence(Guid roomId)
    {
        if (!rooms.TryGetValue(roomId, out var room))
        {
            return;
        }

        lock (room)
        {
            if (room.Connections.Count == 0)
            {
                room.Told = null;
                return;
            }

            var online = Online(roomId).ToArray();
            if (room.Told is not null && room.Told.SequenceEqual(online, StringComparer.Ordinal))
            {
                return;
            }

            room.Told = online;
            var frame = Frames.Serialize(new PresenceFrame("presence", online));
            foreach (var connection in room.Connections)
            {
                connection.Send(frame);
            }
        }
    }

    /// <summary>A committed batch: to this instance's connections now, and to the other instances through the backplane.</summary>
    public void Publish(Guid roomId, IReadOnlyList<(byte[] Frame, long Seq)> frames)
    {
        foreach (var (frame, seq) in frames)
        {
            BroadcastLocal(roomId, frame, seq);
        }

        if (frames.Count > 0)
        {
            backplane.Publish(roomId, frames);
        }
    }

    /// <summary>To this instance's connections of the room only.</summary>
    public void BroadcastLocal(Guid roomId, byte[] frame, long seq = 0, string? exceptUserId = null)
    {
        if (!rooms.TryGetValue(roomId, out var room))
        {
            return;
        }

        Connection[] targets;
        lock (room)
        {
            targets = [.. room.Connections];
        }

        foreach (var connection in targets)
        {
            if (exceptUserId is null || connection.UserId != exceptUserId)
            {
                connection.Send(frame, seq);
            }
        }
    }

    /// <summary>Typing shows to the others and clears itself 3 s after the last typing frame.</summary>
    public void SetTyping(Guid roomId, string userId, bool isTyping)
    {
        if (!rooms.TryGetValue(roomId, out var room))
        {
            return;
        }

        bool changed;
        lock (room)
        {
            var was = room.Typing.Remove(userId, out var timer);
            timer?.Dispose();
            if (isTyping)
            {
                room.Typing[userId] = clock.CreateTimer(_ => SetTyping(roomId, userId, false), null, TypingClearsAfter, Timeout.InfiniteTimeSpan);
            }

            changed = was != isTyping;
        }

        if (changed)
        {
            var frame = Frames.Serialize(new TypingFrame("typing", userId, isTyping));
            BroadcastLocal(roomId, frame, exceptUserId: userId);
            backplane.Publish(roomId, [(frame, 0)]);
        }
    }

    /// <summary>Closes the connections of one user (removed from the room) or of everyone (room deleted).</summary>
    public void Close(Guid roomId, string? userId, WebSocketCloseStatus status, string reason)
    {
        CloseLocal(roomId, userId, status, reason);
        backplane.Control(new RoomControl(Guid.Empty, roomId, userId, (int)status, reason, null));
    }

    public void SetRole(Guid roomId, string userId, string role)
    {
        SetRoleLocal(roomId, userId, role);
        backplane.Control(new RoomControl(Guid.Empty, roomId, userId, null, null, role));
    }

    /// <summary>What another instance asked of this one's connections.</summary>
    public void ApplyLocal(RoomControl control)
    {
        ArgumentNullException.ThrowIfNull(control);
        if (control.CloseCode is { } code)
        {
            CloseLocal(control.RoomId, control.UserId, (WebSocketCloseStatus)code, control.CloseReason ?? "");
        }
        else if (control.UserId is not null && control.Role is not null)
        {
            SetRoleLocal(control.RoomId, control.UserId, control.Role);
        }
    }

    private void CloseLocal(Guid roomId, string? userId, WebSocketCloseStatus status, string reason)
    {
        if (!rooms.TryGetValue(roomId, out var room))
        {
            return;
        }

        Connection[] targets;
        lock (room)
        {
            targets = room.Connections.Where(c => userId is null || c.UserId == userId).ToArray();
        }

        foreach (var connection in targets)
        {
            connection.Close(status, reason);
        }
    }

    private void SetRoleLocal(Guid roomId, string userId, string role)
    {
        if (!rooms.TryGetValue(roomId, out var room))
        {
            return;
        }

        lock (room)
        {
            foreach (var connection in room.Connections.Where(c => c.UserId == userId))
            {
                connection.Role = role;
            }
        }
    }

    public IEnumerable<Connection> All() => rooms.Values.SelectMany(r =>
    {
        lock (r)
        {
            return r.Connections.ToArray();
        }
    });
}
