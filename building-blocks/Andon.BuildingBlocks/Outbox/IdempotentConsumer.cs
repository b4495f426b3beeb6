using Microsoft.EntityFrameworkCore;

namespace Andon.BuildingBlocks.Outbox;

public static class IdempotentConsumer
{
    /// <summary>
    /// Applies <paramref name="handle"/> once per event and consumer. The handler only changes
    /// tracked entities; they are saved together with the processed-event row, so a redelivered
    /// event (from the outbox's retries or the broker's) finds its row and changes nothing.
    /// Returns false when the event had already been processed.
    /// </summary>
    public static async Task<bool> ProcessOnceAsync(this DbContext db, Guid eventId, string consumer, Func<Task> handle, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(handle);
        if (await db.Set<ProcessedEvent>().AnyAsync(p => p.EventId == eventId && p.Consumer == consumer, cancellationToken))
        {
            return false;
        }

        await handle();
        db.Set<ProcessedEvent>().Add(new ProcessedEvent { EventId = eventId, Consumer = consumer, ProcessedAt = DateTimeOffset.UtcNow });
        try
        {
            await db.SaveChangesAsync(cancellationToken);
            return true;
        }
        catch (DbUpdateException)
        {
            // A concurrent delivery of the same event may have won the race; then its changes stand.
            if (await AlreadyProcessedAsync(db, eventId, consumer, cancellationToken))
            {
                return false;
            }

            throw;
        }
    }

    private static async Task<bool> AlreadyProcessedAsync(DbContext db, Guid eventId, string consumer, CancellationToken cancellationToken)
    {
        db.ChangeTracker.Clear();
        return await db.Set<ProcessedEvent>().AnyAsync(p => p.EventId == eventId && p.Consumer == consumer, cancellationToken);
    }
}
