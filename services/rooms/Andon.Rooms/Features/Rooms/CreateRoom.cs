using System.Security.Claims;
using Andon.BuildingBlocks.Auth;
using Andon.BuildingBlocks.Errors;
using Andon.BuildingBlocks.Outbox;
using Andon.Contracts;
using Andon.Rooms.Domain;
using Andon.Rooms.Infrastructure.Persistence;
using Microsoft.AspNetCore.Http;

namespace Andon.Rooms.Features.Rooms;

public sealed record CreateRoomRequest(
    string? Title,
    string? IncidentType,
    string? Severity,
    string? Location,
    string? Line,
    string? Station,
    string? EquipmentId,
    string? Description,
    List<string>? Lots,
    string? Template);

/// <summary><c>POST /api/rooms</c>: any user opens a room and owns it; a template brings its defaults and default members.</summary>
internal static class CreateRoom
{
    public static async Task<IResult> Handle(CreateRoomRequest body, ClaimsPrincipal user, RoomsDb db, TimeProvider clock, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        RoomTemplate? template = null;
        if (!string.IsNullOrWhiteSpace(body.Template))
        {
            template = await db.Templates.FindAsync([body.Template.Trim()], cancellationToken);
            if (template is null)
            {
                errors["template"] = [$"There is no template '{body.Template}'."];
            }
        }

        RoomFields.Title(body.Title, errors);
        var incidentType = template?.IncidentType ?? Domain.IncidentType.Other;
        if (body.IncidentType is not null && !WireNames.TryParse(body.IncidentType, out incidentType))
        {
            errors["incident_type"] = [$"incident_type must be one of {WireNames.Allowed<IncidentType>()}."];
        }
        else if (body.IncidentType is null && template is null)
        {
            errors["incident_type"] = [$"incident_type is required: one of {WireNames.Allowed<IncidentType>()}."];
        }

        var severity = template?.DefaultSeverity ?? Domain.Severity.Medium;
        if (body.Severity is not null && !WireNames.TryParse(body.Severity, out severity))
        {
            errors["severity"] = [$"severity must be one of {WireNames.Allowed<Severity>()}."];
        }
        else if (body.Severity is null && template is null)
        {
            errors["severity"] = [$"severity is required: one of {WireNames.Allowed<Severity>()}."];
        }

        RoomFields.Details(body.Description, body.Location, body.Line, body.Station, body.EquipmentId, body.Lots, errors);
        if (errors.Count > 0)
        {
            return ApiProblem.Validation(errors);
        }

        var now = clock.GetUtcNow();
        var creator = user.UserId();
        var room = new Room
        {
            RoomId = Guid.CreateVersion7(),
            Title = body.Title!.Trim(),
            IncidentType = incidentType,
            Severity = severity,
            Status = RoomStatus.Active,
            Location = RoomFields.Clean(body.Location),
            Line = RoomFields.Clean(body.Line),
            Station = RoomFields.Clean(body.Station),
            EquipmentId = RoomFields.Clean(body.EquipmentId),
            Description = RoomFields.Clean(body.Description),
            Lots = body.Lots?.Distinct().ToList() ?? [],
            CreatedBy = creator,
            CreatedAt = now,
            LastActivityAt = now,
        };
        room.Members.Add(new RoomMember { RoomId = room.RoomId, UserId = creator, Role = RoomRole.Owner, AddedBy = creator, AddedAt = now });
        foreach (var member in template?.DefaultMembers.Where(m => m.UserId != creator) ?? [])
        {
            // The creator owns the room; a template's "owner" joins as an editor.
            var role = member.Role == RoomRole.Owner ? RoomRole.Editor : member.Role;
            room.Members.Add(new RoomMember { RoomId = room.RoomId, UserId = member.UserId, Role = role, AddedBy = creator, AddedAt = now });
        }

        room.RefreshSearchText();
        db.Rooms.Add(room);
        db.AddIntegrationEvent(Created(room, now));
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.Created($"/api/rooms/{room.RoomId}", RoomResponse.From(room, room.Members.Count, RoomRole.Owner));
    }

    public static RoomCreated Created(Room room, DateTimeOffset now) => new(
        Guid.NewGuid(), now, room.RoomId, room.Title, WireNames.Of(room.IncidentType), WireNames.Of(room.Severity), WireNames.Of(room.Status),
        room.Line, room.Station, room.EquipmentId, room.CreatedBy,
        room.Members.Select(m => new RoomMemberInfo(m.UserId, WireNames.Of(m.Role))).ToList());
}
