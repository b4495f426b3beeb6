using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;

namespace Andon.Gateway.Features.Session;

/// <summary>
/// The session cookie: the ticket sealed with data protection (encrypted and authenticated), so the
/// browser carries it but can neither read nor change the tokens inside.
/// </summary>
internal sealed class SessionCookie(IDataProtectionProvider protection, IOptions<GatewayOptions> options, TimeProvider clock)
{
    private readonly IDataProtector protector = protection.CreateProtector("Andon.Gateway.Session.v1");

    public string Name(HttpRequest request) => Secure(request) ? "__Host-andon_session" : "andon_session";

    public SessionTicket? Read(HttpRequest request)
    {
        if (!request.Cookies.TryGetValue(Name(request), out var value) || string.IsNullOrEmpty(value))
        {
            return null;
        }

        try
        {
            var json = protector.Unprotect(WebEncoders.Base64UrlDecode(value));
            return JsonSerializer.Deserialize<SessionTicket>(json);
        }
        catch (Exception ex) when (ex is CryptographicException or FormatException or JsonException)
        {
            return null;
        }
    }

    public void Write(HttpContext context, SessionTicket ticket)
    {
        var sealedTicket = WebEncoders.Base64UrlEncode(protector.Protect(JsonSerializer.SerializeToUtf8Bytes(ticket)));
        context.Response.Cookies.Append(Name(context.Request), sealedTicket, Options(context.Request, clock.GetUtcNow().AddDays(options.Value.SessionDays)));
    }

    public void Clear(HttpContext context) =>
        context.Response.Cookies.Delete(Name(context.Request), Options(context.Request, DateTimeOffset.UnixEpoch));

    private bool Secure(HttpRequest request) => request.IsHttps || options.Value.SecureCookies;

    private CookieOptions Options(HttpRequest request, DateTimeOffset expires) => new()
    {
        HttpOnly = true,
        SameSite = SameSiteMode.Strict,
        Secure = Secure(request),
        Path = "/",
        Expires = expires,
        IsEssential = true,
    };
}
