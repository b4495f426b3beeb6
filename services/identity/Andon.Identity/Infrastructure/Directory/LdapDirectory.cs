using System.DirectoryServices.Protocols;
using System.Net;
using System.Text;
using Andon.BuildingBlocks.Errors;
using Andon.Identity.Domain;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Andon.Identity.Infrastructure.Directory;

/// <summary>
/// Active Directory (or any LDAP v3 server): a service account finds the person by one of the
/// login attributes, then a bind with the person's own DN checks the password. The admin group is
/// read from <c>memberOf</c> when the server keeps it (AD), else by asking the group for the member.
/// </summary>
internal sealed class LdapDirectory(
    IOptionsMonitor<DirectoryOptions> directoryOptions,
    IOptionsMonitor<IdentityOptions> identityOptions,
    ILogger<LdapDirectory> logger) : IUserDirectory
{
    private const int InvalidCredentials = 49;

    private LdapOptions Options => directoryOptions.CurrentValue.Ldap;

    public Task<DirectoryUser?> AuthenticateAsync(string login, string password, CancellationToken cancellationToken) =>
        Run(() =>
        {
            // An empty password would be an anonymous bind, which LDAP servers accept: never a sign-in.
            if (string.IsNullOrWhiteSpace(login) || string.IsNullOrEmpty(password))
            {
                return null;
            }

            using var connection = ServiceConnection();
            var filter = Or(Options.EffectiveLoginAttributes.Select(a => $"({a}={Escape(login.Trim())})"));
            var entry = FindOne(connection, filter);
            if (entry is null || !PasswordMatches(entry.DistinguishedName, password))
            {
                return null;
            }

            return ToUser(connection, entry);
        });

    public Task<DirectoryUser?> FindAsync(string userId, CancellationToken cancellationToken) =>
        Run(() =>
        {
            using var connection = ServiceConnection();
            var entry = FindOne(connection, $"({Options.UserIdAttribute}={Escape(userId)})");
            return entry is null ? null : ToUser(connection, entry);
        });

    public Task<IReadOnlyList<DirectoryUser>> SearchAsync(string? term, int limit, CancellationToken cancellationToken) =>
        Run<IReadOnlyList<DirectoryUser>>(() =>
        {
            using var connection = ServiceConnection();
            var match = string.IsNullOrWhiteSpace(term)
                ? ""
                : Or(new[] { Options.DisplayNameAttribute, Options.UserIdAttribute, Options.DepartmentAttribute }
                    .Select(a => $"({a}=*{Escape(term.Trim())}*)"));
            return Search(connection, match, limit)
                .Select(e => ToUser(connection, e))
                .Where(u => u is not null)
                .Select(u => u!)
                .OrderBy(u => u.DisplayName, StringComparer.Ordinal)
                .ToList();
        });

    public Task CheckAsync(CancellationToken cancellationToken) =>
        Run(() =>
        {
            using var connection = ServiceConnection();
            return true;
        });

    /// <summary>RFC 4515 escaping of a value placed in a search filter.</summary>
    internal static string Escape(string value)
    {
        var sb = new StringBuilder(value.Length);
        foreach (var c in value)
        {
            _ = c switch
            {
                '\\' => sb.Append(@"\5c"),
                '*' => sb.Append(@"\2a"),
                '(' => sb.Append(@"\28"),
                ')' => sb.Append(@"\29"),
                '\0' => sb.Append(@"\00"),
                _ => sb.Append(c),
            };
        }

        return sb.ToString();
    }

    private static string Or(IEnumerable<string> parts) => "(|" + string.Concat(parts) + ")";

    private Task<T> Run<T>(Func<T> work) => Task.Run(() =>
    {
        try
        {
            return work();
        }
        catch (LdapException ex)
        {
            logger.LogWarning(ex, "Directory {Host}:{Port} failed: {Code} {Message}", Options.Host, Options.Port, ex.ErrorCode, ex.Message);
            throw new ServiceUnavailableException("The company directory cannot be reached. Try again shortly.", ex);
        }
        catch (DirectoryOperationException ex)
        {
            logger.LogWarning(ex, "Directory operation failed: {Message}", ex.Message);
            throw new ServiceUnavailableException("The company directory did not answer as expected. Try again shortly.", ex);
        }
    });

    private LdapConnection Connect(NetworkCredential credential)
    {
        var options = Options;
        var connection = new LdapConnection(new LdapDirectoryIdentifier(options.Host, options.Port), credential, AuthType.Basic)
        {
            Timeout = TimeSpan.FromSeconds(options.TimeoutSeconds),
        };
        connection.SessionOptions.ProtocolVersion = 3;
        connection.SessionOptions.ReferralChasing = ReferralChasingOptions.None;
        if (options.SkipCertificateValidation)
        {
            connection.SessionOptions.VerifyServerCertificate = (_, _) => true;
        }

        if (options.UseSsl)
        {
            connection.SessionOptions.SecureSocketLayer = true;
        }
        else if (options.StartTls)
        {
            connection.SessionOptions.StartTransportLayerSecurity(null);
        }

        return connection;
    }

    private LdapConnection ServiceConnection()
    {
        var connection = Connect(new NetworkCredential(Options.BindDn, Options.BindPassword));
        try
        {
            connection.Bind();
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    private bool PasswordMatches(string distinguishedName, string password)
    {
        using var connection = Connect(new NetworkCredential(distinguishedName, password));
        try
        {
            connection.Bind();
            return true;
        }
        catch (LdapException ex) when (ex.ErrorCode == InvalidCredentials)
        {
            return false;
        }
    }

    private SearchResultEntry? FindOne(LdapConnection connection, string match) => Search(connection, match, 2) switch
    {
        [var single] => single,
        _ => null,
    };

    private List<SearchResultEntry> Search(LdapConnection connection, string match, int limit)
    {
        var options = Options;
        var filter = $"(&{options.UserFilter}{options.EnabledFilter}{match})";
        var attributes = new[]
        {
            options.UserIdAttribute, options.DisplayNameAttribute, options.JobTitleAttribute,
            options.OfficeAttribute, options.DepartmentAttribute, "memberOf",
        };
        var request = new SearchRequest(options.SearchBase, filter, SearchScope.Subtree, attributes) { SizeLimit = limit };
        try
        {
            var response = (SearchResponse)connection.SendRequest(request);
            return response.Entries.Cast<SearchResultEntry>().ToList();
        }
        catch (DirectoryOperationException ex) when (ex.Response is SearchResponse partial && partial.ResultCode == ResultCode.SizeLimitExceeded)
        {
            return partial.Entries.Cast<SearchResultEntry>().ToList();
        }
    }

    private DirectoryUser? ToUser(LdapConnection connection, SearchResultEntry entry)
    {
        var options = Options;
        var userId = Read(entry, options.UserIdAttribute)?.ToLowerInvariant();
        if (string.IsNullOrWhiteSpace(userId))
        {
            return null;
        }

        var isAdmin = identityOptions.CurrentValue.IsAdmin(userId) || InAdminGroup(connection, entry);
        return new DirectoryUser(
            userId,
            Read(entry, options.DisplayNameAttribute) ?? userId,
            Read(entry, options.JobTitleAttribute),
            Read(entry, options.OfficeAttribute),
            Read(entry, options.DepartmentAttribute),
            isAdmin);
    }

    private bool InAdminGroup(LdapConnection connection, SearchResultEntry entry)
    {
        var group = identityOptions.CurrentValue.AdminGroup;
        if (string.IsNullOrWhiteSpace(group))
        {
            return false;
        }

        if (ReadAll(entry, "memberOf").Any(g => string.Equals(g, group, StringComparison.OrdinalIgnoreCase)))
        {
            return true;
        }

        var request = new SearchRequest(group, $"(member={Escape(entry.DistinguishedName)})", SearchScope.Base, "cn");
        try
        {
            return ((SearchResponse)connection.SendRequest(request)).Entries.Count > 0;
        }
        catch (DirectoryOperationException ex) when (ex.Response?.ResultCode == ResultCode.NoSuchObject)
        {
            logger.LogWarning("The admin group {Group} does not exist in the directory", group);
            return false;
        }
    }

    private static string? Read(SearchResultEntry entry, string attribute) => ReadAll(entry, attribute).FirstOrDefault();

    private static IEnumerable<string> ReadAll(SearchResultEntry entry, string attribute)
    {
        if (!entry.Attributes.Contains(attribute))
        {
            return [];
        }

        return entry.Attributes[attribute].GetValues(typeof(string)).Cast<string>().Where(v => !string.IsNullOrWhiteSpace(v));
    }
}
