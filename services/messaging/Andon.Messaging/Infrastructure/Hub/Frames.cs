using System.Text.Json;
using System.Text.Json.Serialization;
using Andon.BuildingBlocks.Hosting;
using Andon.Messaging.Domain;

namespace Andon.Messaging.Infrastructure.Hub;

public sealed record ReactionSummary(int Count, IReadOnlyList<string> UserIds);

/// <summary>
/// The contract's <c>message</c>. A deleted message's content is withheld. <c>client_id</c> (when the sender
/// gave one) lets the sender's app replace its pending copy as soon as the broadcast arrives, ack or not.
/// <c>content</c> is the text itself (a string) or, for incident data, its JSON (a <see cref="JsonElement"/>):
/// a text is written as it is, not parsed into a JSON document first (bench/README.md point 20).
/// </summary>
public sealed record MessageDto(
    Guid MessageId,
    Guid RoomId,
    long SequenceNumber,
    string SenderId,
    string SenderName,
    string MessageType,
    object? Content,
    IReadOnlyList<string> Mentions,
    Guid? FileId,
    JsonElement? Metadata,
    IReadOnlyDictionary<string, ReactionSummary> Reactions,
    DateTimeOffset CreatedAt,
    DateTimeOffset? EditedAt,
    DateTimeOffset? DeletedAt,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? ClientId)
{
    public static MessageDto From(Message m, IEnumerable<Reaction> reactions) => new(
        m.MessageId,
        m.RoomId,
        m.SequenceNumber,
        m.SenderId,
        m.SenderName,
        Frames.Wire(m.MessageType),
        m.DeletedAt is not null ? null : ContentOf(m),
        m.Mentions,
        m.FileId,
        m.Metadata is null ? null : JsonSerializer.Deserialize<JsonElement>(m.Metadata),
        Frames.Summarise(reactions),
        m.CreatedAt,
        m.EditedAt,
        m.DeletedAt,
        m.ClientId);

    private static object ContentOf(Message m) =>
        m.MessageType == Domain.MessageType.IncidentData ? JsonSerializer.Deserialize<JsonElement>(m.Content) : m.Content;
}

/// <summary>Server frames, serialised once per broadcast.</summary>
public static class Frames
{
    public static string Wire(MessageType type) => type switch
    {
        MessageType.Text => "text",
        MessageType.ImageRef => "image_ref",
        MessageType.FileRef => "file_ref",
        MessageType.IncidentData => "incident_data",
        _ => "system",
    };

    public static bool TryParse(string? wire, out MessageType type)
    {
        foreach (var candidate in Enum.GetValues<MessageType>())
        {
            if (Wire(candidate) == wire)
            {
                type = candidate;
                return true;
            }
        }

        type = default;
        return false;
    }

    private static readonly IReadOnlyDictionary<string, ReactionSummary> NoReactions = System.Collections.ObjectModel.ReadOnlyDictionary<string, ReactionSummary>.Empty;

    /// <summary>Reactions by emoji; most messages have none and share one empty map.</summary>
    public static IReadOnlyDictionary<string, ReactionSummary> Summarise(IEnumerable<Reaction> reactions) =>
        !reactions.Any() ? NoReactions : reactions.GroupBy(r => r.Emoji, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => new ReactionSummary(g.Count(), g.Select(r => r.UserId).Order(StringComparer.Ordinal).ToList()), StringComparer.Ordinal);

    public static byte[] Serialize(object frame) => JsonSerializer.SerializeToUtf8Bytes(frame, frame.GetType(), AndonJson.Options);

    public static byte[] Error(string code, string message, string? clientId = null) =>
        Serialize(new ErrorFrame("error", code, message, clientId));
}

public sealed record HelloFrame(string Type, Guid RoomId, string UserId, string Role, long LastSeq, IReadOnlyList<string> Online);

public sealed record ResyncFrame(string Type);

public sealed record AckFrame(string Type, string ClientId, Guid MessageId, long SequenceNumber, DateTimeOffset CreatedAt);

public sealed record MessageFrame(string Type, MessageDto Message);

public sealed record MessageEditedFrame(string Type, Guid MessageId, string Content, DateTimeOffset EditedAt, long Seq);

public sealed record MessageDeletedFrame(string Type, Guid MessageId, DateTimeOffset DeletedAt, long Seq);

public sealed record ReactionFrame(string Type, Guid MessageId, string UserId, string Emoji, IReadOnlyDictionary<string, ReactionSummary> Reactions, long Seq);

public sealed record SystemFrame(string Type, string Event, string? UserId, JsonElement Data, DateTimeOffset Timestamp, long? Seq);

public sealed record PresenceFrame(string Type, IReadOnlyList<string> Online);

public sealed record TypingFrame(string Type, string UserId, bool IsTyping);

public sealed record ErrorFrame(
    string Type,
    string Code,
    string Message,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? ClientId);
