using System.Security.Claims;
using Andon.BuildingBlocks.Auth;
using Andon.BuildingBlocks.Errors;
using Andon.Rooms.Domain;
using Andon.Rooms.Infrastructure.Persistence;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Andon.Rooms.Infrastructure.Access;

/// <summary>Endpoint metadata: what the endpoint does to the room named by its <c>{id}</c>.</summary>
public sealed record RoomAccessMetadata(RoomAction Action);

/// <summary>The room an endpoint acts on, with the caller's membership, once access was granted.</summary>
public sealed record RoomContext(Room Room, RoomMember? Membership, string UserId, bool IsAdmin)
{
    public RoomRole? Role => Membership?.Role;

    public static RoomContext Of(HttpContext context) =>
        context.Items[typeof(RoomContext)] as RoomContext ?? throw new InvalidOperationException("The endpoint has no room access filter.");
}

/// <summary>
/// Enforces <see cref="RoomPermissions"/> for every room endpoint in one place: 404 for an unknown
/// room (or an archived one, for a non-admin), 403 for a role that may not, and an audit entry when
/// an admin does what their own role would not allow.
/// </summary>
public static class RoomAccess
{
    public static RouteHandlerBuilder RequiresRoom(this RouteHandlerBuilder endpoint, RoomAction action) =>
        endpoint.WithMetadata(new RoomAccessMetadata(action)).AddEndpointFilter(async (context, next) =>
        {
            var http = context.HttpContext;
            var db = http.RequestServices.GetRequiredService<RoomsDb>();
            var user = http.User;
            if (!Guid.TryParse(http.GetRouteValue("id") as string, out var roomId))
            {
                return NotFound();
            }

            var room = await db.Rooms.FirstOrDefaultAsync(r => r.RoomId == roomId, http.RequestAborted);
            var isAdmin = user.IsAdmin();
            if (room is null || (room.Status == RoomStatus.Archived && !isAdmin))
            {
                return NotFound();
            }

            var userId = user.UserId();
            var membership = await db.Members.FirstOrDefaultAsync(m => m.RoomId == roomId && m.UserId == userId, http.RequestAborted);
            var actingOnSelf = string.Equals(http.GetRouteValue("user_id") as string, userId, StringComparison.OrdinalIgnoreCase);
            if (!RoomPermissions.Allows(action, membership?.Role, actingOnSelf))
            {
                if (!isAdmin)
                {
                    return ApiProblem.Create(StatusCodes.Status403Forbidden, ApiProblem.Forbidden, "Insufficient permissions.");
                }

                db.Audit.Add(new AuditEntry
                {
                    At = DateTimeOffset.UtcNow,
                    UserId = userId,
                    Action = $"{http.Request.Method} {action}",
                    RoomId = roomId,
                    Details = http.Request.Path,
                });
                await db.SaveChangesAsync(http.RequestAborted);
            }

            http.Items[typeof(RoomContext)] = new RoomContext(room, membership, userId, isAdmin);
            return await next(context);
        });

    /// <summary>Admin-only endpoints that are not about one room (template writes): audited too.</summary>
    public static RouteHandlerBuilder AuditedAdmin(this RouteHandlerBuilder endpoint, string action) =>
        endpoint.RequireAuthorization(AuthenticationSetup.AdminPolicy).AddEndpointFilter(async (context, next) =>
        {
            var http = context.HttpContext;
            var db = http.RequestServices.GetRequiredService<RoomsDb>();
            db.Audit.Add(new AuditEntry { At = DateTimeOffset.UtcNow, UserId = http.User.UserId(), Action = action, Details = http.Request.Path });
            await db.SaveChangesAsync(http.RequestAborted);
            return await next(context);
        });

    private static IResult NotFound() => ApiProblem.Create(StatusCodes.Status404NotFound, ApiProblem.NotFound, "Room not found.");
}
