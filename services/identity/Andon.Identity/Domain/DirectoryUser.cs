namespace Andon.Identity.Domain;

/// <summary>A person as the company directory describes them. <see cref="UserId"/> is their lower-case e-mail address.</summary>
public sealed record DirectoryUser(
    string UserId,
    string DisplayName,
    string? JobTitle,
    string? Office,
    string? Department,
    bool IsAdmin);
