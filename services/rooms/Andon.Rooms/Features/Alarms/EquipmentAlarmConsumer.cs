using Andon.BuildingBlocks.Outbox;
using Andon.Contracts;
using Andon.Rooms.Domain;
using Andon.Rooms.Features.Rooms;
using Andon.Rooms.Infrastructure.Persistence;
using MassTransit;
using Microsoft.EntityFrameworkCore;

namespace Andon.Rooms.Features.Alarms;

/// <summary>
/// A plant-floor alarm opens an active room from the template of its incident type, with line,
/// station and equipment filled in — or, while a room for the same equipment and alarm code is still
/// active, counts as a repeat in that room. The readings go to the room as <c>IncidentDataReported</c>.
/// </summary>
public sealed class EquipmentAlarmConsumer(RoomsDb db, TimeProvider clock) : IConsumer<EquipmentAlarmRaised>
{
    public Task Consume(ConsumeContext<EquipmentAlarmRaised> context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return db.ProcessOnceAsync(context.Message.EventId, nameof(EquipmentAlarmConsumer), () => Handle(context.Message, context.CancellationToken), context.CancellationToken);
    }

    private async Task Handle(EquipmentAlarmRaised alarm, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var room = await db.Rooms.FirstOrDefaultAsync(
            r => r.Status == RoomStatus.Active && r.EquipmentId == alarm.EquipmentId && r.AlarmCode == alarm.AlarmCode, cancellationToken);
        if (room is not null)
        {
            room.AlarmRepeatCount++;
            room.LastActivityAt = now;
        }
        else
        {
            room = await OpenRoom(alarm, now, cancellationToken);
        }

        if (alarm.Data is { } data)
        {
            db.AddIntegrationEvent(new IncidentDataReported(Guid.NewGuid(), now, room.RoomId, alarm.EquipmentId, data, alarm.Source));
        }
    }

    private async Task<Room> OpenRoom(EquipmentAlarmRaised alarm, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var type = WireNames.TryParse(alarm.IncidentType ?? "equipment_failure", out IncidentType parsed) ? parsed : IncidentType.EquipmentFailure;
        var template = await db.Templates.FirstOrDefaultAsync(t => t.Name == WireNames.Of(type), cancellationToken);
        var severity = WireNames.TryParse(alarm.Severity, out Severity s) ? s : template?.DefaultSeverity ?? Severity.High;
        var title = string.IsNullOrWhiteSpace(alarm.Title) ? $"{alarm.EquipmentId} {alarm.AlarmCode}" : alarm.Title.Trim();
        var room = new Room
        {
            RoomId = Guid.CreateVersion7(),
            Title = title.Length > 200 ? title[..200] : title,
            IncidentType = type,
            Severity = severity,
            Status = RoomStatus.Active,
            Line = alarm.Line,
            Station = alarm.Station,
            EquipmentId = alarm.EquipmentId,
            AlarmCode = alarm.AlarmCode,
            Description = alarm.Description?.Length > 5000 ? alarm.Description[..5000] : alarm.Description,
            Location = string.Join(' ', new[] { alarm.Line, alarm.Station }.Where(p => !string.IsNullOrWhiteSpace(p))),
            CreatedBy = alarm.Source,
            CreatedAt = now,
            LastActivityAt = now,
        };
        foreach (var member in template?.DefaultMembers ?? [])
        {
            room.Members.Add(new RoomMember { RoomId = room.RoomId, UserId = member.UserId, Role = member.Role, AddedBy = alarm.Source, AddedAt = now });
        }

        room.RefreshSearchText();
        db.Rooms.Add(room);
        db.AddIntegrationEvent(CreateRoom.Created(room, now));
        return room;
    }
}
