using Andon.BuildingBlocks.Hosting;
using Andon.BuildingBlocks.Outbox;
using Microsoft.AspNetCore.Builder;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Andon.BuildingBlocks.Persistence;

public enum DatabaseProvider
{
    Sqlite,
    Postgres,
}

/// <summary>
/// The database provider switch (<c>Database:Provider</c> = Postgres or Sqlite). Each service has a
/// DbContext and one subclass per provider, so each provider has its own migrations; handlers
/// depend on the base context only.
/// </summary>
public static class DatabaseSetup
{
    public static DatabaseProvider Provider(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var value = configuration["Database:Provider"];
        return string.IsNullOrWhiteSpace(value) ? DatabaseProvider.Sqlite : Enum.Parse<DatabaseProvider>(value, ignoreCase: true);
    }

    public static WebApplicationBuilder AddAndonDatabase<TContext, TPostgres, TSqlite>(this WebApplicationBuilder builder, string connectionName)
        where TContext : DbContext
        where TPostgres : TContext
        where TSqlite : TContext
    {
        ArgumentNullException.ThrowIfNull(builder);
        var connectionString = builder.Configuration.GetConnectionString(connectionName);
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new InvalidOperationException($"ConnectionStrings:{connectionName} is not set.");
        }

        // Migrations first: hosted services start in order, and the outbox dispatcher reads the database.
        builder.Services.AddHostedService<MigrateOnStart<TContext>>();
        builder.Services.AddOutbox<TContext>();

        // Contexts are pooled: the room writer, the outbox dispatcher and the consumers take one for
        // every batch and event, and a pooled one is reset rather than built again with its services.
        // EF's check that a context is not used by two operations at once runs everywhere but in
        // production, where its cost is an allocation a row read (ADR 0016).
        var checkThreads = !builder.Environment.IsProduction();
        if (Provider(builder.Configuration) == DatabaseProvider.Postgres)
        {
            builder.Services.AddDbContextPool<TContext, TPostgres>((sp, o) => o
                .UseNpgsql(connectionString)
                .EnableThreadSafetyChecks(checkThreads)
                .AddInterceptors(sp.GetRequiredService<OutboxSignal<TContext>>()));
        }
        else
        {
            connectionString = SqliteUnderContentRoot(connectionString, builder.Environment.ContentRootPath);
            builder.Services.AddDbContextPool<TContext, TSqlite>((sp, o) => o
                .UseSqlite(connectionString)
                .EnableThreadSafetyChecks(checkThreads)
                .AddInterceptors(sp.GetRequiredService<OutboxSignal<TContext>>()));
        }

        builder.Services.AddHealthChecks().AddCheck<DatabaseHealthCheck<TContext>>($"db-{connectionName.ToLowerInvariant()}", tags: [ServiceDefaults.ReadyTag]);
        return builder;
    }

    /// <summary>A relative SQLite file is placed under the content root (not the caller's working folder), and its folder created.</summary>
    private static string SqliteUnderContentRoot(string connectionString, string contentRoot)
    {
        var sqlite = new SqliteConnectionStringBuilder(connectionString);
        if (string.IsNullOrEmpty(sqlite.DataSource) || sqlite.DataSource == ":memory:")
        {
            return connectionString;
        }

        sqlite.DataSource = Path.GetFullPath(sqlite.DataSource, contentRoot);
        Directory.CreateDirectory(Path.GetDirectoryName(sqlite.DataSource)!);
        return sqlite.ToString();
    }
}

/// <summary>Applies the provider's migrations before the host starts serving, waiting for the database if it is not up yet.</summary>
internal sealed class MigrateOnStart<TContext>(IServiceScopeFactory scopes, ILogger<MigrateOnStart<TContext>> logger) : IHostedService
    where TContext : DbContext
{
    private static readonly TimeSpan GiveUpAfter = TimeSpan.FromSeconds(90);

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var started = DateTime.UtcNow;
        while (true)
        {
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                var db = scope.ServiceProvider.GetRequiredService<TContext>();
                var database = db.Database;
                await database.MigrateAsync(cancellationToken);
                if (db.OnSqlite())
                {
                    // Write-ahead log: readers (history, resume, search, a backup) do not block the writer.
                    // EF Core creates new files in this mode already; this keeps it for a file made any
                    // other way (a restored copy). synchronous stays FULL (SQLite's default): a commit is
                    // on disk before the message is acknowledged.
                    await database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", cancellationToken);
                }

                return;
            }
            catch (Exception ex) when (ex is not OperationCanceledException && DateTime.UtcNow - started < GiveUpAfter)
            {
                logger.LogWarning(ex, "Database of {Context} not ready; retrying", typeof(TContext).Name);
                await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken);
            }
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

internal sealed class DatabaseHealthCheck<TContext>(TContext db) : IHealthCheck
    where TContext : DbContext
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        await db.Database.CanConnectAsync(cancellationToken)
            ? HealthCheckResult.Healthy()
            : HealthCheckResult.Unhealthy("The database cannot be reached.");
}
