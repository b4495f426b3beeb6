using Andon.BuildingBlocks.Outbox;
using Andon.Contracts;
using Andon.Rooms.Domain;
using Andon.Rooms.Infrastructure.Persistence;
using MassTransit;
using Microsoft.EntityFrameworkCore;

namespace Andon.Rooms.Features.Activity;

/// <summary>
/// A message or a file in a room moves its <c>last_activity_at</c>, which orders the room list.
/// Messages come in batches (a busy room posts hundreds a second): one transaction per batch, one
/// conditional update per room, to the latest time in the batch. "Only ever forward" makes a
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
        await using var transaction = await db.Database.BeginTransactionAsync(context.CancellationToken);
        foreach (var (roomId, at) in latest)
        {
            await MoveForward(roomId, at, context.CancellationToken);
        }

        await transaction.CommitAsync(context.CancellationToken);
    }

    public Task Consume(ConsumeContext<FileUploaded> context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return MoveForward(context.Message.RoomId, context.Message.OccurredAt, context.CancellationToken);
    }

    private Task<int> MoveForward(Guid roomId, DateTimeOffset at, CancellationToken cancellationToken) =>
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
