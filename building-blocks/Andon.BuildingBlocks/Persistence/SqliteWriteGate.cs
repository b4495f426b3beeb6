using Microsoft.EntityFrameworkCore;

namespace Andon.BuildingBlocks.Persistence;

/// <summary>
/// Turns at writing <typeparamref name="TContext"/>'s database when it is SQLite (standalone), taken
/// asynchronously and in order. SQLite has one write lock per file, and its driver waits for a busy
/// lock by putting the calling thread to sleep and trying again; the frequent writers of a database
/// (messaging's room writer, every outbox dispatcher) take a turn here instead, so they never meet at
/// the lock. On PostgreSQL a turn is free.
/// </summary>
public sealed class SqliteWriteGate<TContext> : IDisposable
    where TContext : DbContext
{
    private readonly SemaphoreSlim gate = new(1, 1);
    private readonly Turn held;

    public SqliteWriteGate() => held = new Turn(gate);

    /// <summary>Waits for the turn to write with <paramref name="db"/>; dispose the result to pass it on.</summary>
    public async ValueTask<IDisposable> EnterAsync(TContext db, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        if (!db.OnSqlite())
        {
            return Turn.Free;
        }

        await gate.WaitAsync(cancellationToken);
        return held;
    }

    public void Dispose() => gate.Dispose();

    private sealed class Turn(SemaphoreSlim? gate) : IDisposable
    {
        public static readonly Turn Free = new(null);

        public void Dispose() => gate?.Release();
    }
}
