using System.ComponentModel.DataAnnotations;

namespace Andon.Gateway;

/// <summary>Options of the browser session (<c>Gateway:*</c>).</summary>
public sealed class GatewayOptions
{
    /// <summary>Base URL of the identity service. Empty in standalone: the process's own address.</summary>
    public string? IdentityUrl { get; set; }

    [Required]
    public string ClientId { get; set; } = "andon-gateway";

    [Required]
    public string ClientSecret { get; set; } = "";

    /// <summary>Where the data-protection keys that seal session cookies are kept; share it between gateway replicas.</summary>
    [Required]
    public string KeysPath { get; set; } = "data/keys/gateway";

    /// <summary>Mark the cookie Secure even when TLS ends before the gateway (behind a proxy).</summary>
    public bool SecureCookies { get; set; }

    /// <summary>Origins, besides the gateway's own, from which a browser may open a WebSocket (e.g. Vite's dev server).</summary>
    public IList<string> AllowedOrigins { get; } = [];

    [Range(1, 365)]
    public int SessionDays { get; set; } = 3;

    [Range(1, 1000)]
    public int LoginFailuresPerMinute { get; set; } = 5;

    /// <summary>Folder of the built SPA (index.html and assets).</summary>
    public string SpaRoot { get; set; } = "wwwroot";
}
