using Andon.BuildingBlocks.Outbox;
using Andon.Contracts;
using Andon.Rooms.Domain;
using Andon.Rooms.Infrastructure.Persistence;
using MassTransit;

namespace Andon.Rooms.Features.Activity;

/// <summary>A message or a file in a room moves its <c>last_activity_at</c>, which orders the room list.</summary>
public sealed class ActivityConsumer(RoomsDb db) : IConsumer<MessagePosted>, IConsumer<FileUploaded>
{
    public Task Consume(ConsumeContext<MessagePosted> context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return Touch(context.Message.EventId, context.Message.RoomId, context.Message.OccurredAt, context.CancellationToken);
    }

    public Task Consume(ConsumeContext<FileUploaded> context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return Touch(context.Message.EventId, context.Message.RoomId, context.Message.OccurredAt, context.CancellationToken);
    }

    private Task<bool> Touch(Guid eventId, Guid roomId, DateTimeOffset at, CancellationToken cancellationToken) =>
        db.ProcessOnceAsync(eventId, nameof(ActivityConsumer), async () =>
        {
            if (await db.Rooms.FindAsync([roomId], cancellationToken) is { } room && at > room.LastActivityAt)
            {
                room.LastActivityAt = at;
            }
        }, cancellationToken);
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
