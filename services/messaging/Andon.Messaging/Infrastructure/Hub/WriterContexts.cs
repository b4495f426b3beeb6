using Andon.BuildingBlocks.Persistence;
using Andon.Messaging.Infrastructure.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Andon.Messaging.Infrastructure.Hub;

/// <summary>
/// The contexts the room writer runs its transactions in. On PostgreSQL a pooled context a
/// transaction. On SQLite the writer keeps one context from one transaction to the next, its
/// connection open and its inserts prepared: a pooled context closes its connection when it goes
/// back to the pool, and the driver registers EF Core's SQL functions on every open and removes them
/// on every close, and a closed connection's prepared statements are gone (ADR 0022). After a failed
/// transaction the kept context is dropped and the next one starts on a fresh one. Only the
/// writer's loop uses it.
/// </summary>
internal sealed class WriterContexts(IServiceScopeFactory scopes) : IAsyncDisposable
{
    private Lease? kept;

    /// <summary>A context for one transaction; give it back with <see cref="ReturnAsync"/>.</summary>
    public async Task<Lease> TakeAsync()
    {
        if (kept is not null)
        {
            return kept;
        }

        var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<MessagingDb>();
        if (!db.OnSqlite())
        {
            return new Lease(db, scope, Inserts: null);
        }

        try
        {
            // Opened by the caller, so EF Core leaves it open after each transaction.
            await db.Database.OpenConnectionAsync();
        }
        catch
        {
            await scope.DisposeAsync();
            throw;
        }

        return kept = new Lease(db, scope, new PreparedInserts());
    }

    /// <summary>After the transaction: a committed one leaves the kept context for the next, emptied; anything else drops it.</summary>
    public async Task ReturnAsync(Lease lease, bool committed)
    {
        if (!ReferenceEquals(lease, kept))
        {
            await lease.Scope.DisposeAsync();
        }
        else if (committed)
        {
            lease.Db.ChangeTracker.Clear();
        }
        else
        {
            await DisposeAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (kept is { } lease)
        {
            kept = null;
            lease.Inserts?.Dispose();

            // Back to the pool, which closes the connection.
            await lease.Scope.DisposeAsync();
        }
    }

    /// <summary>A transaction's context, and on SQLite the inserts prepared on its connection.</summary>
    internal sealed record Lease(MessagingDb Db, AsyncServiceScope Scope, PreparedInserts? Inserts);
}
