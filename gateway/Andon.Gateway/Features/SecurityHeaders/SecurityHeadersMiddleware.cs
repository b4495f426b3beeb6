using Microsoft.AspNetCore.Http;

namespace Andon.Gateway.Features.SecurityHeaders;

/// <summary>
/// Headers every answer of the one public origin carries, the SPA's pages and the API's alike: a
/// Content-Security-Policy that lets the built SPA load only its own scripts and talk only to this
/// origin (its WebSocket included) and that no other site may frame, <c>nosniff</c>, and a
/// same-origin Referrer-Policy. An answer that sets its own (a download's sandboxing CSP) keeps it.
/// </summary>
internal sealed class SecurityHeadersMiddleware(RequestDelegate next)
{
    public const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; " +
        "font-src 'self' data:; connect-src 'self'; media-src 'self' blob:; object-src 'none'; base-uri 'self'; " +
        "form-action 'self'; frame-ancestors 'none'";

    public Task InvokeAsync(HttpContext context)
    {
        var response = context.Response;
        // Set when the answer starts, so headers an error handler cleared are written again.
        response.OnStarting(() =>
        {
            var headers = response.Headers;
            if (!headers.ContainsKey("Content-Security-Policy"))
            {
                headers.ContentSecurityPolicy = ContentSecurityPolicy;
            }

            headers.XContentTypeOptions = "nosniff";
            if (!headers.ContainsKey("Referrer-Policy"))
            {
                headers["Referrer-Policy"] = "same-origin";
            }

            return Task.CompletedTask;
        });
        return next(context);
    }
}
