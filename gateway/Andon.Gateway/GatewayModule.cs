using Andon.BuildingBlocks.Hosting;
using Andon.Gateway.Features.SecurityHeaders;
using Andon.Gateway.Features.Session;
using Andon.Gateway.Features.Spa;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Andon.Gateway;

/// <summary>
/// The gateway's own logic, shared by the gateway host (in front of YARP) and standalone: the browser
/// session (cookie ↔ bearer), the CSRF and Origin rules, sign-in throttling and the SPA.
/// </summary>
public static class GatewayModule
{
    public static WebApplicationBuilder AddGatewaySession(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddValidatedOptions<GatewayOptions>(builder.Configuration, "Gateway");
        var keysPath = builder.Configuration["Gateway:KeysPath"] ?? new GatewayOptions().KeysPath;
        builder.Services.AddDataProtection()
            .SetApplicationName("andon-gateway")
            .PersistKeysToFileSystem(new DirectoryInfo(Path.GetFullPath(keysPath, builder.Environment.ContentRootPath)));
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<SessionCookie>();
        builder.Services.AddSingleton<LoginThrottle>();
        builder.Services.AddSingleton<EndedSessions>();
        builder.Services.AddHttpClient<IdentityClient>(c => c.Timeout = TimeSpan.FromSeconds(15));
        return builder;
    }

    /// <summary>
    /// Place before routing to the services: it sets the bearer token they will see. The security
    /// headers (CSP, nosniff, Referrer-Policy) go on every answer from here on, the SPA's included.
    /// </summary>
    public static WebApplication UseGatewaySession(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.UseMiddleware<SecurityHeadersMiddleware>();
        app.UseMiddleware<SessionMiddleware>();
        return app;
    }

    public static WebApplication MapGatewaySession(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapAuthEndpoints();
        app.MapSpa(app.Services.GetRequiredService<IOptions<GatewayOptions>>().Value.SpaRoot);
        return app;
    }
}
