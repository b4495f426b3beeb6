using System.Text.Json;
using Andon.BuildingBlocks.Hosting;
using Andon.BuildingBlocks.Persistence;
using Andon.Contracts;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Andon.BuildingBlocks.Outbox;

public static class OutboxModel
{
    /// <summary>Adds the outbox and processed-events tables to a service's model.</summary>
    public static ModelBuilder AddOutbox(this ModelBuilder modelBuilder)
    {
        ArgumentNullException.ThrowIfNull(modelBuilder);
        modelBuilder.Entity<OutboxMessage>(e =>
        {
            e.ToTable("outbox_messages");
            e.HasKey(m => m.Id);
            e.Property(m => m.Type).HasMaxLength(200);
            e.HasIndex(m => m.DispatchedAt);
        });
        modelBuilder.Entity<ProcessedEvent>(e =>
        {
            e.ToTable("processed_events");
            e.HasKey(p => new { p.EventId, p.Consumer });
            e.Property(p => p.Consumer).HasMaxLength(200);
        });
        return modelBuilder;
    }

    /// <summary>
    /// The outbox of <typeparamref name="TContext"/>: its dispatcher, the signal that wakes it, and the
    /// gate its writes share with the context's other frequent writers on SQLite.
    /// The context's options must add <see cref="OutboxSignal{TDb}"/> as an interceptor.
    /// </summary>
    public static IServiceCollection AddOutbox<TContext>(this IServiceCollection services)
        where TContext : DbContext
    {
        services.AddSingleton<OutboxSignal<TContext>>();
        services.AddSingleton<SqliteWriteGate<TContext>>();
        services.AddHostedService<OutboxDispatcher<TContext>>();
        return services;
    }

    /// <summary>
    /// Queues an integration event in the caller's unit of work: it is committed by the same
    /// <c>SaveChanges</c> as the state change it describes, and published after that.
    /// </summary>
    public static void AddIntegrationEvent<TEvent>(this DbContext db, TEvent integrationEvent)
        where TEvent : class, IIntegrationEvent
    {
        ArgumentNullException.ThrowIfNull(db);
        db.Set<OutboxMessage>().Add(OutboxRow(integrationEvent));
    }

    /// <summary>
    /// Deletes up to <paramref name="limit"/> rows published before <paramref name="before"/>, oldest
    /// first; rows not yet published are never touched. The times are compared here, not in SQL:
    /// on SQLite a service may keep them as text, which EF Core does not compare.
    /// </summary>
    public static async Task<int> DeleteDispatchedAsync(this DbContext db, DateTimeOffset before, int limit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        var oldest = await db.Set<OutboxMessage>()
            .Where(m => m.DispatchedAt != null)
            .OrderBy(m => m.Id)
            .Take(limit)
            .Select(m => new { m.Id, m.DispatchedAt })
            .ToListAsync(cancellationToken);
        var ids = oldest.Where(m => m.DispatchedAt < before).Select(m => m.Id).ToList();
        return ids.Count == 0
            ? 0
            : await db.Set<OutboxMessage>().Where(m => ids.Contains(m.Id)).ExecuteDeleteAsync(cancellationToken);
    }

    /// <summary>The outbox row of an integration event, for a writer that stores its rows itself.</summary>
    public static OutboxMessage OutboxRow<TEvent>(TEvent integrationEvent)
        where TEvent : class, IIntegrationEvent
    {
        ArgumentNullException.ThrowIfNull(integrationEvent);
        return new OutboxMessage
        {
            EventId = integrationEvent.EventId,
            Type = typeof(TEvent).FullName!,
            Payload = JsonSerializer.Serialize(integrationEvent, AndonJson.Options),
            OccurredAt = integrationEvent.OccurredAt,
        };
    }
}
