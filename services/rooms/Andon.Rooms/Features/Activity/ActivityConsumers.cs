using Andon.BuildingBlocks.Outbox;
using Andon.BuildingBlocks.Persistence;
using Andon.Contracts;
using Andon.Rooms.Domain;
using Andon.Rooms.Infrastructure.Persistence;
using MassTransit;
using Microsoft.EntityFrameworkCore;

namespace Andon.Rooms.Features.Activity;

/// <summary>
/// A message or a file in a room moves its <c>last_activity_at</c>, which orders the room list.
/// Messages come in batches (a busy room posts hundreds a second): one transaction per batch, each
/// room moved to the latest time in the batch by a conditional update. "Only ever forward" makes a
/// redelivered or late event harmless, so no processed-event rows are kept for these.
/// </summary>
public sealed class ActivityConsumer(RoomsDb db) : IConsumer<Batch<MessagePosted>>, IConsumer<FileUploaded>
{
    public async Task Consume(ConsumeContext<Batch<MessagePosted>> context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var latest = context.Message
            .GroupBy(m => m.Message.RoomId)
            .Select(room => (RoomId: room.Key, At: room.Max(m => m.Message.OccurredAt)))
            .OrderBy(room => room.RoomId) // two replicas' batches lock rows in the same order
            .ToList();
        await MoveForwardAsync(db, latest, context.CancellationToken);
    }

    /// <summary>
    /// Moves each room forward to its time, never back; a room rooms does not know is skipped. On
    /// SQLite one statement for the whole batch: with messages across many rooms a batch names as many
    /// rooms as messages, and one statement a room was one prepared and run a message (bench/README.md
    /// point 27). On PostgreSQL one statement a room, in room id order, so two replicas' batches lock
    /// the rows in the same order.
    /// </summary>
    public static async Task MoveForwardAsync(RoomsDb db, IReadOnlyList<(Guid RoomId, DateTimeOffset At)> rooms, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(rooms);
        if (db.OnSqlite())
        {
            var json = SqliteConventions.JsonRows(rooms.Select(r => new object[] { r.RoomId, r.At }));
            await db.Database.ExecuteSqlRawAsync(
                "UPDATE rooms SET LastActivityAt = k.value ->> 1 FROM json_each({0}) AS k WHERE rooms.RoomId = k.value ->> 0 AND rooms.LastActivityAt < k.value ->> 1",
                [json],
                cancellationToken);
            return;
        }

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        foreach (var (roomId, at) in rooms)
        {
            await MoveForward(db, roomId, at, cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
    }

    public Task Consume(ConsumeContext<FileUploaded> context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return MoveForward(db, context.Message.RoomId, context.Message.OccurredAt, context.CancellationToken);
    }

    private static Task<int> MoveForward(RoomsDb db, Guid roomId, DateTimeOffset at, CancellationToken cancellationToken) =>
        db.Rooms
            .Where(r => r.RoomId == roomId && r.LastActivityAt < at)
            .ExecuteUpdateAsync(s => s.SetProperty(r => r.LastActivityAt, at), cancellationToken);
}

/// <summary>Keeps the names identity announces, for member lists.</summary>
public sealed class KnownUserConsumer(RoomsDb db) : IConsumer<UserSignedIn>
{
    public Task Consume(ConsumeContext<UserSignedIn> context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var signedIn = context.Message;
        return db.ProcessOnceAsync(signedIn.EventId, nameof(KnownUserConsumer), async () =>
        {
            var user = await db.KnownUsers.FindAsync([signedIn.UserId], context.CancellationToken);
            if (user is null)
            {
                db.KnownUsers.Add(new KnownUser { UserId = signedIn.UserId, DisplayName = signedIn.DisplayName });
            }
            else
            {
                user.DisplayName = signedIn.DisplayName;
            }
        }, context.CancellationToken);
    }
}
