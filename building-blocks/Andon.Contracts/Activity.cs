using System.Text.Json;

namespace Andon.Contracts;

/// <summary>A message was stored in a room (published by messaging).</summary>
public sealed record MessagePosted(
    Guid EventId,
    DateTimeOffset OccurredAt,
    Guid RoomId,
    Guid MessageId,
    long SequenceNumber,
    string SenderId,
    string MessageType) : IIntegrationEvent;

/// <summary>A file was stored for a room (published by files).</summary>
public sealed record FileUploaded(
    Guid EventId,
    DateTimeOffset OccurredAt,
    Guid RoomId,
    Guid FileId,
    string Filename,
    string Kind,
    string UploadedBy,
    string? UploadedByName = null) : IIntegrationEvent;

/// <summary>A file was deleted (soft) from a room (published by files).</summary>
public sealed record FileDeleted(Guid EventId, DateTimeOffset OccurredAt, Guid RoomId, Guid FileId, string DeletedBy) : IIntegrationEvent;

/// <summary>
/// A plant-floor system raised an alarm. Rooms opens an active room for the equipment and alarm code,
/// or records a repeat in the one still active.
/// </summary>
public sealed record EquipmentAlarmRaised(
    Guid EventId,
    DateTimeOffset OccurredAt,
    string Source,
    string? Line,
    string? Station,
    string EquipmentId,
    string AlarmCode,
    string Severity,
    string Title,
    string? Description,
    JsonElement? Data,
    string? IncidentType = null) : IIntegrationEvent;

/// <summary>Readings for a room (by id, or the active room of an equipment); messaging posts them as an incident_data message.</summary>
public sealed record IncidentDataReported(
    Guid EventId,
    DateTimeOffset OccurredAt,
    Guid? RoomId,
    string? EquipmentId,
    JsonElement Data,
    string Source) : IIntegrationEvent;

/// <summary>A message's text was edited (published by messaging).</summary>
public sealed record MessageEdited(Guid EventId, DateTimeOffset OccurredAt, Guid RoomId, Guid MessageId, long Seq, string EditedBy) : IIntegrationEvent;

/// <summary>A message was deleted; its content is withheld from then on (published by messaging).</summary>
public sealed record MessageDeleted(Guid EventId, DateTimeOffset OccurredAt, Guid RoomId, Guid MessageId, long Seq, string DeletedBy) : IIntegrationEvent;
