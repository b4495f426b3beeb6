using System.Security.Claims;

namespace Andon.BuildingBlocks.Auth;

/// <summary>The claims Andon's access tokens carry, and how endpoints read them.</summary>
public static class AndonClaims
{
    public const string Subject = "sub";
    public const string Name = "name";
    public const string Role = "role";
    public const string AdminRole = "admin";
    public const string JobTitle = "job_title";
    public const string Office = "office";

    /// <summary>The user's id (their lower-case e-mail address), or a client's id for client-credentials tokens.</summary>
    public static string UserId(this ClaimsPrincipal principal)
    {
        ArgumentNullException.ThrowIfNull(principal);
        return principal.FindFirst(Subject)?.Value ?? throw new InvalidOperationException("The principal has no subject.");
    }

    public static string DisplayName(this ClaimsPrincipal principal)
    {
        ArgumentNullException.ThrowIfNull(principal);
        return principal.FindFirst(Name)?.Value ?? principal.UserId();
    }

    public static bool IsAdmin(this ClaimsPrincipal principal)
    {
        ArgumentNullException.ThrowIfNull(principal);
        return principal.HasClaim(Role, AdminRole);
    }
}
