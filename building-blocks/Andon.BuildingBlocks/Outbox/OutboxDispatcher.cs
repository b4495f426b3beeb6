using System.Collections.Concurrent;
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
/// (one write per batch of up to 1,000; a batch that was not full lets the next gather for
/// <see cref="Gather"/>), so a crash in between publishes them twice and consumers de-duplicate on
/// <c>event_id</c>.
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
    /// <summary>
    /// The most rows a batch publishes and marks. Each mark is a commit on the service's database; on
    /// SQLite it holds the write lock the room writer waits for, so a busy service marks in few, large
    /// batches (1,000 rather than 100: bench/README.md point 26). A crash before the mark publishes
    /// the batch again, which consumers de-duplicate.
    /// </summary>
    private const int BatchSize = 1000;
    private static readonly TimeSpan PublishTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan IdlePoll = TimeSpan.FromSeconds(2);

    /// <summary>
    /// After a batch that was not full, how long the next one gathers before it is read. Without it a
    /// busy service's every commit woke a marking write of its own: on SQLite a second sync of the
    /// disk a commit, holding the file's one write lock that the room writer waits for.
    /// </summary>
    public static readonly TimeSpan Gather = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(15);
    private static readonly ConcurrentDictionary<string, Type> EventTypes = new();

    /// <summary>
    /// How long a published row is kept (for looking into what was sent when). Older ones are
    /// deleted when the dispatcher starts and every <see cref="PruneEvery"/> after that: the outbox
    /// holds a row a message, and kept for ever it grew the service's database by as much again as
    /// its messages (ADR 0020).
    /// </summary>
    public static readonly TimeSpan KeepDispatched = TimeSpan.FromDays(7);
    private static readonly TimeSpan PruneEvery = TimeSpan.FromHours(1);

    /// <summary>Rows a delete statement takes at most: on SQLite each holds the file's one write lock.</summary>
    private const int PruneBatch = 2000;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var backoff = TimeSpan.FromMilliseconds(250);
        var nextPrune = clock.GetUtcNow();
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (clock.GetUtcNow() >= nextPrune)
                {
                    // A full delete leaves more: the next turn takes another, after a batch is published.
                    var more = await PruneAsync(stoppingToken) == PruneBatch;
                    nextPrune = more ? clock.GetUtcNow() : clock.GetUtcNow() + PruneEvery;
                }

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
                else
                {
                    await Task.Delay(Gather, clock, stoppingToken);
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
        // Untracked: a published row is only marked by the statement below; a failed one is attached.
        var batch = await db.Set<OutboxMessage>()
            .AsNoTracking()
            .Where(m => m.DispatchedAt == null)
            .OrderBy(m => m.Id)
            .Take(BatchSize)
            .ToListAsync(stoppingToken);
        var published = 0;

        // One source and timer for the batch, set again before each publish: each still has its own
        // 10 s, and a publish that runs out of them ends the batch.
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        foreach (var message in batch)
        {
            var type = EventTypes.GetOrAdd(message.Type, name => typeof(IIntegrationEvent).Assembly.GetType(name)
                ?? throw new InvalidOperationException($"Unknown integration event type {name}."));
            var payload = JsonSerializer.Deserialize(message.Payload, type, AndonJson.Options)!;
            timeout.CancelAfter(PublishTimeout);
            try
            {
                await bus.Publish(payload, type, timeout.Token);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                db.Attach(message);
                message.Attempts++;
                message.LastError = ex.GetType().Name + ": " + ex.Message;
                using (await writeGate.EnterAsync(db, CancellationToken.None))
                {
                    await MarkDispatchedAsync(db, batch.Take(published));
                    await db.SaveChangesAsync(CancellationToken.None);
                }

                throw;
            }

            published++;
        }

        // One statement marks the whole batch: a crash before it publishes the batch again, which
        // consumers de-duplicate.
        if (published > 0)
        {
            using (await writeGate.EnterAsync(db, CancellationToken.None))
            {
                await MarkDispatchedAsync(db, batch);
            }
        }

        return (published, batch.Count == BatchSize);
    }

    /// <summary>The rows deleted; a failure is logged and tried again an hour later, never in the way of publishing.</summary>
    private async Task<int> PruneAsync(CancellationToken stoppingToken)
    {
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<TDb>();
            using (await writeGate.EnterAsync(db, stoppingToken))
            {
                return await db.DeleteDispatchedAsync(clock.GetUtcNow() - KeepDispatched, PruneBatch, stoppingToken);
            }
        }
        catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
        {
            logger.LogWarning(ex, "Outbox of {Context} could not delete its old published rows; trying again in {Pause}", typeof(TDb).Name, PruneEvery);
            return 0;
        }
    }

    /// <summary>
    /// One <c>UPDATE</c> for the rows the broker took. It goes around SaveChanges, whose interceptor
    /// would wake this dispatcher again (and a statement per row would be parsed per row).
    /// </summary>
    private async Task MarkDispatchedAsync(TDb db, IEnumerable<OutboxMessage> published)
    {
        var ids = published.Select(m => m.Id).ToList();
        if (ids.Count > 0)
        {
            var now = clock.GetUtcNow();
            await db.Set<OutboxMessage>()
                .Where(m => ids.Contains(m.Id))
                .ExecuteUpdateAsync(set => set.SetProperty(m => m.DispatchedAt, now).SetProperty(m => m.Attempts, m => m.Attempts + 1), CancellationToken.None);
        }
    }
}
