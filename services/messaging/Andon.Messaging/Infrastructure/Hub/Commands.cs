using System.Text.Json;
using Andon.BuildingBlocks.Outbox;
using Andon.Contracts;
using Andon.Messaging.Domain;
using Andon.Messaging.Infrastructure.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Andon.Messaging.Infrastructure.Hub;

/// <summary>Who is acting: a member (with their role) or an admin.</summary>
internal sealed record Actor(string UserId, string DisplayName, bool IsAdmin);

/// <summary>Checks shared by the commands, against messaging's copy of the room.</summary>
internal static class RoomRules
{
    /// <summary>
    /// Reads the rooms of a transaction and their acting members in two queries, tracked, so each
    /// command's <c>FindAsync</c> finds them without a query of its own (a hot room's batch has a
    /// hundred senders or more).
    /// </summary>
    public static async Task LoadAsync(MessagingDb db, IReadOnlyCollection<RoomCommand> commands)
    {
        var roomIds = commands.Select(c => c.RoomId).Distinct().ToList();
        var actors = commands.Select(c => c.ActorId).OfType<string>().Distinct().ToList();
        await db.Rooms.Where(r => roomIds.Contains(r.RoomId)).LoadAsync();
        if (actors.Count > 0)
        {
            await db.Members.Where(m => roomIds.Contains(m.RoomId) && actors.Contains(m.UserId)).LoadAsync();
        }
    }

    public static async Task<CommandResult?> MaySend(Batch batch, Actor actor)
    {
        var room = await batch.Db.Rooms.FindAsync(batch.RoomId);
        if (room is null)
        {
            return CommandResult.Fail("not_found", "Room not found.");
        }

        if (!actor.IsAdmin)
        {
            var member = await batch.Db.Members.FindAsync(batch.RoomId, actor.UserId);
            if (member is null || !member.CanSend)
            {
                return CommandResult.Fail("insufficient_permissions", "Insufficient permissions");
            }
        }

        return room.Status == "active" ? null : CommandResult.Fail("room_closed", "The room is no longer active; it accepts no new messages.");
    }

    public static async Task<(Message? Message, CommandResult? Error)> Touchable(Batch batch, Actor actor, Guid messageId)
    {
        var message = batch.Db.Messages.Local.FirstOrDefault(m => m.MessageId == messageId)
            ?? await batch.Db.Messages.FirstOrDefaultAsync(m => m.MessageId == messageId && m.RoomId == batch.RoomId);
        if (message is null || message.RoomId != batch.RoomId || message.DeletedAt is not null)
        {
            return (null, CommandResult.Fail("not_found", "Message not found."));
        }

        return (message, await MaySend(batch, actor));
    }
}

/// <summary>A new message. A repeated <c>client_id</c> from the same sender returns the stored message and stores nothing.</summary>
internal sealed class PostMessage(Guid roomId, Actor sender, MessageInput input, bool skipMembership = false) : RoomCommand(roomId)
{
    public override string? ActorId => skipMembership ? null : sender.UserId;

    public string ClientId => input.ClientId;

    /// <summary>
    /// One query for every client id of the batch's new messages, instead of one per message: seeks in
    /// the (room, client id, sender) index.
    /// </summary>
    public static async Task FindRetriesAsync(Batch batch, IReadOnlyCollection<RoomCommand> commands)
    {
        var clientIds = commands.OfType<PostMessage>().Select(p => p.ClientId).Distinct().ToList();
        if (clientIds.Count == 0)
        {
            return;
        }

        var stored = await Stored(batch.Db, batch.RoomId, clientIds).ToListAsync();
        batch.StoredByClientId = stored.ToDictionary(m => (m.SenderId, m.ClientId!));
    }

    /// <summary>The room's messages stored under any of <paramref name="clientIds"/>, whoever sent them.</summary>
    internal static IQueryable<Message> Stored(MessagingDb db, Guid roomId, List<string> clientIds) =>
        db.Messages.AsNoTracking().Where(m => m.RoomId == roomId && m.ClientId != null && clientIds.Contains(m.ClientId));

    public override async Task<CommandResult> ExecuteAsync(Batch batch, CancellationToken cancellationToken)
    {
        var existing = batch.Posted.GetValueOrDefault((sender.UserId, input.ClientId))
            ?? (batch.StoredByClientId is { } stored
                ? stored.GetValueOrDefault((sender.UserId, input.ClientId))
                : await batch.Db.Messages.AsNoTracking().FirstOrDefaultAsync(m => m.RoomId == RoomId && m.SenderId == sender.UserId && m.ClientId == input.ClientId, cancellationToken));
        if (existing is not null)
        {
            return new CommandResult(existing);
        }

        if (!skipMembership && await RoomRules.MaySend(batch, sender) is { } refused)
        {
            return refused;
        }

        if (skipMembership && await batch.Db.Rooms.FindAsync([RoomId], cancellationToken) is null)
        {
            return CommandResult.Fail("not_found", "Room not found.");
        }

        var message = new Message
        {
            MessageId = Guid.CreateVersion7(),
            RoomId = RoomId,
            SequenceNumber = batch.NextSeq(),
            SenderId = sender.UserId,
            SenderName = sender.DisplayName,
            MessageType = input.Type,
            Content = "",
            Mentions = input.Mentions,
            FileId = input.FileId,
            Metadata = input.Metadata,
            ClientId = input.ClientId,
            CreatedAt = batch.Now,
        };
        message.SetContent(input.Content);
        batch.Db.Messages.Add(message);
        batch.Posted[(sender.UserId, input.ClientId)] = message;
        batch.Record(new MessageFrame("message", MessageDto.From(message, [])), message.SequenceNumber);
        batch.Db.AddIntegrationEvent(new MessagePosted(Guid.NewGuid(), batch.Now, RoomId, message.MessageId, message.SequenceNumber, message.SenderId, Frames.Wire(message.MessageType)));
        return new CommandResult(message);
    }
}

internal sealed class EditMessage(Guid roomId, Actor actor, Guid messageId, string content) : RoomCommand(roomId)
{
    public override string? ActorId => actor.UserId;

    public override async Task<CommandResult> ExecuteAsync(Batch batch, CancellationToken cancellationToken)
    {
        var (message, error) = await RoomRules.Touchable(batch, actor, messageId);
        if (message is null || error is not null)
        {
            return error!;
        }

        if (message.SenderId != actor.UserId || message.MessageType != MessageType.Text)
        {
            return CommandResult.Fail("insufficient_permissions", "Insufficient permissions");
        }

        if (batch.Now - message.CreatedAt > Message.EditWindow)
        {
            return CommandResult.Fail("edit_window_expired", "Messages can be edited for 15 minutes after sending.");
        }

        batch.Db.Edits.Add(new MessageEdit { MessageId = message.MessageId, PreviousContent = message.Content, EditedAt = batch.Now, EditedBy = actor.UserId });
        message.SetContent(content);
        message.EditedAt = batch.Now;
        var seq = batch.NextSeq();
        batch.Record(new MessageEditedFrame("message_edited", message.MessageId, content, batch.Now, seq), seq);
        batch.Db.AddIntegrationEvent(new MessageEdited(Guid.NewGuid(), batch.Now, RoomId, message.MessageId, seq, actor.UserId));
        return new CommandResult(message);
    }
}

internal sealed class DeleteMessage(Guid roomId, Actor actor, Guid messageId) : RoomCommand(roomId)
{
    public override string? ActorId => actor.UserId;

    public override async Task<CommandResult> ExecuteAsync(Batch batch, CancellationToken cancellationToken)
    {
        var (message, error) = await RoomRules.Touchable(batch, actor, messageId);
        if (message is null)
        {
            return error!;
        }

        // Your own message (while you may send), or any message as an admin.
        if (!actor.IsAdmin && (message.SenderId != actor.UserId || error is not null))
        {
            return error ?? CommandResult.Fail("insufficient_permissions", "Insufficient permissions");
        }

        message.DeletedAt = batch.Now;
        var seq = batch.NextSeq();
        batch.Record(new MessageDeletedFrame("message_deleted", message.MessageId, batch.Now, seq), seq);
        batch.Db.AddIntegrationEvent(new MessageDeleted(Guid.NewGuid(), batch.Now, RoomId, message.MessageId, seq, actor.UserId));
        return new CommandResult(message);
    }
}

internal sealed class React(Guid roomId, Actor actor, Guid messageId, string emoji, bool add) : RoomCommand(roomId)
{
    public override string? ActorId => actor.UserId;

    public override async Task<CommandResult> ExecuteAsync(Batch batch, CancellationToken cancellationToken)
    {
        var (message, error) = await RoomRules.Touchable(batch, actor, messageId);
        if (message is null || error is not null)
        {
            return error!;
        }

        var reactions = batch.Db.Reactions;
        var mine = await reactions.FindAsync([messageId, actor.UserId, emoji], cancellationToken);
        if (add == (mine is not null))
        {
            return new CommandResult(message); // Already so: one reaction per user per emoji.
        }

        if (add)
        {
            reactions.Add(new Reaction { MessageId = messageId, UserId = actor.UserId, Emoji = emoji, CreatedAt = batch.Now });
        }
        else
        {
            reactions.Remove(mine!);
        }

        // Stored reactions, with this batch's additions and without its removals.
        await reactions.Where(r => r.MessageId == messageId).LoadAsync(cancellationToken);
        var current = reactions.Local.Where(r => r.MessageId == messageId).ToList();

        var seq = batch.NextSeq();
        batch.Record(new ReactionFrame(add ? "reaction_added" : "reaction_removed", messageId, actor.UserId, emoji, Frames.Summarise(current), seq), seq);
        return new CommandResult(message);
    }
}

/// <summary>
/// A rooms event applied to messaging's copy of the room, once (processed-event row in the same
/// transaction), and shown to the room as a <c>system</c> frame with its sequence number.
/// </summary>
internal sealed class ApplyRoomEvent(Guid roomId, Guid eventId, string consumer, Func<Batch, Task<SystemFrame?>> apply) : RoomCommand(roomId)
{
    public override async Task<CommandResult> ExecuteAsync(Batch batch, CancellationToken cancellationToken)
    {
        if (await batch.Db.Set<ProcessedEvent>().AnyAsync(p => p.EventId == eventId && p.Consumer == consumer, cancellationToken)
            || batch.Db.Set<ProcessedEvent>().Local.Any(p => p.EventId == eventId && p.Consumer == consumer))
        {
            return new CommandResult(null);
        }

        batch.Db.Set<ProcessedEvent>().Add(new ProcessedEvent { EventId = eventId, Consumer = consumer, ProcessedAt = batch.Now });
        if (await apply(batch) is { } frame)
        {
            var seq = batch.NextSeq();
            batch.Record(frame with { Seq = seq }, seq);
        }

        return new CommandResult(null);
    }

    public static SystemFrame Frame(string evt, string? userId, object data, DateTimeOffset at) =>
        new("system", evt, userId, JsonSerializer.SerializeToElement(data, Andon.BuildingBlocks.Hosting.AndonJson.Options), at, null);
}
