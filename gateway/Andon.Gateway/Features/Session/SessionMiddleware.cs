using Andon.BuildingBlocks.Errors;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace Andon.Gateway.Features.Session;

/// <summary>
/// For <c>/api</c> and <c>/ws</c>: turns the session cookie into a bearer token (refreshing it at
/// identity when it is about to expire), enforces <c>X-Requested-With: andon</c> on cookie calls that
/// change state, and refuses WebSocket upgrades from a foreign Origin. Requests that bring their own
/// <c>Authorization</c> header pass through untouched.
/// </summary>
internal sealed class SessionMiddleware(
    RequestDelegate next,
    SessionCookie cookie,
    IdentityClient identity,
    EndedSessions ended,
    IOptions<GatewayOptions> options,
    TimeProvider clock)
{
    public const string TicketItem = "andon.session";
    public const string CsrfHeader = "X-Requested-With";
    public const string CsrfValue = "andon";

    public async Task InvokeAsync(HttpContext context)
    {
        var path = context.Request.Path;
        if (!path.StartsWithSegments("/api") && !path.StartsWithSegments("/ws"))
        {
            await next(context);
            return;
        }

        if (path.StartsWithSegments("/ws") && !OriginAllowed(context.Request))
        {
            await Refuse(context, StatusCodes.Status403Forbidden, ApiProblem.Forbidden, "WebSocket connections are only accepted from this site's own pages.");
            return;
        }

        if (context.Request.Headers.ContainsKey(HeaderNames.Authorization))
        {
            await next(context);
            return;
        }

        var ticket = cookie.Read(context.Request);
        if (ticket is not null && ended.IsEnded(ticket))
        {
            cookie.Clear(context);
            ticket = null;
        }

        if (ticket is not null && ticket.NeedsRefresh(clock.GetUtcNow()))
        {
            var refreshed = await identity.RefreshAsync(ticket.RefreshToken, context.RequestAborted);
            switch (refreshed.Outcome)
            {
                case TokenOutcome.Issued:
                    ticket = ticket with
                    {
                        AccessToken = refreshed.AccessToken!,
                        AccessExpiresAt = refreshed.ExpiresAt,
                        RefreshToken = refreshed.RefreshToken ?? ticket.RefreshToken,
                    };
                    cookie.Write(context, ticket);
                    break;
                case TokenOutcome.Rejected:
                    cookie.Clear(context);
                    ticket = null;
                    break;
                case TokenOutcome.Unavailable when !ticket.AccessValid(clock.GetUtcNow()):
                    await Refuse(context, StatusCodes.Status503ServiceUnavailable, ApiProblem.Unavailable, "Sign-in service unavailable; try again shortly.");
                    return;
                default:
                    break;
            }
        }

        if (ticket is not null)
        {
            if (!HttpMethods.IsGet(context.Request.Method) && !HttpMethods.IsHead(context.Request.Method) && !HttpMethods.IsOptions(context.Request.Method)
                && context.Request.Headers[CsrfHeader] != CsrfValue)
            {
                await Refuse(context, StatusCodes.Status403Forbidden, ApiProblem.Forbidden, $"Requests that change state must send the header {CsrfHeader}: {CsrfValue}.");
                return;
            }

            context.Items[TicketItem] = ticket;
            context.Request.Headers.Authorization = "Bearer " + ticket.AccessToken;
        }

        await next(context);
    }

    private bool OriginAllowed(HttpRequest request)
    {
        var origin = request.Headers.Origin.ToString();
        if (string.IsNullOrEmpty(origin))
        {
            return true; // Not a browser: it must authenticate with a bearer token or the cookie like anyone else.
        }

        var own = $"{request.Scheme}://{request.Host}";
        return string.Equals(origin, own, StringComparison.OrdinalIgnoreCase)
            || options.Value.AllowedOrigins.Any(o => string.Equals(o.TrimEnd('/'), origin, StringComparison.OrdinalIgnoreCase));
    }

    private static Task Refuse(HttpContext context, int status, string code, string detail) =>
        ApiProblem.Create(status, code, detail).ExecuteAsync(context);
}
