using System.Net.WebSockets;
using Andon.Contracts;
using Andon.Messaging.Domain;
using Andon.Messaging.Infrastructure.Hub;
using MassTransit;
using Microsoft.EntityFrameworkCore;

namespace Andon.Messaging.Features.RoomCopies;

/// <summary>
/// Keeps messaging's copy of rooms and members in step with the rooms service, and tells each room
/// what changed with a <c>system</c> frame that takes its place in the room's sequence. A removed
/// member's sockets close with 4403, a deleted room's with 4404 (and its messages go).
/// </summary>
internal sealed class RoomEventConsumers(RoomWriter writer, RoomHub hub) :
    IConsumer<RoomCreated>,
    IConsumer<RoomUpdated>,
    IConsumer<RoomStatusChanged>,
    IConsumer<RoomDeleted>,
    IConsumer<MemberAdded>,
    IConsumer<MemberRoleChanged>,
    IConsumer<MemberRemoved>,
    IConsumer<OwnershipTransferred>
{
    private const string Name = nameof(RoomEventConsumers);

    public Task Consume(ConsumeContext<RoomCreated> context) => Apply(context.Message.RoomId, context.Message.EventId, async batch =>
    {
        var e = context.Message;
        if (await batch.Db.Rooms.FindAsync(e.RoomId) is null)
        {
            batch.Db.Rooms.Add(new RoomCopy { RoomId = e.RoomId, Title = e.Title, Status = e.Status, EquipmentId = e.EquipmentId });
        }

        foreach (var member in e.Members)
        {
            await Upsert(batch, member.UserId, member.Role);
        }

        return null;
    });

    public Task Consume(ConsumeContext<RoomUpdated> context) => Apply(context.Message.RoomId, context.Message.EventId, async batch =>
    {
        var e = context.Message;
        if (await batch.Db.Rooms.FindAsync(e.RoomId) is { } room)
        {
            room.Title = e.Title;
            room.EquipmentId = e.EquipmentId;
        }

        return ApplyRoomEvent.Frame("room_updated", e.UpdatedBy, new { e.Title, e.Severity, e.Location, e.Line, e.Station, e.EquipmentId, changed_fields = e.ChangedFields }, e.OccurredAt);
    });

    public Task Consume(ConsumeContext<RoomStatusChanged> context) => Apply(context.Message.RoomId, context.Message.EventId, async batch =>
    {
        var e = context.Message;
        if (await batch.Db.Rooms.FindAsync(e.RoomId) is { } room)
        {
            room.Status = e.NewStatus;
        }

        return ApplyRoomEvent.Frame("room_status_changed", e.ChangedBy, new { old_status = e.OldStatus, new_status = e.NewStatus, resolution_notes = e.ResolutionNotes, reason_code = e.ReasonCode }, e.OccurredAt);
    });

    public async Task Consume(ConsumeContext<RoomDeleted> context)
    {
        var e = context.Message;
        await Apply(e.RoomId, e.EventId, async batch =>
        {
            var db = batch.Db;
            await db.Reactions.Where(r => db.Messages.Any(m => m.RoomId == e.RoomId && m.MessageId == r.MessageId)).ExecuteDeleteAsync();
            await db.Edits.Where(x => db.Messages.Any(m => m.RoomId == e.RoomId && m.MessageId == x.MessageId)).ExecuteDeleteAsync();
            await db.Messages.Where(m => m.RoomId == e.RoomId).ExecuteDeleteAsync();
            await db.RoomEvents.Where(x => x.RoomId == e.RoomId).ExecuteDeleteAsync();
            await db.Members.Where(m => m.RoomId == e.RoomId).ExecuteDeleteAsync();
            await db.Rooms.Where(r => r.RoomId == e.RoomId).ExecuteDeleteAsync();
            batch.AfterCommit.Add(() => hub.Close(e.RoomId, null, (WebSocketCloseStatus)4404, "Room deleted"));
            return null;
        });
    }

    public Task Consume(ConsumeContext<MemberAdded> context) => Apply(context.Message.RoomId, context.Message.EventId, async batch =>
    {
        var e = context.Message;
        await Upsert(batch, e.UserId, e.Role);
        return ApplyRoomEvent.Frame(e.AddedBy == e.UserId ? "user_joined" : "member_added", e.UserId, new { role = e.Role, added_by = e.AddedBy }, e.OccurredAt);
    });

    public Task Consume(ConsumeContext<MemberRoleChanged> context) => Apply(context.Message.RoomId, context.Message.EventId, async batch =>
    {
        var e = context.Message;
        await Upsert(batch, e.UserId, e.NewRole);
        return ApplyRoomEvent.Frame("role_changed", e.UserId, new { old_role = e.OldRole, new_role = e.NewRole, changed_by = e.ChangedBy }, e.OccurredAt);
    });

    public Task Consume(ConsumeContext<MemberRemoved> context) => Apply(context.Message.RoomId, context.Message.EventId, async batch =>
    {
        var e = context.Message;
        if (await batch.Db.Members.FindAsync(e.RoomId, e.UserId) is { } member)
        {
            batch.Db.Members.Remove(member);
        }

        batch.AfterCommit.Add(() => hub.Close(e.RoomId, e.UserId, (WebSocketCloseStatus)4403, "Membership revoked"));
        return ApplyRoomEvent.Frame(e.RemovedBy == e.UserId ? "user_left" : "member_removed", e.UserId, new { removed_by = e.RemovedBy }, e.OccurredAt);
    });

    public Task Consume(ConsumeContext<OwnershipTransferred> context) => Apply(context.Message.RoomId, context.Message.EventId, async batch =>
    {
        var e = context.Message;
        await Upsert(batch, e.PreviousOwnerId, "editor");
        await Upsert(batch, e.NewOwnerId, "owner");
        return ApplyRoomEvent.Frame("role_changed", e.NewOwnerId, new { new_role = "owner", previous_owner_id = e.PreviousOwnerId }, e.OccurredAt);
    });

    private async Task Apply(Guid roomId, Guid eventId, Func<Batch, Task<SystemFrame?>> apply)
    {
        var result = await writer.SubmitAsync(new ApplyRoomEvent(roomId, eventId, Name, apply));
        if (!result.Ok)
        {
            // Let the broker redeliver: the event is applied once it can be stored.
            throw new InvalidOperationException($"Room event {eventId} could not be applied: {result.ErrorMessage}");
        }
    }

    private async Task Upsert(Batch batch, string userId, string role)
    {
        var member = await batch.Db.Members.FindAsync(batch.RoomId, userId);
        if (member is null)
        {
            batch.Db.Members.Add(new MemberCopy { RoomId = batch.RoomId, UserId = userId, Role = role });
        }
        else
        {
            member.Role = role;
        }

        batch.AfterCommit.Add(() => hub.SetRole(batch.RoomId, userId, role));
    }
}

/// <summary>Readings from plant-floor systems (and alarms) become <c>incident_data</c> messages; uploads become file messages.</summary>
internal sealed class PostedElsewhereConsumers(RoomWriter writer, Infrastructure.Persistence.MessagingDb db) : IConsumer<IncidentDataReported>, IConsumer<FileUploaded>
{
    public async Task Consume(ConsumeContext<IncidentDataReported> context)
    {
        var e = context.Message;
        var roomId = e.RoomId ?? await db.Rooms.AsNoTracking()
            .Where(r => r.Status == "active" && e.EquipmentId != null && r.EquipmentId == e.EquipmentId)
            .Select(r => (Guid?)r.RoomId)
            .FirstOrDefaultAsync(context.CancellationToken);
        if (roomId is null)
        {
            return;
        }

        var input = new MessageInput(e.EventId.ToString(), MessageType.IncidentData, e.Data.GetRawText(), [], null);
        await Post(roomId.Value, new Actor(e.Source, e.Source, IsAdmin: true), input);
    }

    public Task Consume(ConsumeContext<FileUploaded> context)
    {
        var e = context.Message;
        var type = e.Kind == "image" ? MessageType.ImageRef : MessageType.FileRef;
        return Post(e.RoomId, new Actor(e.UploadedBy, e.UploadedByName ?? e.UploadedBy, IsAdmin: false), new MessageInput(e.EventId.ToString(), type, e.Filename, [], e.FileId));
    }

    private async Task Post(Guid roomId, Actor actor, MessageInput input)
    {
        var result = await writer.SubmitAsync(new PostMessage(roomId, actor, input, skipMembership: true));
        if (!result.Ok && result.ErrorCode is "unavailable" or "not_found")
        {
            throw new InvalidOperationException($"Message for room {roomId} could not be stored: {result.ErrorMessage}");
        }
    }
}
