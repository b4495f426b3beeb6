using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenIddict.Abstractions;

namespace Andon.Identity.Infrastructure.TokenServer;

/// <summary>
/// Deletes the token server's rows nobody can use any more — refresh tokens redeemed, revoked or
/// expired, and authorizations with nothing valid left — once they are <see cref="KeepFor"/> old,
/// when the service starts and every hour after. Each refresh stores a new refresh token and spends
/// the old one, so without this every session added a row every few minutes for ever (ADR 0023).
/// </summary>
internal sealed class SpentTokenPruner(IServiceScopeFactory scopes, TimeProvider clock, ILogger<SpentTokenPruner> logger) : BackgroundService
{
    /// <summary>How long a spent row is kept (for looking into a session), counted from its creation.</summary>
    public static readonly TimeSpan KeepFor = TimeSpan.FromDays(14);

    private static readonly TimeSpan Every = TimeSpan.FromHours(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var hourly = new PeriodicTimer(Every, clock);
        do
        {
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                var before = clock.GetUtcNow() - KeepFor;
                var tokens = await scope.ServiceProvider.GetRequiredService<IOpenIddictTokenManager>().PruneAsync(before, stoppingToken);
                var authorizations = await scope.ServiceProvider.GetRequiredService<IOpenIddictAuthorizationManager>().PruneAsync(before, stoppingToken);
                if (tokens + authorizations > 0)
                {
                    logger.LogInformation("Deleted {Tokens} spent tokens and {Authorizations} authorizations made before {Before}", tokens, authorizations, before);
                }
            }
#pragma warning disable CA1031 // A failed delete is tried again an hour later; it must not stop the service.
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
#pragma warning restore CA1031
            {
                logger.LogWarning(ex, "Could not delete spent tokens; trying again in {Pause}", Every);
            }
        }
        while (await hourly.WaitForNextTickAsync(stoppingToken));
    }
}
