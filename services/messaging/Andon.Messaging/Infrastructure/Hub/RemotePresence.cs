using Andon.Messaging.Infrastructure.Backplane;

namespace Andon.Messaging.Infrastructure.Hub;

/// <summary>
/// Who is connected to the other messaging instances, room by room, as they announced it on the
/// backplane. An instance's announcements are numbered: a room's entry only moves forward, so a
/// late snapshot never undoes a newer change. An instance not heard of for the expiry time (killed,
/// cut off) is forgotten with all its users.
/// </summary>
internal sealed class RemotePresence(TimeProvider clock)
{
    private readonly Lock gate = new();
    private readonly Dictionary<Guid, Instance> instances = [];

    private sealed class Instance
    {
        public DateTimeOffset LastHeard { get; set; }

        public Dictionary<Guid, (long Version, string[] Users)> Rooms { get; } = [];
    }

    /// <summary>Users online in the room on other instances (unordered, may repeat across instances).</summary>
    public IEnumerable<string> Users(Guid roomId)
    {
        lock (gate)
        {
            return instances.Values.SelectMany(i => i.Rooms.TryGetValue(roomId, out var r) ? r.Users : []).ToList();
        }
    }

    /// <summary>Applies another instance's announcement; answers the rooms whose remote users may have changed and whether the instance was unknown until now.</summary>
    public (IReadOnlyList<Guid> Rooms, bool NewInstance) Apply(InstancePresence announcement)
    {
        ArgumentNullException.ThrowIfNull(announcement);
        var changed = new List<Guid>();
        lock (gate)
        {
            var isNew = !instances.TryGetValue(announcement.Origin, out var instance);
            if (instance is null)
            {
                instance = new Instance();
                instances[announcement.Origin] = instance;
            }

            instance.LastHeard = clock.GetUtcNow();
            if (announcement.Full)
            {
                var listed = announcement.Rooms.Select(r => r.RoomId).ToHashSet();
                foreach (var (roomId, entry) in instance.Rooms.Where(r => !listed.Contains(r.Key)).ToList())
                {
                    if (entry.Version < announcement.Version)
                    {
                        instance.Rooms.Remove(roomId);
                        changed.Add(roomId);
                    }
                }
            }

            foreach (var room in announcement.Rooms)
            {
                if (!instance.Rooms.TryGetValue(room.RoomId, out var entry) || entry.Version < announcement.Version)
                {
                    instance.Rooms[room.RoomId] = (announcement.Version, [.. room.Users]);
                    changed.Add(room.RoomId);
                }
            }

            return (changed, isNew);
        }
    }

    /// <summary>Forgets the instances not heard of since <paramref name="expiry"/> ago; answers the rooms they had users in.</summary>
    public IReadOnlyList<Guid> Expire(TimeSpan expiry)
    {
        var cutoff = clock.GetUtcNow() - expiry;
        lock (gate)
        {
            var gone = instances.Where(i => i.Value.LastHeard < cutoff).ToList();
            foreach (var (origin, _) in gone)
            {
                instances.Remove(origin);
            }

            return gone.SelectMany(i => i.Value.Rooms.Keys).Distinct().ToList();
        }
    }
}
