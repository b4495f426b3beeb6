using System.Security.Claims;
using Andon.BuildingBlocks.Auth;
using Andon.BuildingBlocks.Errors;
using Andon.BuildingBlocks.Persistence;
using Andon.Rooms.Domain;
using Andon.Rooms.Infrastructure.Persistence;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace Andon.Rooms.Features.Rooms;

public sealed record RoomPage(IReadOnlyList<RoomResponse> Items, int Total, int Limit, int Offset);

/// <summary>
/// <c>GET /api/rooms</c>: filters combine; <c>search</c> is a case-insensitive substring of title,
/// description, location, equipment and lots (Chinese included); newest activity first; archived
/// rooms only for admins.
/// </summary>
internal static class ListRooms
{
    public static async Task<IResult> Handle(
        string? status,
        [FromQuery(Name = "incident_type")] string? incidentType,
        string? severity,
        string? search,
        [FromQuery(Name = "my_rooms")] bool? myRooms,
        int? limit,
        int? offset,
        ClaimsPrincipal user,
        RoomsDb db,
        CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        var take = limit ?? 20;
        var skip = offset ?? 0;
        if (take is < 1 or > 100)
        {
            errors["limit"] = ["limit must be between 1 and 100."];
        }

        if (skip < 0)
        {
            errors["offset"] = ["offset must be 0 or more."];
        }

        RoomStatus statusValue = default;
        if (status is not null && !WireNames.TryParse(status, out statusValue))
        {
            errors["status"] = [$"status must be one of {WireNames.Allowed<RoomStatus>()}."];
        }

        IncidentType typeValue = default;
        if (incidentType is not null && !WireNames.TryParse(incidentType, out typeValue))
        {
            errors["incident_type"] = [$"incident_type must be one of {WireNames.Allowed<IncidentType>()}."];
        }

        Severity severityValue = default;
        if (severity is not null && !WireNames.TryParse(severity, out severityValue))
        {
            errors["severity"] = [$"severity must be one of {WireNames.Allowed<Severity>()}."];
        }

        RoomFields.Text("search", search, 200, errors);
        if (search is not null && !LikePattern.IsSearchable(search))
        {
            errors["search"] = ["search must not contain NUL characters."];
        }

        if (errors.Count > 0)
        {
            return ApiProblem.Validation(errors);
        }

        var me = user.UserId();
        var rooms = db.Rooms.AsNoTracking();
        if (!user.IsAdmin())
        {
            rooms = rooms.Where(r => r.Status != RoomStatus.Archived);
        }

        if (status is not null)
        {
            rooms = rooms.Where(r => r.Status == statusValue);
        }

        if (incidentType is not null)
        {
            rooms = rooms.Where(r => r.IncidentType == typeValue);
        }

        if (severity is not null)
        {
            rooms = rooms.Where(r => r.Severity == severityValue);
        }

        if (myRooms == true)
        {
            rooms = rooms.Where(r => r.Members.Any(m => m.UserId == me));
        }

        if (!string.IsNullOrWhiteSpace(search))
        {
            var pattern = LikePattern.Containing(search);
            rooms = rooms.Where(r => EF.Functions.Like(r.SearchText, pattern, LikePattern.Escape));
        }

        var total = await rooms.CountAsync(cancellationToken);
        var page = await rooms
            .OrderByDescending(r => r.LastActivityAt)
            .ThenByDescending(r => r.RoomId)
            .Skip(skip)
            .Take(take)
            .Select(r => new
            {
                Room = r,
                Count = r.Members.Count,
                Mine = r.Members.Where(m => m.UserId == me).Select(m => (RoomRole?)m.Role).FirstOrDefault(),
            })
            .ToListAsync(cancellationToken);
        return TypedResults.Ok(new RoomPage(page.Select(p => RoomResponse.From(p.Room, p.Count, p.Mine)).ToList(), total, take, skip));
    }
}
