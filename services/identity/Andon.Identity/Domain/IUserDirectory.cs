namespace Andon.Identity.Domain;

/// <summary>
/// The company directory (Active Directory through LDAP, or a static list for development).
/// Implementations throw <c>ServiceUnavailableException</c> when the directory cannot be reached,
/// so that an outage is never mistaken for a wrong password.
/// </summary>
public interface IUserDirectory
{
    /// <summary>The enabled user whose login name matches and whose password is right; otherwise null.</summary>
    Task<DirectoryUser?> AuthenticateAsync(string login, string password, CancellationToken cancellationToken);

    /// <summary>The enabled user with this id; null when the account is disabled or gone.</summary>
    Task<DirectoryUser?> FindAsync(string userId, CancellationToken cancellationToken);

    /// <summary>Enabled users whose name, e-mail or department contains <paramref name="term"/>.</summary>
    Task<IReadOnlyList<DirectoryUser>> SearchAsync(string? term, int limit, CancellationToken cancellationToken);

    /// <summary>Throws when the directory cannot be reached.</summary>
    Task CheckAsync(CancellationToken cancellationToken);
}
