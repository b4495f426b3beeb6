using Andon.Identity.Domain;

namespace Andon.Identity.Features.Users;

/// <summary>The contract's <c>user</c>.</summary>
public sealed record UserResponse(string UserId, string DisplayName, string? JobTitle, string? Office, bool IsAdmin)
{
    public static UserResponse From(DirectoryUser u) => new(u.UserId, u.DisplayName, u.JobTitle, u.Office, u.IsAdmin);
}

public sealed record UserEnvelope(UserResponse User);

public sealed record UserList(IReadOnlyList<UserResponse> Items);
