using System.Security.Claims;
using Andon.BuildingBlocks.Auth;
using Andon.BuildingBlocks.Errors;
using Andon.Identity.Domain;
using Andon.Identity.Infrastructure.Persistence;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;

namespace Andon.Identity.Features.Users;

/// <summary>
/// <c>GET /api/users?search=&amp;limit=</c> searches the directory (for adding members and @mentions);
/// while the directory is down it answers from the users who have signed in. <c>GET /api/users/me</c>
/// is the caller.
/// </summary>
public static class UsersEndpoints
{
    public static IEndpointRouteBuilder MapUsersEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/users").RequireAuthorization().WithTags("Users");
        group.MapGet("/", Search);
        group.MapGet("/me", Me);
        return app;
    }

    private static async Task<IResult> Search(string? search, int? limit, IUserDirectory directory, IdentityDb db, CancellationToken cancellationToken)
    {
        var take = limit ?? 20;
        if (take is < 1 or > 100)
        {
            return ApiProblem.Validation("limit", "limit must be between 1 and 100.");
        }

        if (search?.Length > 100)
        {
            return ApiProblem.Validation("search", "search must be at most 100 characters.");
        }

        IReadOnlyList<DirectoryUser> found;
        try
        {
            found = await directory.SearchAsync(search, take, cancellationToken);
        }
        catch (ServiceUnavailableException)
        {
            found = await SearchSignedInUsers(db, search, take, cancellationToken);
        }

        return TypedResults.Ok(new UserList(found.Select(UserResponse.From).ToList()));
    }

    private static async Task<IReadOnlyList<DirectoryUser>> SearchSignedInUsers(IdentityDb db, string? search, int take, CancellationToken cancellationToken)
    {
        var term = search?.Trim() ?? "";
        var users = await db.Users.AsNoTracking().OrderBy(u => u.UserId).ToListAsync(cancellationToken);
        return users
            .Where(u => term.Length == 0
                || u.DisplayName.Contains(term, StringComparison.OrdinalIgnoreCase)
                || u.UserId.Contains(term, StringComparison.OrdinalIgnoreCase)
                || (u.Department?.Contains(term, StringComparison.OrdinalIgnoreCase) ?? false))
            .Take(take)
            .Select(u => u.ToDirectoryUser())
            .ToList();
    }

    private static async Task<Ok<UserEnvelope>> Me(ClaimsPrincipal principal, IdentityDb db, CancellationToken cancellationToken)
    {
        var userId = principal.UserId();
        var user = await db.Users.AsNoTracking().FirstOrDefaultAsync(u => u.UserId == userId, cancellationToken);
        var response = user is not null
            ? UserResponse.From(user.ToDirectoryUser())
            : new UserResponse(userId, principal.DisplayName(), null, null, principal.IsAdmin());
        return TypedResults.Ok(new UserEnvelope(response));
    }
}
