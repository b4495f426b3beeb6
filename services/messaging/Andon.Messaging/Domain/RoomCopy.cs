namespace Andon.Messaging.Domain;

/// <summary>Messaging's own copy of a room, fed by rooms' events: sends never wait on a call to rooms.</summary>
public sealed class RoomCopy
{
    public Guid RoomId { get; set; }

    public required string Title { get; set; }

    /// <summary><c>active</c>, <c>resolved</c> or <c>archived</c>.</summary>
    public required string Status { get; set; }

    public string? EquipmentId { get; set; }
}

public sealed class MemberCopy
{
    public Guid RoomId { get; set; }

    public required string UserId { get; set; }

    /// <summary><c>owner</c>, <c>editor</c> or <c>viewer</c>.</summary>
    public required string Role { get; set; }

    public bool CanSend => Role is "owner" or "editor";
}
