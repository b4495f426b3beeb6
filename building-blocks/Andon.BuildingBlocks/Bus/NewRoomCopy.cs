namespace Andon.BuildingBlocks.Bus;

/// <summary>
/// Messaging and files keep a copy of each room, fed by rooms' <c>RoomCreated</c> event, which
/// arrives after the create has answered. A request that names a room made a moment ago waits for
/// the copy instead of being told the room does not exist. Rooms makes every room id a version-7
/// GUID, so the id itself says when the room was made: only a room younger than
/// <see cref="Window"/> is waited for, and an unknown or older id is refused at once (ADR 0013).
/// </summary>
public static class NewRoomCopy
{
    /// <summary>How long after a room is made its copy may still be on the way.</summary>
    public static readonly TimeSpan Window = TimeSpan.FromSeconds(10);

    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(25);

    /// <summary>When rooms made the id (from a version-7 GUID's millisecond time), or null for any other id.</summary>
    public static DateTimeOffset? MadeAt(Guid roomId)
    {
        if (roomId.Version != 7)
        {
            return null;
        }

        Span<byte> bytes = stackalloc byte[16];
        roomId.TryWriteBytes(bytes, bigEndian: true, out _);
        long milliseconds = 0;
        for (var i = 0; i < 6; i++)
        {
            milliseconds = (milliseconds << 8) | bytes[i];
        }

        return DateTimeOffset.FromUnixTimeMilliseconds(milliseconds);
    }

    /// <summary>
    /// What <paramref name="find"/> finds of the room; while it finds nothing and the room is young
    /// enough that its copy may still be coming, it looks again every 25 ms until the room's
    /// <see cref="Window"/> has passed.
    /// </summary>
    public static async Task<T?> FindAsync<T>(Guid roomId, Func<CancellationToken, Task<T?>> find, TimeProvider clock, CancellationToken cancellationToken)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(find);
        ArgumentNullException.ThrowIfNull(clock);
        var found = await find(cancellationToken);
        if (found is not null || MadeAt(roomId) is not { } madeAt)
        {
            return found;
        }

        // A clock a little ahead of rooms' still waits; an id from further ahead than the window is not one rooms made.
        var now = clock.GetUtcNow();
        if (madeAt > now + Window)
        {
            return null;
        }

        var until = (madeAt < now ? madeAt : now) + Window;
        while (found is null && clock.GetUtcNow() < until)
        {
            await Task.Delay(Poll, clock, cancellationToken);
            found = await find(cancellationToken);
        }

        return found;
    }
}
