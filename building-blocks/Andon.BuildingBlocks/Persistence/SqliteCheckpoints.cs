using System.Data.Common;
using System.Runtime.CompilerServices;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Andon.BuildingBlocks.Persistence;

/// <summary>
/// Keeps SQLite's checkpoints out of commits. By default the connection whose commit takes the
/// write-ahead log past 1,000 pages then copies the log into the database file and syncs that file,
/// before its commit returns, so a sender's ack waits for it. This turns that off, once for each
/// physical connection; <see cref="SqliteCheckpointer{TContext}"/> does the copying instead. Every
/// commit is still synced to the log before it returns (synchronous = FULL): nothing is less durable.
/// </summary>
public sealed class NoCheckpointInCommit : DbConnectionInterceptor
{
    private readonly ConditionalWeakTable<object, object> done = new();

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData) => TurnOff(connection);

    public override Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        TurnOff(connection);
        return Task.CompletedTask;
    }

    private void TurnOff(DbConnection connection)
    {
        if (connection is SqliteConnection { Handle: { } handle } sqlite && !done.TryGetValue(handle, out _))
        {
            using var command = sqlite.CreateCommand();
            command.CommandText = "PRAGMA wal_autocheckpoint = 0;";
            command.ExecuteNonQuery();
            done.AddOrUpdate(handle, this);
        }
    }
}

/// <summary>
/// Copies <typeparamref name="TContext"/>'s SQLite write-ahead log into the database file twice a
/// second, on a connection of its own, without waiting for the writer or for readers (PASSIVE): what
/// a reader still needs stays in the log for the next round.
/// </summary>
public sealed class SqliteCheckpointer<TContext>(IServiceScopeFactory scopes, ILogger<SqliteCheckpointer<TContext>> logger) : BackgroundService
    where TContext : DbContext
{
    private static readonly TimeSpan Every = TimeSpan.FromMilliseconds(500);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(Every, stoppingToken);
                await using var scope = scopes.CreateAsyncScope();
                await scope.ServiceProvider.GetRequiredService<TContext>().Database.ExecuteSqlRawAsync("PRAGMA wal_checkpoint(PASSIVE);", stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
#pragma warning disable CA1031 // A failed round is tried again at the next; the log only grows meanwhile.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                logger.LogWarning(ex, "Checkpoint of {Context} failed; trying again", typeof(TContext).Name);
            }
        }
    }
}
