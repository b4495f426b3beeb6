using System.ComponentModel.DataAnnotations;

namespace Andon.Identity;

/// <summary>Options of the token server (<c>Identity:*</c>).</summary>
public sealed class IdentityOptions
{
    /// <summary>The issuer written into tokens (the identity service's own URL). Empty: the request's origin.</summary>
    public string? Issuer { get; set; }

    /// <summary>Distinguished name of the directory group whose members are admins.</summary>
    public string? AdminGroup { get; set; }

    /// <summary>User ids (e-mail addresses) that are admins whatever their groups.</summary>
    public IList<string> AdminUsers { get; } = [];

    /// <summary>Folder of the signing and encryption keys; created with new keys when empty. Share it between replicas.</summary>
    [Required]
    public string KeysPath { get; set; } = "data/keys";

    [Range(1, 1440)]
    public int AccessTokenMinutes { get; set; } = 10;

    /// <summary>A session ends after this long without a refresh (it slides with each one).</summary>
    [Range(1, 365)]
    public int RefreshTokenDays { get; set; } = 3;

    /// <summary>OAuth clients: the gateway (password and refresh), scripts, and plant-floor systems (client credentials).</summary>
    public IList<ClientOptions> Clients { get; } = [];

    public bool IsAdmin(string userId) => AdminUsers.Any(a => string.Equals(a, userId, StringComparison.OrdinalIgnoreCase));
}

public sealed class ClientOptions
{
    [Required]
    public string ClientId { get; set; } = "";

    /// <summary>Empty for a public client (scripts using the password grant).</summary>
    public string? ClientSecret { get; set; }

    public string? DisplayName { get; set; }

    /// <summary>Grant types: password, refresh_token, client_credentials.</summary>
    public IList<string> Grants { get; } = [];
}
