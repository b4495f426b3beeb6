using Andon.Messaging.Infrastructure.Backplane;
using Andon.Messaging.Infrastructure.Hub;

namespace Andon.Messaging.Tests;

public sealed class RemotePresenceTests
{
    private sealed class Clock : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = new(2026, 11, 26, 8, 0, 0, TimeSpan.Zero);

        public override DateTimeOffset GetUtcNow() => Now;
    }

    private static readonly Guid A = Guid.NewGuid();
    private static readonly Guid B = Guid.NewGuid();
    private static readonly Guid Room = Guid.NewGuid();
    private static readonly Guid Other = Guid.NewGuid();

    private static InstancePresence Change(Guid origin, long version, Guid room, params string[] users) => new(origin, version, false, [new RoomOnline(room, users)]);

    [Fact]
    public void Users_of_every_instance_count_and_an_older_announcement_never_undoes_a_newer_one()
    {
        var presence = new RemotePresence(new Clock());
        Assert.True(presence.Apply(Change(A, 1, Room, "a")).NewInstance);
        presence.Apply(Change(B, 1, Room, "b"));
        Assert.Equal(["a", "b"], presence.Users(Room).Order());

        // A's change 3 arrives before its snapshot 2: the snapshot does not bring "a" back, nor drop the other room.
        presence.Apply(Change(A, 3, Room));
        presence.Apply(Change(A, 4, Other, "c"));
        var (changed, isNew) = presence.Apply(new InstancePresence(A, 2, true, [new RoomOnline(Room, ["a"])]));
        Assert.False(isNew);
        Assert.Empty(changed);
        Assert.Equal(["b"], presence.Users(Room));
        Assert.Equal(["c"], presence.Users(Other));

        // A newer snapshot is the whole truth about A: rooms it does not list are empty there.
        presence.Apply(new InstancePresence(A, 5, true, [new RoomOnline(Room, ["d"])]));
        Assert.Equal(["b", "d"], presence.Users(Room).Order());
        Assert.Empty(presence.Users(Other));
    }

    [Fact]
    public void An_instance_not_heard_of_within_the_expiry_is_forgotten_with_its_users()
    {
        var clock = new Clock();
        var presence = new RemotePresence(clock);
        presence.Apply(Change(A, 1, Room, "a"));
        presence.Apply(Change(B, 1, Other, "b"));
        clock.Now += TimeSpan.FromSeconds(10);
        presence.Apply(new InstancePresence(B, 2, true, [new RoomOnline(Other, ["b"])]));
        clock.Now += TimeSpan.FromSeconds(6);

        Assert.Equal([Room], presence.Expire(TimeSpan.FromSeconds(15)));
        Assert.Empty(presence.Users(Room));
        Assert.Equal(["b"], presence.Users(Other));
        Assert.True(presence.Apply(Change(A, 7, Room, "a")).NewInstance);
    }
}
