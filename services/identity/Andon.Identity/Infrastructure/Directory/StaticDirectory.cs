using System.Security.Cryptography;
using System.Text;
using Andon.Identity.Domain;
using Microsoft.Extensions.Options;

namespace Andon.Identity.Infrastructure.Directory;

/// <summary>The development directory: accounts from configuration, compared in constant time.</summary>
internal sealed class StaticDirectory(IOptionsMonitor<DirectoryOptions> options, IOptionsMonitor<IdentityOptions> identity) : IUserDirectory
{
    private IEnumerable<StaticUser> Enabled => options.CurrentValue.Static.Users.Where(u => !u.Disabled);

    public Task<DirectoryUser?> AuthenticateAsync(string login, string password, CancellationToken cancellationToken)
    {
        var user = Enabled.FirstOrDefault(u => string.Equals(u.UserId, login.Trim(), StringComparison.OrdinalIgnoreCase));
        var expected = Encoding.UTF8.GetBytes(user?.Password ?? Guid.NewGuid().ToString());
        var matches = CryptographicOperations.FixedTimeEquals(expected, Encoding.UTF8.GetBytes(password));
        return Task.FromResult(user is not null && matches ? ToDirectoryUser(user) : null);
    }

    public Task<DirectoryUser?> FindAsync(string userId, CancellationToken cancellationToken) =>
        Task.FromResult(Enabled.Where(u => string.Equals(u.UserId, userId, StringComparison.OrdinalIgnoreCase)).Select(ToDirectoryUser).FirstOrDefault());

    public Task<IReadOnlyList<DirectoryUser>> SearchAsync(string? term, int limit, CancellationToken cancellationToken)
    {
        IReadOnlyList<DirectoryUser> found = Enabled
            .Where(u => string.IsNullOrWhiteSpace(term) || Contains(u.DisplayName, term) || Contains(u.UserId, term) || Contains(u.Department, term))
            .OrderBy(u => u.UserId, StringComparer.Ordinal)
            .Take(limit)
            .Select(ToDirectoryUser)
            .ToList();
        return Task.FromResult(found);
    }

    public Task CheckAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private static bool Contains(string? value, string term) => value?.Contains(term.Trim(), StringComparison.OrdinalIgnoreCase) == true;

    private DirectoryUser ToDirectoryUser(StaticUser u)
    {
        var id = u.UserId.ToLowerInvariant();
        return new DirectoryUser(id, u.DisplayName, u.JobTitle, u.Office, u.Department, u.IsAdmin || identity.CurrentValue.IsAdmin(id));
    }
}
