namespace Andon.Contracts;

/// <summary>A user signed in; other services may refresh their copy of the user's name.</summary>
public sealed record UserSignedIn(
    Guid EventId,
    DateTimeOffset OccurredAt,
    string UserId,
    string DisplayName,
    string? JobTitle,
    string? Office,
    string? Department,
    bool IsAdmin) : IIntegrationEvent;
