namespace Andon.Rooms.Domain;

/// <summary>An incident room and its lifecycle: active → resolved → archived, one way, no skipping.</summary>
public sealed class Room
{
    public Guid RoomId { get; set; }

    public required string Title { get; set; }

    public IncidentType IncidentType { get; set; }

    public Severity Severity { get; set; }

    public RoomStatus Status { get; set; }

    public string? Location { get; set; }

    public string? Line { get; set; }

    public string? Station { get; set; }

    public string? EquipmentId { get; set; }

    public string? Description { get; set; }

    public string? ResolutionNotes { get; set; }

    public string? ReasonCode { get; set; }

    public List<string> Lots { get; set; } = [];

    public required string CreatedBy { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset? ResolvedAt { get; set; }

    public DateTimeOffset? ArchivedAt { get; set; }

    public DateTimeOffset LastActivityAt { get; set; }

    /// <summary>The alarm that opened the room, and how often it was raised again while the room was active.</summary>
    public string? AlarmCode { get; set; }

    public int AlarmRepeatCount { get; set; }

    /// <summary>Lower-cased text of the searchable fields, matched by substring (works for Chinese without word breaking).</summary>
    public string SearchText { get; private set; } = "";

    public List<RoomMember> Members { get; set; } = [];

    public void RefreshSearchText() =>
        SearchText = string.Join('\n', new[] { Title, Description, Location, EquipmentId }.Concat(Lots).Where(s => !string.IsNullOrEmpty(s)))
            .ToLowerInvariant();

    /// <summary>Whether the lifecycle allows going from the current status to <paramref name="next"/>.</summary>
    public bool CanMoveTo(RoomStatus next) => (Status, next) is (RoomStatus.Active, RoomStatus.Resolved) or (RoomStatus.Resolved, RoomStatus.Archived);

    public void MoveTo(RoomStatus next, string? resolutionNotes, string? reasonCode, DateTimeOffset now)
    {
        if (!CanMoveTo(next))
        {
            throw new InvalidOperationException($"A room cannot go from {Status} to {next}.");
        }

        Status = next;
        if (next == RoomStatus.Resolved)
        {
            ResolutionNotes = resolutionNotes;
            ReasonCode = reasonCode;
            ResolvedAt = now;
        }
        else
        {
            ArchivedAt = now;
        }

        LastActivityAt = now;
    }
}

public sealed class RoomMember
{
    public Guid RoomId { get; set; }

    public required string UserId { get; set; }

    public RoomRole Role { get; set; }

    public required string AddedBy { get; set; }

    public DateTimeOffset AddedAt { get; set; }
}
