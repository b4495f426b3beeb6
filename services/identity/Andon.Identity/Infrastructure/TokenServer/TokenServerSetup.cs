using Andon.Identity.Infrastructure.Persistence;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Andon.Identity.Infrastructure.TokenServer;

/// <summary>The OpenIddict token server: password, refresh-token and client-credentials grants, JWT access tokens other services validate.</summary>
internal static class TokenServerSetup
{
    public static void AddTokenServer(this WebApplicationBuilder builder, IdentityOptions options)
    {
        builder.Services.AddOpenIddict()
            .AddCore(o => o.UseEntityFrameworkCore().UseDbContext<IdentityDb>())
            .AddServer(o =>
            {
                o.SetTokenEndpointUris("connect/token")
                    .SetRevocationEndpointUris("connect/revoke")
                    .SetJsonWebKeySetEndpointUris(".well-known/jwks");
                o.AllowPasswordFlow().AllowRefreshTokenFlow().AllowClientCredentialsFlow();
                o.RegisterScopes(Scopes.OfflineAccess, "api");
                o.SetAccessTokenLifetime(TimeSpan.FromMinutes(options.AccessTokenMinutes));
                o.SetRefreshTokenLifetime(TimeSpan.FromDays(options.RefreshTokenDays));
                o.UseReferenceRefreshTokens();
                o.DisableAccessTokenEncryption();
                o.AddSigningKey(SigningKeys.LoadOrCreateSigningKey(options.KeysPath));
                o.AddEncryptionKey(SigningKeys.LoadOrCreateEncryptionKey(options.KeysPath));
                if (!string.IsNullOrWhiteSpace(options.Issuer))
                {
                    o.SetIssuer(new Uri(options.Issuer, UriKind.Absolute));
                }

                o.UseAspNetCore()
                    .EnableTokenEndpointPassthrough()
                    .DisableTransportSecurityRequirement();
            });
        builder.Services.AddHostedService<ClientSeeder>();
        builder.Services.AddHostedService<SpentTokenPruner>();
    }
}
