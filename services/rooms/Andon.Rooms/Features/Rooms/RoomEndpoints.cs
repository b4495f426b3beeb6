using Andon.BuildingBlocks.Errors;
using Andon.BuildingBlocks.Outbox;
using Andon.Contracts;
using Andon.Rooms.Domain;
using Andon.Rooms.Infrastructure.Access;
using Andon.Rooms.Infrastructure.Persistence;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Andon.Rooms.Features.Rooms;

public sealed record UpdateRoomRequest(
    string? Title,
    string? Severity,
    string? Location,
    string? Line,
    string? Station,
    string? EquipmentId,
    string? Description,
    List<string>? Lots);

public sealed record ChangeStatusRequest(string? Status, string? ResolutionNotes, string? ReasonCode);

/// <summary>The rooms routes: create, list, get, edit, lifecycle, permanent delete.</summary>
public static class RoomEndpoints
{
    public static RouteGroupBuilder MapRoomEndpoints(this RouteGroupBuilder rooms)
    {
        ArgumentNullException.ThrowIfNull(rooms);
        rooms.MapPost("/", CreateRoom.Handle);
        rooms.MapGet("/", ListRooms.Handle);
        rooms.MapGet("/{id}", Get).RequiresRoom(RoomAction.View);
        rooms.MapPatch("/{id}", Update).RequiresRoom(RoomAction.Edit);
        rooms.MapPost("/{id}/status", ChangeStatus).RequiresRoom(RoomAction.ChangeStatus);
        rooms.MapDelete("/{id}/permanent", DeletePermanently).RequiresRoom(RoomAction.DeletePermanently);
        return rooms;
    }

    private static async Task<IResult> Get(HttpContext http, RoomsDb db, CancellationToken cancellationToken)
    {
        var access = RoomContext.Of(http);
        return TypedResults.Ok(await RoomResponse.LoadAsync(db, access.Room, access.UserId, cancellationToken));
    }

    private static async Task<IResult> Update(UpdateRoomRequest body, HttpContext http, RoomsDb db, TimeProvider clock, CancellationToken cancellationToken)
    {
        var access = RoomContext.Of(http);
        var room = access.Room;
        if (room.Status == RoomStatus.Archived)
        {
            return ApiProblem.Create(StatusCodes.Status409Conflict, ApiProblem.Conflict, "An archived room cannot be changed.");
        }

        var errors = new Dictionary<string, string[]>();
        if (body.Title is not null)
        {
            RoomFields.Title(body.Title, errors);
        }

        var severity = room.Severity;
        if (body.Severity is not null && !WireNames.TryParse(body.Severity, out severity))
        {
            errors["severity"] = [$"severity must be one of {WireNames.Allowed<Severity>()}."];
        }

        RoomFields.Details(body.Description, body.Location, body.Line, body.Station, body.EquipmentId, body.Lots, errors);
        if (errors.Count > 0)
        {
            return ApiProblem.Validation(errors);
        }

        var changed = new List<string>();
        void Set(string field, string? value, string current, Action<string> apply)
        {
            if (value is not null && !string.Equals(value, current, StringComparison.Ordinal))
            {
                apply(value);
                changed.Add(field);
            }
        }

        Set("title", body.Title?.Trim(), room.Title, v => room.Title = v);
        if (severity != room.Severity)
        {
            room.Severity = severity;
            changed.Add("severity");
        }

        Set("location", body.Location, room.Location ?? "", v => room.Location = RoomFields.Clean(v));
        Set("line", body.Line, room.Line ?? "", v => room.Line = RoomFields.Clean(v));
        Set("station", body.Station, room.Station ?? "", v => room.Station = RoomFields.Clean(v));
        Set("equipment_id", body.EquipmentId, room.EquipmentId ?? "", v => room.EquipmentId = RoomFields.Clean(v));
        Set("description", body.Description, room.Description ?? "", v => room.Description = RoomFields.Clean(v));
        if (body.Lots is not null && !body.Lots.Distinct().SequenceEqual(room.Lots))
        {
            room.Lots = body.Lots.Distinct().ToList();
            changed.Add("lots");
        }

        if (changed.Count > 0)
        {
            var now = clock.GetUtcNow();
            room.LastActivityAt = now;
            room.RefreshSearchText();
            db.AddIntegrationEvent(new RoomUpdated(
                Guid.NewGuid(), now, room.RoomId, room.Title, WireNames.Of(room.Severity), room.Location, room.Line, room.Station, room.EquipmentId, changed, access.UserId));
            await db.SaveChangesAsync(cancellationToken);
        }

        return TypedResults.Ok(await RoomResponse.LoadAsync(db, room, access.UserId, cancellationToken));
    }

    private static async Task<IResult> ChangeStatus(ChangeStatusRequest body, HttpContext http, RoomsDb db, TimeProvider clock, CancellationToken cancellationToken)
    {
        var access = RoomContext.Of(http);
        var room = access.Room;
        var errors = new Dictionary<string, string[]>();
        if (!WireNames.TryParse(body.Status, out RoomStatus next))
        {
            errors["status"] = [$"status must be one of {WireNames.Allowed<RoomStatus>()}."];
        }
        else if (next == RoomStatus.Resolved && string.IsNullOrWhiteSpace(body.ResolutionNotes))
        {
            errors["resolution_notes"] = ["Resolving a room needs resolution notes."];
        }

        RoomFields.Text("resolution_notes", body.ResolutionNotes, 5000, errors);
        RoomFields.Text("reason_code", body.ReasonCode, 100, errors);
        if (errors.Count > 0)
        {
            return ApiProblem.Validation(errors);
        }

        if (!room.CanMoveTo(next))
        {
            return ApiProblem.Create(StatusCodes.Status409Conflict, ApiProblem.Conflict,
                $"A room goes active → resolved → archived, one step at a time; it cannot go from {WireNames.Of(room.Status)} to {WireNames.Of(next)}.");
        }

        var now = clock.GetUtcNow();
        var old = room.Status;
        room.MoveTo(next, RoomFields.Clean(body.ResolutionNotes), RoomFields.Clean(body.ReasonCode), now);
        db.AddIntegrationEvent(new RoomStatusChanged(
            Guid.NewGuid(), now, room.RoomId, WireNames.Of(old), WireNames.Of(next), room.ResolutionNotes, room.ReasonCode, access.UserId));
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.Ok(await RoomResponse.LoadAsync(db, room, access.UserId, cancellationToken));
    }

    private static async Task<IResult> DeletePermanently(HttpContext http, RoomsDb db, TimeProvider clock, CancellationToken cancellationToken)
    {
        var access = RoomContext.Of(http);
        db.Rooms.Remove(access.Room);
        db.AddIntegrationEvent(new RoomDeleted(Guid.NewGuid(), clock.GetUtcNow(), access.Room.RoomId, access.UserId));
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.NoContent();
    }
}
