using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using OpenIddict.Validation.AspNetCore;

namespace Andon.BuildingBlocks.Auth;

/// <summary>
/// Bearer-token validation for every service. With <c>Auth:Authority</c> set, tokens are validated
/// against the identity service's published keys; without it (identity itself, standalone) against
/// the token server in the same process.
/// </summary>
public static class AuthenticationSetup
{
    public const string AdminPolicy = "admin";

    public static WebApplicationBuilder AddAndonAuthentication(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var authority = builder.Configuration["Auth:Authority"];
        builder.Services.AddOpenIddict().AddValidation(options =>
        {
            if (string.IsNullOrWhiteSpace(authority))
            {
                options.UseLocalServer();
            }
            else
            {
                options.SetIssuer(new Uri(authority, UriKind.Absolute));
                options.UseSystemNetHttp();
            }

            options.UseAspNetCore();
        });
        builder.Services.AddAuthentication(OpenIddictValidationAspNetCoreDefaults.AuthenticationScheme);
        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(AdminPolicy, p => p.RequireAuthenticatedUser().RequireClaim(AndonClaims.Role, AndonClaims.AdminRole));
        return builder;
    }
}
