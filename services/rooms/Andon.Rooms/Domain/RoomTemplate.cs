namespace Andon.Rooms.Domain;

/// <summary>Defaults for new rooms of a kind: severity, the people to bring in, the fields to ask for.</summary>
public sealed class RoomTemplate
{
    public required string Name { get; set; }

    public string? Description { get; set; }

    public IncidentType IncidentType { get; set; }

    public Severity DefaultSeverity { get; set; }

    public List<TemplateMember> DefaultMembers { get; set; } = [];

    public List<string> MetadataFields { get; set; } = [];
}

public sealed record TemplateMember(string UserId, RoomRole Role);

/// <summary>A record of what an admin did, kept for the audit trail.</summary>
public sealed class AuditEntry
{
    public long Id { get; set; }

    public DateTimeOffset At { get; set; }

    public required string UserId { get; set; }

    public required string Action { get; set; }

    public Guid? RoomId { get; set; }

    public string? Details { get; set; }
}

/// <summary>A user's name as identity last announced it, for member lists.</summary>
public sealed class KnownUser
{
    public required string UserId { get; set; }

    public required string DisplayName { get; set; }
}
