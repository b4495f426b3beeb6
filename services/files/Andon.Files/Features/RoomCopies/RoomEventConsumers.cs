using Andon.BuildingBlocks.Outbox;
using Andon.Contracts;
using Andon.Files.Domain;
using Andon.Files.Infrastructure.Persistence;
using Andon.Files.Infrastructure.Storage;
using MassTransit;
using Microsoft.EntityFrameworkCore;

namespace Andon.Files.Features.RoomCopies;

/// <summary>
/// Keeps the files service's copy of rooms (status) and members (roles) in step with the rooms
/// service, each event applied once. A deleted room's objects and rows go.
/// </summary>
internal sealed class RoomEventConsumers(FilesDb db, IObjectStore store) :
    IConsumer<RoomCreated>,
    IConsumer<RoomStatusChanged>,
    IConsumer<RoomDeleted>,
    IConsumer<MemberAdded>,
    IConsumer<MemberRoleChanged>,
    IConsumer<MemberRemoved>,
    IConsumer<OwnershipTransferred>
{
    private const string Name = "files-room-copies";

    public Task Consume(ConsumeContext<RoomCreated> context) => Once(context, async e =>
    {
        if (await db.Rooms.FindAsync([e.RoomId], context.CancellationToken) is null)
        {
            db.Rooms.Add(new RoomCopy { RoomId = e.RoomId, Status = e.Status });
        }

        foreach (var member in e.Members)
        {
            await Upsert(e.RoomId, member.UserId, member.Role, context.CancellationToken);
        }
    });

    public Task Consume(ConsumeContext<RoomStatusChanged> context) => Once(context, async e =>
    {
        if (await db.Rooms.FindAsync([e.RoomId], context.CancellationToken) is { } room)
        {
            room.Status = e.NewStatus;
        }
    });

    public async Task Consume(ConsumeContext<RoomDeleted> context)
    {
        var e = context.Message;
        // Objects first, from the rows that name them: if the store is down the event is retried and
        // the rows are still there to retry with.
        var keys = await db.Files.Where(f => f.RoomId == e.RoomId).Select(f => new { f.ObjectKey, f.ThumbnailKey }).ToListAsync(context.CancellationToken);
        foreach (var key in keys.SelectMany(k => new[] { k.ObjectKey, k.ThumbnailKey }).OfType<string>())
        {
            await store.DeleteAsync(key, context.CancellationToken);
        }

        await Once(context, async _ =>
        {
            await db.Files.Where(f => f.RoomId == e.RoomId).ExecuteDeleteAsync(context.CancellationToken);
            await db.Members.Where(m => m.RoomId == e.RoomId).ExecuteDeleteAsync(context.CancellationToken);
            await db.Rooms.Where(r => r.RoomId == e.RoomId).ExecuteDeleteAsync(context.CancellationToken);
        });
    }

    public Task Consume(ConsumeContext<MemberAdded> context) => Once(context, e => Upsert(e.RoomId, e.UserId, e.Role, context.CancellationToken));

    public Task Consume(ConsumeContext<MemberRoleChanged> context) => Once(context, e => Upsert(e.RoomId, e.UserId, e.NewRole, context.CancellationToken));

    public Task Consume(ConsumeContext<MemberRemoved> context) => Once(context, async e =>
    {
        if (await db.Members.FindAsync([e.RoomId, e.UserId], context.CancellationToken) is { } member)
        {
            db.Members.Remove(member);
        }
    });

    public Task Consume(ConsumeContext<OwnershipTransferred> context) => Once(context, async e =>
    {
        await Upsert(e.RoomId, e.PreviousOwnerId, "editor", context.CancellationToken);
        await Upsert(e.RoomId, e.NewOwnerId, "owner", context.CancellationToken);
    });

    private Task<bool> Once<T>(ConsumeContext<T> context, Func<T, Task> apply)
        where T : class, IIntegrationEvent =>
        db.ProcessOnceAsync(context.Message.EventId, Name, () => apply(context.Message), context.CancellationToken);

    private async Task Upsert(Guid roomId, string userId, string role, CancellationToken cancellationToken)
    {
        if (await db.Members.FindAsync([roomId, userId], cancellationToken) is { } member)
        {
            member.Role = role;
        }
        else
        {
            db.Members.Add(new MemberCopy { RoomId = roomId, UserId = userId, Role = role });
        }
    }
}
