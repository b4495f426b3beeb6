using System.Text.Json;
using Andon.BuildingBlocks.Outbox;
using Andon.BuildingBlocks.Persistence;
using Andon.Contracts;
using Andon.Messaging.Domain;
using Andon.Messaging.Infrastructure.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Andon.Messaging.Infrastructure.Hub;

/// <summary>Who is acting: a member (with their role) or an admin.</summary>
internal sealed record Actor(string UserId, string DisplayName, bool IsAdmin);

/// <summary>
/// (room, key) pairs as one JSON array of SQLite's own text for the room id, for a query to take pair by
/// pair (<c>json_each</c>, each pair a seek in a (room, key) index). One transaction holds many rooms,
/// and a list of rooms beside a list of keys seeks every room with every key (500 rooms of one sender
/// each: 250,000 seeks). PostgreSQL takes its pairs as two arrays through <c>unnest</c> instead.
/// </summary>
internal static class RoomPairs
{
    public static string Json(IEnumerable<(Guid RoomId, string Key)> pairs) =>
        SqliteConventions.JsonRows(pairs.Select(p => new object[] { p.RoomId, p.Key }));
}

/// <summary>Checks shared by the commands, against messaging's copy of the room.</summary>
internal static class RoomRules
{
    /// <summary>
    /// Reads the rooms of a transaction and their acting members in two queries, tracked, so each
    /// command's <c>FindAsync</c> finds them without a query of its own (a hot room's batch has a
    /// hundred senders or more).
    /// </summary>
    public static async Task LoadAsync(MessagingDb db, IReadOnlyCollection<RoomCommand> commands, KnownRooms? known = null)
    {
        // What the writer already knows is attached as it goes; only the rest is read.
        var roomIds = commands.Select(c => c.RoomId).Distinct().Where(id => known?.TryAttach(db, id) != true).ToList();
        if (roomIds.Count > 0)
        {
            await db.Rooms.Where(r => roomIds.Contains(r.RoomId)).LoadAsync();
        }

        var acting = commands.Where(c => c.ActorId is not null).Select(c => (c.RoomId, c.ActorId!)).Distinct()
            .Where(p => known?.TryAttach(db, p.RoomId, p.Item2) != true).ToList();
        if (acting.Count > 0)
        {
            await Members(db, acting).LoadAsync();
        }
    }

    /// <summary>The memberships of the (room, user) pairs, pair by pair (as <see cref="RoomPairs"/> explains).</summary>
    internal static IQueryable<MemberCopy> Members(MessagingDb db, IReadOnlyCollection<(Guid RoomId, string UserId)> pairs)
    {
        if (db.OnSqlite())
        {
            return db.Members.FromSqlRaw(
                "SELECT r.* FROM json_each({0}) AS k CROSS JOIN room_members AS r ON r.RoomId = k.value ->> 0 AND r.UserId = k.value ->> 1",
                RoomPairs.Json(pairs));
        }

        return db.Members.FromSqlRaw(
            """SELECT r.* FROM unnest({0}, {1}) AS k(room_id, user_id) JOIN room_members AS r ON r."RoomId" = k.room_id AND r."UserId" = k.user_id""",
            pairs.Select(p => p.RoomId).ToArray(),
            pairs.Select(p => p.UserId).ToArray());
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
        var message = batch.Posted.Values.FirstOrDefault(m => m.MessageId == messageId)
            ?? batch.Db.Messages.Local.FirstOrDefault(m => m.MessageId == messageId)
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
    /// The messages already stored under the client ids of a transaction's new messages (a resend after
    /// a lost ack finds its first copy), by room: one query for the whole transaction, each
    /// (room, client id) a seek in the (room, client id, sender) index. On SQLite only in a transaction
    /// redone because an insert met a stored client id, and in those of the next 10 s (ADR 0021).
    /// </summary>
    public static async Task<ILookup<Guid, Message>> FindRetriesAsync(MessagingDb db, IEnumerable<RoomCommand> commands)
    {
        var keys = commands.OfType<PostMessage>().Select(p => (p.RoomId, p.ClientId)).Distinct().ToList();
        var stored = keys.Count == 0 ? [] : await Stored(db, keys).ToListAsync();
        return stored.ToLookup(m => m.RoomId);
    }

    /// <summary>
    /// The messages stored under any of the (room, client id) pairs, whoever sent them, pair by pair
    /// (as <see cref="RoomPairs"/> explains; on PostgreSQL a list of rooms beside a list of client ids
    /// also got a generic plan that walks the room).
    /// </summary>
    internal static IQueryable<Message> Stored(MessagingDb db, IReadOnlyCollection<(Guid RoomId, string ClientId)> keys)
    {
        if (db.OnSqlite())
        {
            return db.Messages.FromSqlRaw(
                "SELECT m.* FROM json_each({0}) AS k CROSS JOIN messages AS m ON m.RoomId = k.value ->> 0 AND m.ClientId = k.value ->> 1",
                RoomPairs.Json(keys)).AsNoTracking();
        }

        return db.Messages.FromSqlRaw(
            """SELECT m.* FROM unnest({0}, {1}) AS k(room_id, client_id) JOIN messages AS m ON m."RoomId" = k.room_id AND m."ClientId" = k.client_id""",
            keys.Select(k => k.RoomId).ToArray(),
            keys.Select(k => k.ClientId).ToArray()).AsNoTracking();
    }

    /// <summary>Where the transaction did not read its stored client ids (<see cref="Batch.StoredByClientId"/>), this message's, looked up alone.</summary>
    private async Task<Message?> StoredResendAsync(Batch batch, CancellationToken cancellationToken) =>
        batch.StoredByClientId is not null ? null : (await Stored(batch.Db, [(RoomId, ClientId)]).ToListAsync(cancellationToken)).FirstOrDefault(m => m.SenderId == sender.UserId);

    public override async Task<CommandResult> ExecuteAsync(Batch batch, CancellationToken cancellationToken)
    {
        var existing = batch.Posted.GetValueOrDefault((sender.UserId, input.ClientId))
            ?? batch.StoredByClientId?.GetValueOrDefault((sender.UserId, input.ClientId));
        if (existing is not null)
        {
            return new CommandResult(existing);
        }

        if (!skipMembership && await RoomRules.MaySend(batch, sender) is { } refused)
        {
            // A resend of a message stored before the sender lost the right to send (or the room
            // closed) still gets its ack.
            return await StoredResendAsync(batch, cancellationToken) is { } stored ? new CommandResult(stored) : refused;
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
        batch.Insert(message);
        batch.Posted[(sender.UserId, input.ClientId)] = message;
        batch.Record(new MessageFrame("message", MessageDto.From(message, [])), message.SequenceNumber);
        batch.Publish(new MessagePosted(Guid.NewGuid(), batch.Now, RoomId, message.MessageId, message.SequenceNumber, message.SenderId, Frames.Wire(message.MessageType)));
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
        batch.Publish(new MessageEdited(Guid.NewGuid(), batch.Now, RoomId, message.MessageId, seq, actor.UserId));
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
        batch.Publish(new MessageDeleted(Guid.NewGuid(), batch.Now, RoomId, message.MessageId, seq, actor.UserId));
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
    public override bool ChangesRoomCopies => true;

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
