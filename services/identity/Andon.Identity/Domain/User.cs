namespace Andon.Identity.Domain;

/// <summary>The local copy of a directory user, written at each sign-in.</summary>
public sealed class User
{
    public required string UserId { get; set; }

    public required string DisplayName { get; set; }

    public string? JobTitle { get; set; }

    public string? Office { get; set; }

    public string? Department { get; set; }

    public bool IsAdmin { get; set; }

    public DateTimeOffset LastSignInAt { get; set; }

    public void UpdateFrom(DirectoryUser person, DateTimeOffset signedInAt)
    {
        ArgumentNullException.ThrowIfNull(person);
        DisplayName = person.DisplayName;
        JobTitle = person.JobTitle;
        Office = person.Office;
        Department = person.Department;
        IsAdmin = person.IsAdmin;
        LastSignInAt = signedInAt;
    }

    public DirectoryUser ToDirectoryUser() => new(UserId, DisplayName, JobTitle, Office, Department, IsAdmin);
}
