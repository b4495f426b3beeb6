using Andon.Rooms.Domain;
using Andon.Rooms.Features.Activity;
using Andon.Rooms.Infrastructure.Persistence;
using Andon.Testing;
using Microsoft.EntityFrameworkCore;

namespace Andon.Rooms.Tests;

/// <summary>
/// A batch of messages across rooms on the standalone's SQLite file, where the whole batch is one
/// statement (its rooms and times written as JSON in the form the model stores them). The
/// distributed mode's path is <see cref="DistributedRoomsTests"/>'.
/// </summary>
public sealed class RoomActivityTests
{
    [Fact]
    public async Task A_batch_across_rooms_moves_each_room_to_its_own_latest_time_and_none_back()
    {
        var file = Path.Combine(AndonHosts.TemporaryFolder(), "rooms.db");
        var options = new DbContextOptionsBuilder<SqliteRoomsDb>().UseSqlite($"Data Source={file}").Options;
        await using var db = new SqliteRoomsDb(options);
        await db.Database.MigrateAsync();
        var then = new DateTimeOffset(2026, 12, 7, 8, 0, 0, TimeSpan.Zero);
        var rooms = Enumerable.Range(1, 3)
            .Select(i => new Room { RoomId = Guid.NewGuid(), Title = $"{i} 號線停機", CreatedBy = "op.lin@andon.test", CreatedAt = then, LastActivityAt = then })
            .ToList();
        db.Rooms.AddRange(rooms);
        await db.SaveChangesAsync();
        db.ChangeTracker.Clear();

        await ActivityConsumer.MoveForwardAsync(
            db,
            [
                (rooms[0].RoomId, then.AddSeconds(5).AddMilliseconds(123)),
                (rooms[1].RoomId, then.AddSeconds(-5)), // older than the room's own: never back
                (Guid.NewGuid(), then.AddHours(1)), // a room the rooms service never heard of
                (rooms[2].RoomId, then.AddMilliseconds(1)),
            ],
            CancellationToken.None);

        var after = await db.Rooms.AsNoTracking().ToDictionaryAsync(r => r.RoomId, r => r.LastActivityAt);
        Assert.Equal(3, after.Count);
        Assert.Equal(then.AddSeconds(5).AddMilliseconds(123), after[rooms[0].RoomId]);
        Assert.Equal(then, after[rooms[1].RoomId]);
        Assert.Equal(then.AddMilliseconds(1), after[rooms[2].RoomId]);

        // The room list's order follows: the latest activity first.
        var listed = await db.Rooms.OrderByDescending(r => r.LastActivityAt).Select(r => r.RoomId).ToListAsync();
        Assert.Equal([rooms[0].RoomId, rooms[2].RoomId, rooms[1].RoomId], listed);
    }
}
