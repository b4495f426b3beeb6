using Andon.BuildingBlocks.Errors;
using Andon.BuildingBlocks.Outbox;
using Andon.Contracts;
using Andon.Rooms.Domain;
using Andon.Rooms.Features.Rooms;
using Andon.Rooms.Infrastructure.Access;
using Andon.Rooms.Infrastructure.Persistence;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;

namespace Andon.Rooms.Features.Members;

public sealed record MemberResponse(string UserId, string DisplayName, string Role, string AddedBy, DateTimeOffset AddedAt);

public sealed record AddMemberRequest(string? UserId, string? Role);

public sealed record ChangeRoleRequest(string? Role);

public sealed record TransferOwnershipRequest(string? NewOwnerId);

/// <summary>Members and roles: list, add, change role, remove or leave, join as viewer, transfer ownership.</summary>
public static class MemberEndpoints
{
    public static RouteGroupBuilder MapMemberEndpoints(this RouteGroupBuilder rooms)
    {
        ArgumentNullException.ThrowIfNull(rooms);
        rooms.MapGet("/{id}/members", List).RequiresRoom(RoomAction.ReadMembers);
        rooms.MapPost("/{id}/members", Add).RequiresRoom(RoomAction.ManageMembers);
        rooms.MapPatch("/{id}/members/{user_id}", ChangeRole).RequiresRoom(RoomAction.ManageMembers);
        rooms.MapDelete("/{id}/members/{user_id}", Remove).RequiresRoom(RoomAction.RemoveMember);
        rooms.MapPost("/{id}/join", Join).RequiresRoom(RoomAction.Join);
        rooms.MapPost("/{id}/transfer-ownership", Transfer).RequiresRoom(RoomAction.TransferOwnership);
        return rooms;
    }

    private static async Task<IResult> List(HttpContext http, RoomsDb db, CancellationToken cancellationToken)
    {
        var roomId = RoomContext.Of(http).Room.RoomId;
        var members = await db.Members.AsNoTracking().Where(m => m.RoomId == roomId).OrderBy(m => m.AddedAt).ThenBy(m => m.UserId).ToListAsync(cancellationToken);
        var ids = members.Select(m => m.UserId).ToList();
        var names = await db.KnownUsers.AsNoTracking().Where(u => ids.Contains(u.UserId)).ToDictionaryAsync(u => u.UserId, u => u.DisplayName, cancellationToken);
        return TypedResults.Ok(members.Select(m => ToResponse(m, names.GetValueOrDefault(m.UserId))).ToList());
    }

    private static async Task<IResult> Add(AddMemberRequest body, HttpContext http, RoomsDb db, TimeProvider clock, CancellationToken cancellationToken)
    {
        var access = RoomContext.Of(http);
        var errors = new Dictionary<string, string[]>();
        var userId = body.UserId?.Trim().ToLowerInvariant();
        if (string.IsNullOrEmpty(userId) || userId.Length > 320 || !userId.Contains('@', StringComparison.Ordinal))
        {
            errors["user_id"] = ["user_id must be the member's e-mail address."];
        }

        if (!TryMemberRole(body.Role, out var role))
        {
            errors["role"] = ["role must be editor or viewer; the owner changes only through transfer-ownership."];
        }

        if (errors.Count > 0)
        {
            return ApiProblem.Validation(errors);
        }

        if (await db.Members.AnyAsync(m => m.RoomId == access.Room.RoomId && m.UserId == userId, cancellationToken))
        {
            return ApiProblem.Create(StatusCodes.Status409Conflict, ApiProblem.Conflict, $"{userId} is already a member.");
        }

        var now = clock.GetUtcNow();
        var member = new RoomMember { RoomId = access.Room.RoomId, UserId = userId!, Role = role, AddedBy = access.UserId, AddedAt = now };
        db.Members.Add(member);
        access.Room.LastActivityAt = now;
        db.AddIntegrationEvent(new MemberAdded(Guid.NewGuid(), now, member.RoomId, member.UserId, WireNames.Of(role), access.UserId));
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.Created($"/api/rooms/{member.RoomId}/members/{member.UserId}", ToResponse(member, await NameOf(db, member.UserId, cancellationToken)));
    }

    private static async Task<IResult> ChangeRole([FromRoute(Name = "user_id")] string userId, ChangeRoleRequest body, HttpContext http, RoomsDb db, TimeProvider clock, CancellationToken cancellationToken)
    {
        var access = RoomContext.Of(http);
        if (!TryMemberRole(body.Role, out var role))
        {
            return ApiProblem.Validation("role", "role must be editor or viewer; the owner changes only through transfer-ownership.");
        }

        var member = await FindMember(db, access.Room.RoomId, userId, cancellationToken);
        if (member is null)
        {
            return MemberNotFound();
        }

        if (member.Role == RoomRole.Owner)
        {
            return ApiProblem.Create(StatusCodes.Status409Conflict, ApiProblem.Conflict, "The owner's role changes only through transfer-ownership.");
        }

        if (member.Role != role)
        {
            var now = clock.GetUtcNow();
            var old = member.Role;
            member.Role = role;
            db.AddIntegrationEvent(new MemberRoleChanged(Guid.NewGuid(), now, member.RoomId, member.UserId, WireNames.Of(old), WireNames.Of(role), access.UserId));
            await db.SaveChangesAsync(cancellationToken);
        }

        return TypedResults.Ok(ToResponse(member, await NameOf(db, member.UserId, cancellationToken)));
    }

    private static async Task<IResult> Remove([FromRoute(Name = "user_id")] string userId, HttpContext http, RoomsDb db, TimeProvider clock, CancellationToken cancellationToken)
    {
        var access = RoomContext.Of(http);
        var member = await FindMember(db, access.Room.RoomId, userId, cancellationToken);
        if (member is null)
        {
            return MemberNotFound();
        }

        if (member.Role == RoomRole.Owner)
        {
            return ApiProblem.Create(StatusCodes.Status409Conflict, ApiProblem.Conflict, "The owner cannot leave or be removed; transfer ownership first.");
        }

        var now = clock.GetUtcNow();
        db.Members.Remove(member);
        access.Room.LastActivityAt = now;
        db.AddIntegrationEvent(new MemberRemoved(Guid.NewGuid(), now, member.RoomId, member.UserId, access.UserId));
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.NoContent();
    }

    private static async Task<IResult> Join(HttpContext http, RoomsDb db, TimeProvider clock, CancellationToken cancellationToken)
    {
        var access = RoomContext.Of(http);
        if (access.Membership is not null)
        {
            return ApiProblem.Create(StatusCodes.Status409Conflict, ApiProblem.Conflict, "You are already a member of this room.");
        }

        if (access.Room.Status == RoomStatus.Archived)
        {
            return ApiProblem.Validation("room_id", "An archived room cannot be joined.");
        }

        var now = clock.GetUtcNow();
        var member = new RoomMember { RoomId = access.Room.RoomId, UserId = access.UserId, Role = RoomRole.Viewer, AddedBy = access.UserId, AddedAt = now };
        db.Members.Add(member);
        access.Room.LastActivityAt = now;
        db.AddIntegrationEvent(new MemberAdded(Guid.NewGuid(), now, member.RoomId, member.UserId, WireNames.Of(RoomRole.Viewer), access.UserId));
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.Created($"/api/rooms/{member.RoomId}/members/{member.UserId}", ToResponse(member, await NameOf(db, member.UserId, cancellationToken)));
    }

    private static async Task<IResult> Transfer(TransferOwnershipRequest body, HttpContext http, RoomsDb db, TimeProvider clock, CancellationToken cancellationToken)
    {
        var access = RoomContext.Of(http);
        var newOwnerId = body.NewOwnerId?.Trim().ToLowerInvariant();
        var newOwner = string.IsNullOrEmpty(newOwnerId) ? null : await FindMember(db, access.Room.RoomId, newOwnerId, cancellationToken);
        if (newOwner is null)
        {
            return ApiProblem.Validation("new_owner_id", "The new owner must be a member of the room.");
        }

        var owner = await db.Members.FirstOrDefaultAsync(m => m.RoomId == access.Room.RoomId && m.Role == RoomRole.Owner, cancellationToken);
        if (owner is not null && owner.UserId == newOwner.UserId)
        {
            return TypedResults.Ok(await RoomResponse.LoadAsync(db, access.Room, access.UserId, cancellationToken));
        }

        var now = clock.GetUtcNow();
        if (owner is not null)
        {
            owner.Role = RoomRole.Editor;
        }

        newOwner.Role = RoomRole.Owner;
        access.Room.LastActivityAt = now;
        db.AddIntegrationEvent(new OwnershipTransferred(Guid.NewGuid(), now, access.Room.RoomId, owner?.UserId ?? access.UserId, newOwner.UserId));
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.Ok(await RoomResponse.LoadAsync(db, access.Room, access.UserId, cancellationToken));
    }

    private static bool TryMemberRole(string? wire, out RoomRole role) =>
        WireNames.TryParse(wire, out role) && role != RoomRole.Owner;

    private static Task<RoomMember?> FindMember(RoomsDb db, Guid roomId, string userId, CancellationToken cancellationToken)
    {
        var id = userId.Trim().ToLowerInvariant();
        return db.Members.FirstOrDefaultAsync(m => m.RoomId == roomId && m.UserId == id, cancellationToken);
    }

    private static async Task<string?> NameOf(RoomsDb db, string userId, CancellationToken cancellationToken) =>
        (await db.KnownUsers.FindAsync([userId], cancellationToken))?.DisplayName;

    private static MemberResponse ToResponse(RoomMember m, string? displayName) =>
        new(m.UserId, displayName ?? m.UserId, WireNames.Of(m.Role), m.AddedBy, m.AddedAt);

    private static IResult MemberNotFound() => ApiProblem.Create(StatusCodes.Status404NotFound, ApiProblem.NotFound, "No such member in this room.");
}
