using System.Data.Common;
using System.Text.Json;
using Andon.BuildingBlocks.Hosting;
using Andon.BuildingBlocks.Persistence;
using Andon.Contracts;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Andon.BuildingBlocks.Outbox;

/// <summary>
/// Wakes the dispatcher of <typeparamref name="TDb"/> as soon as an outbox row is committed: after
/// <c>SaveChanges</c> (which commits by itself), and after the commit of an explicit transaction —
/// inside one, <c>SaveChanges</c> comes before the rows are visible, and the dispatcher would find
/// nothing and sleep until its next poll.
/// </summary>
public sealed class OutboxSignal<TDb> : SaveChangesInterceptor, IDbTransactionInterceptor, IDisposable
    where TDb : DbContext
{
    private readonly SemaphoreSlim signal = new(0, 1);

    public override int SavedChanges(SaveChangesCompletedEventData eventData, int result)
    {
        Pulse();
        return result;
    }

    public override ValueTask<int> SavedChangesAsync(SaveChangesCompletedEventData eventData, int result, CancellationToken cancellationToken = default)
    {
        Pulse();
        return ValueTask.FromResult(result);
    }

    public void TransactionCommitted(DbTransaction transaction, TransactionEndEventData eventData) => Pulse();

    public Task TransactionCommittedAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        Pulse();
        return Task.CompletedTask;
    }

    public void Pulse()
    {
        if (signal.CurrentCount == 0)
        {
            try
            {
                signal.Release();
            }
            catch (SemaphoreFullException)
            {
                // Already signalled.
            }
        }
    }

    public void Dispose() => signal.Dispose();

    /// <summary>True when woken, false when <paramref name="timeout"/> passed first.</summary>
    public Task<bool> WaitAsync(TimeSpan timeout, CancellationToken cancellationToken) => signal.WaitAsync(timeout, cancellationToken);
}

/// <summary>
/// Publishes committed outbox rows in order and marks them dispatched. When the broker is down it
/// keeps the rows and retries with a growing pause; rows are only marked after the broker took them
/// (one write per batch of up to 100), so a crash in between publishes them twice and consumers
/// de-duplicate on <c>event_id</c>.
/// </summary>
public sealed class OutboxDispatcher<TDb>(
    IServiceScopeFactory scopes,
    IBus bus,
    OutboxSignal<TDb> signal,
    SqliteWriteGate<TDb> writeGate,
    TimeProvider clock,
    ILogger<OutboxDispatcher<TDb>> logger) : BackgroundService
    where TDb : DbContext
{
    private const int BatchSize = 100;
    private static readonly TimeSpan PublishTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan IdlePoll = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(15);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var backoff = TimeSpan.FromMilliseconds(250);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var (published, pending) = await DispatchBatchAsync(stoppingToken);
                backoff = TimeSpan.FromMilliseconds(250);
                if (pending)
                {
                    continue;
                }

                if (published == 0)
                {
                    await signal.WaitAsync(IdlePoll, stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
#pragma warning disable CA1031 // The dispatcher must outlive any failure of the broker or the database.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                logger.LogWarning(ex, "Outbox of {Context} could not publish; retrying in {Backoff}", typeof(TDb).Name, backoff);
                await Task.Delay(backoff, clock, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, MaxBackoff.Ticks));
            }
        }
    }

    private async Task<(int Published, bool Pending)> DispatchBatchAsync(CancellationToken stoppingToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TDb>();
        var batch = await db.Set<OutboxMessage>()
            .Where(m => m.DispatchedAt == null)
            .OrderBy(m => m.Id)
            .Take(BatchSize)
            .ToListAsync(stoppingToken);
        var published = 0;
        foreach (var message in batch)
        {
            var type = typeof(IIntegrationEvent).Assembly.GetType(message.Type)
                ?? throw new InvalidOperationException($"Unknown integration event type {message.Type}.");
            var payload = JsonSerializer.Deserialize(message.Payload, type, AndonJson.Options)!;
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            timeout.CancelAfter(PublishTimeout);
            try
            {
                await bus.Publish(payload, type, timeout.Token);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                message.Attempts++;
                message.LastError = ex.GetType().Name + ": " + ex.Message;
                using (await writeGate.EnterAsync(db, CancellationToken.None))
                {
                    await db.SaveChangesAsync(CancellationToken.None);
                }

                throw;
            }

            message.DispatchedAt = clock.GetUtcNow();
            message.Attempts++;
            published++;
        }

        // One write marks the whole batch (a failure above saves the rows published before it): a
        // crash before this line publishes the batch again, which consumers de-duplicate. Nothing is
        // written for an empty batch: the write would signal this dispatcher again and it would spin.
        if (published > 0)
        {
            using (await writeGate.EnterAsync(db, CancellationToken.None))
            {
                await db.SaveChangesAsync(CancellationToken.None);
            }
        }

        return (published, batch.Count == BatchSize);
    }
}
