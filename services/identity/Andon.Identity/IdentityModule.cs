using Andon.BuildingBlocks.Hosting;
using Andon.BuildingBlocks.Persistence;
using Andon.Identity.Domain;
using Andon.Identity.Features.Token;
using Andon.Identity.Features.Users;
using Andon.Identity.Infrastructure.Directory;
using Andon.Identity.Infrastructure.Persistence;
using Andon.Identity.Infrastructure.TokenServer;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;

namespace Andon.Identity;

/// <summary>The identity service as a module: the directory, the token server, the users API.</summary>
public static class IdentityModule
{
    public static WebApplicationBuilder AddIdentityService(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = builder.Configuration.GetSection("Identity").Get<IdentityOptions>() ?? new IdentityOptions();
        builder.Services.AddValidatedOptions<IdentityOptions>(builder.Configuration, "Identity");
        builder.Services.AddValidatedOptions<DirectoryOptions>(builder.Configuration, "Directory")
            .Validate(d => d.Provider != DirectoryProvider.Ldap || (!string.IsNullOrWhiteSpace(d.Ldap.Host) && !string.IsNullOrWhiteSpace(d.Ldap.SearchBase)),
                "Directory:Ldap:Host and Directory:Ldap:SearchBase are required when Directory:Provider is Ldap.")
            .Validate(d => d.Provider != DirectoryProvider.Static || d.Static.Users.Count > 0,
                "Directory:Static:Users is empty: nobody could sign in.");

        builder.AddAndonDatabase<IdentityDb, PostgresIdentityDb, SqliteIdentityDb>("Identity");
        builder.AddTokenServer(options);

        var provider = builder.Configuration.GetValue("Directory:Provider", DirectoryProvider.Static);
        if (provider == DirectoryProvider.Ldap)
        {
            builder.Services.AddSingleton<IUserDirectory, LdapDirectory>();
        }
        else
        {
            builder.Services.AddSingleton<IUserDirectory, StaticDirectory>();
        }

        // Degraded, not unhealthy: with the directory down, existing sessions must go on refreshing.
        builder.Services.AddHealthChecks().AddCheck<DirectoryHealthCheck>("directory", HealthStatus.Degraded, [ServiceDefaults.ReadyTag]);
        return builder;
    }

    public static WebApplication MapIdentityService(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        if (app.Configuration.GetValue("Directory:Provider", DirectoryProvider.Static) == DirectoryProvider.Static)
        {
            app.Logger.LogWarning("Sign-in uses the static development directory from configuration. Use Directory:Provider=Ldap in production.");
        }

        app.MapTokenEndpoint();
        app.MapUsersEndpoints();
        return app;
    }

    private sealed class DirectoryHealthCheck(IUserDirectory directory) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            try
            {
                await directory.CheckAsync(cancellationToken);
                return HealthCheckResult.Healthy();
            }
            catch (Andon.BuildingBlocks.Errors.ServiceUnavailableException ex)
            {
                return new HealthCheckResult(context.Registration.FailureStatus, ex.Message);
            }
        }
    }
}
