namespace Andon.Messaging.Domain;

public enum MessageType
{
    Text,
    ImageRef,
    FileRef,
    IncidentData,
    System,
}

/// <summary>A message in a room. Content is stored as sent; for <c>incident_data</c> it is the JSON text of the readings.</summary>
public sealed class Message
{
    public Guid MessageId { get; set; }

    public Guid RoomId { get; set; }

    public long SequenceNumber { get; set; }

    public required string SenderId { get; set; }

    public required string SenderName { get; set; }

    public MessageType MessageType { get; set; }

    public required string Content { get; set; }

    public List<string> Mentions { get; set; } = [];

    public Guid? FileId { get; set; }

    public string? Metadata { get; set; }

    /// <summary>The sender's id for this send; a retry with the same id stores nothing new.</summary>
    public string? ClientId { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset? EditedAt { get; set; }

    public DateTimeOffset? DeletedAt { get; set; }

    /// <summary>Lower-cased searchable text (empty for readings), matched by substring so Chinese needs no word breaking.</summary>
    public string SearchText { get; private set; } = "";

    public void SetContent(string content)
    {
        Content = content;
        SearchText = MessageType == MessageType.IncidentData ? "" : content.ToLowerInvariant();
    }

    /// <summary>Edits are allowed to the sender for this long after sending.</summary>
    public static readonly TimeSpan EditWindow = TimeSpan.FromMinutes(15);
}

/// <summary>The text a message had before an edit.</summary>
public sealed class MessageEdit
{
    public long Id { get; set; }

    public Guid MessageId { get; set; }

    public required string PreviousContent { get; set; }

    public DateTimeOffset EditedAt { get; set; }

    public required string EditedBy { get; set; }
}

/// <summary>One reaction per user per emoji.</summary>
public sealed class Reaction
{
    public Guid MessageId { get; set; }

    public required string UserId { get; set; }

    public required string Emoji { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
}

/// <summary>
/// Every persisted event of a room, in its sequence: the frame clients received, kept so that a
/// client resuming with <c>last_seq</c> gets exactly what it missed.
/// </summary>
public sealed class RoomEvent
{
    public Guid RoomId { get; set; }

    public long Seq { get; set; }

    public required string Frame { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
}

/// <summary>The room's one gap-free counter.</summary>
public sealed class RoomCounter
{
    public Guid RoomId { get; set; }

    public long LastSeq { get; set; }
}
