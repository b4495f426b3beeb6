namespace Andon.Contracts;

/// <summary>A member as rooms' events carry them: <c>role</c> is <c>owner</c>, <c>editor</c> or <c>viewer</c>.</summary>
public sealed record RoomMemberInfo(string UserId, string Role);

public sealed record RoomCreated(
    Guid EventId,
    DateTimeOffset OccurredAt,
    Guid RoomId,
    string Title,
    string IncidentType,
    string Severity,
    string Status,
    string? Line,
    string? Station,
    string? EquipmentId,
    string CreatedBy,
    IReadOnlyList<RoomMemberInfo> Members) : IIntegrationEvent;

public sealed record RoomUpdated(
    Guid EventId,
    DateTimeOffset OccurredAt,
    Guid RoomId,
    string Title,
    string Severity,
    string? Location,
    string? Line,
    string? Station,
    string? EquipmentId,
    IReadOnlyList<string> ChangedFields,
    string UpdatedBy) : IIntegrationEvent;

public sealed record RoomStatusChanged(
    Guid EventId,
    DateTimeOffset OccurredAt,
    Guid RoomId,
    string OldStatus,
    string NewStatus,
    string? ResolutionNotes,
    string? ReasonCode,
    string ChangedBy) : IIntegrationEvent;

public sealed record RoomDeleted(Guid EventId, DateTimeOffset OccurredAt, Guid RoomId, string DeletedBy) : IIntegrationEvent;

public sealed record MemberAdded(Guid EventId, DateTimeOffset OccurredAt, Guid RoomId, string UserId, string Role, string AddedBy) : IIntegrationEvent;

public sealed record MemberRoleChanged(Guid EventId, DateTimeOffset OccurredAt, Guid RoomId, string UserId, string OldRole, string NewRole, string ChangedBy) : IIntegrationEvent;

public sealed record MemberRemoved(Guid EventId, DateTimeOffset OccurredAt, Guid RoomId, string UserId, string RemovedBy) : IIntegrationEvent;

public sealed record OwnershipTransferred(Guid EventId, DateTimeOffset OccurredAt, Guid RoomId, string PreviousOwnerId, string NewOwnerId) : IIntegrationEvent;
