using System.Net;
using Andon.BuildingBlocks.Errors;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Andon.Gateway.Features.Session;

public sealed record LoginRequest(string? Username, string? Password);

/// <summary><c>/api/auth/login</c>, <c>/me</c> and <c>/logout</c>: the browser's session, kept by the gateway.</summary>
internal static class AuthEndpoints
{
    public static IEndpointRouteBuilder MapAuthEndpoints(this IEndpointRouteBuilder app)
    {
        var auth = app.MapGroup("/api/auth").WithTags("Session");
        auth.MapPost("/login", Login);
        auth.MapGet("/me", Me);
        auth.MapPost("/logout", Logout);
        return app;
    }

    private static async Task<IResult> Login(LoginRequest? body, HttpContext context, IdentityClient identity, SessionCookie cookie, LoginThrottle throttle)
    {
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(body?.Username))
        {
            errors["username"] = ["Enter your account."];
        }
        else if (body.Username.Any(char.IsControl))
        {
            // No account name holds one; a NUL made the token request fail as if the directory were down.
            errors["username"] = ["An account name has no control characters."];
        }

        if (string.IsNullOrEmpty(body?.Password))
        {
            errors["password"] = ["Enter your password."];
        }

        if (errors.Count > 0)
        {
            return ApiProblem.Validation(errors);
        }

        var username = body!.Username!.Trim();
        var address = context.Connection.RemoteIpAddress?.ToString();
        if (throttle.RetryAfter(username, address) is { } wait)
        {
            context.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
            return ApiProblem.Create(StatusCodes.Status429TooManyRequests, ApiProblem.RateLimited, "Too many failed sign-ins. Wait a minute and try again.");
        }

        var tokens = await identity.SignInAsync(username, body.Password!, context.RequestAborted);
        switch (tokens.Outcome)
        {
            case TokenOutcome.Rejected:
                throttle.RecordFailure(username, address);
                return ApiProblem.Create(StatusCodes.Status401Unauthorized, ApiProblem.InvalidCredentials, "Invalid credentials.");
            case TokenOutcome.Unavailable:
                return ApiProblem.Unavailability("Sign-in is unavailable: the directory cannot be reached. Try again shortly.");
            default:
                break;
        }

        var (status, user) = await identity.MeAsync(tokens.AccessToken!, context.RequestAborted);
        if (status != HttpStatusCode.OK || user is null)
        {
            return ApiProblem.Unavailability("Sign-in is unavailable. Try again shortly.");
        }

        throttle.RecordSuccess(username);
        cookie.Write(context, new SessionTicket(Guid.NewGuid().ToString("N"), tokens.AccessToken!, tokens.ExpiresAt, tokens.RefreshToken!));
        return TypedResults.Json(user.Value, statusCode: StatusCodes.Status200OK);
    }

    private static async Task<IResult> Me(HttpContext context, IdentityClient identity)
    {
        var accessToken = context.Request.Headers.Authorization.ToString() is { Length: > 7 } header && header.StartsWith("Bearer ", StringComparison.Ordinal)
            ? header["Bearer ".Length..]
            : null;
        if (accessToken is null)
        {
            return NotSignedIn();
        }

        var (status, user) = await identity.MeAsync(accessToken, context.RequestAborted);
        return status switch
        {
            HttpStatusCode.OK when user is not null => TypedResults.Json(user.Value),
            HttpStatusCode.Unauthorized => NotSignedIn(),
            _ => ApiProblem.Unavailability("The identity service cannot be reached. Try again shortly."),
        };
    }

    private static async Task<IResult> Logout(HttpContext context, IdentityClient identity, SessionCookie cookie, EndedSessions ended)
    {
        if (context.Items[SessionMiddleware.TicketItem] is SessionTicket ticket)
        {
            ended.End(ticket);
            await identity.RevokeAsync(ticket.RefreshToken, context.RequestAborted);
        }

        cookie.Clear(context);
        return TypedResults.NoContent();
    }

    private static IResult NotSignedIn() =>
        ApiProblem.Create(StatusCodes.Status401Unauthorized, ApiProblem.Unauthenticated, "Not signed in.");
}
