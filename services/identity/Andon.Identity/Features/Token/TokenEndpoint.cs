using System.Security.Claims;
using Andon.BuildingBlocks.Auth;
using Andon.BuildingBlocks.Errors;
using Andon.BuildingBlocks.Outbox;
using Andon.Contracts;
using Andon.Identity.Domain;
using Andon.Identity.Infrastructure.Persistence;
using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Abstractions;
using OpenIddict.Server.AspNetCore;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Andon.Identity.Features.Token;

/// <summary>
/// <c>POST /connect/token</c>. OpenIddict has already validated the client and the request; this
/// decides who the caller is. The password grant asks the directory (and upserts the user);
/// the refresh grant asks it again, so a disabled or removed account loses its session at the next
/// refresh; client credentials name a plant-floor system.
/// </summary>
public static class TokenEndpoint
{
    public static IEndpointRouteBuilder MapTokenEndpoint(this IEndpointRouteBuilder app)
    {
        app.MapPost("/connect/token", Exchange).ExcludeFromDescription();
        return app;
    }

    private static async Task<IResult> Exchange(
        HttpContext context,
        IUserDirectory directory,
        IdentityDb db,
        IOpenIddictApplicationManager applications,
        TimeProvider clock,
        CancellationToken cancellationToken)
    {
        var request = context.GetOpenIddictServerRequest()
            ?? throw new InvalidOperationException("The OpenIddict request is missing.");

        if (request.IsPasswordGrantType())
        {
            DirectoryUser? person;
            try
            {
                person = await directory.AuthenticateAsync(request.Username ?? "", request.Password ?? "", cancellationToken);
            }
            catch (ServiceUnavailableException ex)
            {
                return ApiProblem.Unavailability(ex.Message);
            }

            if (person is null)
            {
                return Reject("invalid_credentials");
            }

            await RecordSignInAsync(db, person, clock.GetUtcNow(), cancellationToken);
            return SignIn(Principal(person), request.GetScopes());
        }

        if (request.IsRefreshTokenGrantType())
        {
            var stored = (await context.AuthenticateAsync(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme)).Principal;
            var userId = stored?.GetClaim(Claims.Subject);
            if (stored is null || userId is null)
            {
                return Reject("The refresh token is no longer valid.");
            }

            DirectoryUser? person;
            try
            {
                person = await directory.FindAsync(userId, cancellationToken);
            }
            catch (ServiceUnavailableException)
            {
                // The directory is down: keep the session on what it last said about the person.
                person = await db.Users.FindAsync([userId], cancellationToken) is { } cached ? cached.ToDirectoryUser() : null;
            }

            return person is null
                ? Reject("The account is disabled or no longer exists.")
                : SignIn(Principal(person), stored.GetScopes());
        }

        if (request.IsClientCredentialsGrantType())
        {
            var application = await applications.FindByClientIdAsync(request.ClientId!, cancellationToken)
                ?? throw new InvalidOperationException("The client was validated but is not found.");
            var identity = NewIdentity();
            identity.SetClaim(Claims.Subject, request.ClientId)
                .SetClaim(Claims.Name, await applications.GetDisplayNameAsync(application, cancellationToken) ?? request.ClientId);
            return SignIn(identity, request.GetScopes());
        }

        return Reject("The grant type is not supported.", Errors.UnsupportedGrantType);
    }

    private static async Task RecordSignInAsync(IdentityDb db, DirectoryUser person, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var user = await db.Users.FindAsync([person.UserId], cancellationToken);
        if (user is null)
        {
            user = new User { UserId = person.UserId, DisplayName = person.DisplayName };
            db.Users.Add(user);
        }

        user.UpdateFrom(person, now);
        db.AddIntegrationEvent(new UserSignedIn(
            Guid.NewGuid(), now, person.UserId, person.DisplayName, person.JobTitle, person.Office, person.Department, person.IsAdmin));
        await db.SaveChangesAsync(cancellationToken);
    }

    private static ClaimsIdentity NewIdentity() =>
        new(TokenValidationParameters.DefaultAuthenticationType, Claims.Name, Claims.Role);

    private static ClaimsIdentity Principal(DirectoryUser person)
    {
        var identity = NewIdentity();
        identity.SetClaim(Claims.Subject, person.UserId)
            .SetClaim(Claims.Name, person.DisplayName)
            .SetClaim(AndonClaims.JobTitle, person.JobTitle)
            .SetClaim(AndonClaims.Office, person.Office);
        if (person.IsAdmin)
        {
            identity.AddClaim(Claims.Role, AndonClaims.AdminRole);
        }

        return identity;
    }

    private static IResult SignIn(ClaimsIdentity identity, IEnumerable<string> scopes)
    {
        identity.SetScopes(scopes);
        identity.SetDestinations(_ => [Destinations.AccessToken]);
        return Results.SignIn(new ClaimsPrincipal(identity), authenticationScheme: OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
    }

    private static IResult Reject(string description, string error = Errors.InvalidGrant) =>
        Results.Forbid(
            new AuthenticationProperties(new Dictionary<string, string?>
            {
                [OpenIddictServerAspNetCoreConstants.Properties.Error] = error,
                [OpenIddictServerAspNetCoreConstants.Properties.ErrorDescription] = description,
            }),
            [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);
}
