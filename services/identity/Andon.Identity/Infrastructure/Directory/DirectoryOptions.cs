using System.ComponentModel.DataAnnotations;

namespace Andon.Identity.Infrastructure.Directory;

public enum DirectoryProvider
{
    Static,
    Ldap,
}

/// <summary>Options of the company directory (<c>Directory:*</c>).</summary>
public sealed class DirectoryOptions
{
    public DirectoryProvider Provider { get; set; } = DirectoryProvider.Static;

    public LdapOptions Ldap { get; set; } = new();

    public StaticDirectoryOptions Static { get; set; } = new();
}

/// <summary>LDAP settings; the defaults suit Active Directory.</summary>
public sealed class LdapOptions
{
    public string Host { get; set; } = "";

    [Range(1, 65535)]
    public int Port { get; set; } = 389;

    /// <summary>LDAPS (usually port 636).</summary>
    public bool UseSsl { get; set; }

    /// <summary>StartTLS on the plain port.</summary>
    public bool StartTls { get; set; }

    /// <summary>Accept any server certificate. For a test directory only.</summary>
    public bool SkipCertificateValidation { get; set; }

    /// <summary>The service account that searches the directory.</summary>
    public string BindDn { get; set; } = "";

    public string BindPassword { get; set; } = "";

    public string SearchBase { get; set; } = "";

    /// <summary>Attributes a person may type as their login name.</summary>
    public IList<string> LoginAttributes { get; } = [];

    /// <summary>Which entries are people.</summary>
    public string UserFilter { get; set; } = "(&(objectCategory=person)(objectClass=user))";

    /// <summary>Which people are enabled (AD: the ACCOUNTDISABLE bit of userAccountControl is clear).</summary>
    public string EnabledFilter { get; set; } = "(!(userAccountControl:1.2.840.113556.1.4.803:=2))";

    public string UserIdAttribute { get; set; } = "mail";

    public string DisplayNameAttribute { get; set; } = "displayName";

    public string JobTitleAttribute { get; set; } = "title";

    public string OfficeAttribute { get; set; } = "physicalDeliveryOfficeName";

    public string DepartmentAttribute { get; set; } = "department";

    [Range(1, 120)]
    public int TimeoutSeconds { get; set; } = 5;

    public IEnumerable<string> EffectiveLoginAttributes =>
        LoginAttributes.Count > 0 ? LoginAttributes : ["userPrincipalName", "mail", "sAMAccountName"];
}

/// <summary>A fixed list of accounts for standalone and tests. Never for production: passwords are in configuration.</summary>
public sealed class StaticDirectoryOptions
{
    public IList<StaticUser> Users { get; } = [];
}

public sealed class StaticUser
{
    public string UserId { get; set; } = "";

    public string Password { get; set; } = "";

    public string DisplayName { get; set; } = "";

    public string? JobTitle { get; set; }

    public string? Office { get; set; }

    public string? Department { get; set; }

    public bool IsAdmin { get; set; }

    public bool Disabled { get; set; }
}
