using System.Collections.Concurrent;
using System.Threading.Channels;
using Andon.Messaging.Domain;
using Andon.Messaging.Infrastructure.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Andon.Messaging.Infrastructure.Hub;

/// <summary>What a command came to: a value for its caller, or an error code of the protocol.</summary>
internal sealed record CommandResult(object? Value, string? ErrorCode = null, string? ErrorMessage = null)
{
    public bool Ok => ErrorCode is null;

    public static CommandResult Fail(string code, string message) => new(null, code, message);
}

/// <summary>The unit of work of one batch: its transaction's context, the room's sequence, and what to broadcast after commit.</summary>
internal sealed class Batch(MessagingDb db, Guid roomId, long lastSeq, DateTimeOffset now)
{
    public MessagingDb Db { get; } = db;

    public Guid RoomId { get; } = roomId;

    public long LastSeq { get; private set; } = lastSeq;

    public DateTimeOffset Now { get; } = now;

    public List<(byte[] Frame, long Seq)> Broadcasts { get; } = [];

    public List<Action> AfterCommit { get; } = [];

    /// <summary>
    /// Messages already stored under the batch's client ids, read in one query before the commands
    /// run (null: not read, so a command looks its own up).
    /// </summary>
    public Dictionary<(string SenderId, string ClientId), Message>? StoredByClientId { get; set; }

    public long NextSeq() => ++LastSeq;

    /// <summary>Keeps the frame in the room's event log (for resume) and broadcasts it once committed.</summary>
    public void Record(object frame, long seq)
    {
        var bytes = Frames.Serialize(frame);
        Db.RoomEvents.Add(new RoomEvent { RoomId = RoomId, Seq = seq, Frame = System.Text.Encoding.UTF8.GetString(bytes), CreatedAt = Now });
        Broadcasts.Add((bytes, seq));
    }
}

/// <summary>A change to a room that takes the room's next sequence number(s).</summary>
internal abstract class RoomCommand(Guid roomId)
{
    public Guid RoomId { get; } = roomId;

    public TaskCompletionSource<CommandResult> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Runs inside the batch's transaction: changes tracked entities, never saves.</summary>
    public abstract Task<CommandResult> ExecuteAsync(Batch batch, CancellationToken cancellationToken);
}

/// <summary>
/// One writer per room: commands queue up and are applied in batches, each batch one transaction
/// that takes its sequence numbers from the room's counter row (a concurrency token, so two
/// instances writing the same room cannot both commit the same numbers). Nothing is broadcast or
/// acknowledged before the commit. On SQLite, which has one write lock per database, the rooms'
/// batches take turns through one asynchronous gate instead of waiting for the lock in SQLite's
/// busy handler (which sleeps on a thread-pool thread).
/// </summary>
internal sealed class RoomWriter(IServiceScopeFactory scopes, RoomHub hub, TimeProvider clock, ILogger<RoomWriter> logger) : IDisposable
{
    private const int MaxBatch = 256;
    private readonly ConcurrentDictionary<Guid, Channel<RoomCommand>> queues = new();
    private readonly SemaphoreSlim sqliteWriteGate = new(1, 1);

    public void Dispose() => sqliteWriteGate.Dispose();

    public Task<CommandResult> SubmitAsync(RoomCommand command)
    {
        var queue = queues.GetOrAdd(command.RoomId, Start);
        if (!queue.Writer.TryWrite(command))
        {
            command.Done.TrySetResult(CommandResult.Fail("unavailable", "The room is busy; try again."));
        }

        return command.Done.Task;
    }

    private Channel<RoomCommand> Start(Guid roomId)
    {
        var queue = Channel.CreateBounded<RoomCommand>(new BoundedChannelOptions(10_000) { SingleReader = true, FullMode = BoundedChannelFullMode.DropWrite });
        _ = Task.Run(() => RunAsync(roomId, queue.Reader));
        return queue;
    }

    private async Task RunAsync(Guid roomId, ChannelReader<RoomCommand> reader)
    {
        var batch = new List<RoomCommand>(MaxBatch);
        while (await reader.WaitToReadAsync())
        {
            while (batch.Count < MaxBatch && reader.TryRead(out var command))
            {
                batch.Add(command);
            }

            await ApplyAsync(roomId, batch);
            batch.Clear();
        }
    }

    private async Task ApplyAsync(Guid roomId, List<RoomCommand> commands)
    {
        for (var attempt = 1; ; attempt++)
        {
            var gate = (SemaphoreSlim?)null;
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                var db = scope.ServiceProvider.GetRequiredService<MessagingDb>();
                if (db.Database.IsSqlite())
                {
                    gate = sqliteWriteGate;
                    await gate.WaitAsync();
                }

                await using var transaction = await db.Database.BeginTransactionAsync();
                // On PostgreSQL the row is locked for the batch, so another instance writing the same
                // room waits for this commit and then reads the new number instead of colliding.
                var counter = db.Database.IsNpgsql()
                    ? (await db.Counters.FromSqlInterpolated($"SELECT room_id, last_seq FROM room_counters WHERE room_id = {roomId} FOR UPDATE").ToListAsync()).FirstOrDefault()
                    : await db.Counters.FirstOrDefaultAsync(c => c.RoomId == roomId);
                if (counter is null)
                {
                    counter = new RoomCounter { RoomId = roomId, LastSeq = 0 };
                    db.Counters.Add(counter);
                }

                var batch = new Batch(db, roomId, counter.LastSeq, clock.GetUtcNow());
                await PostMessage.FindRetriesAsync(batch, commands);
                var results = new List<CommandResult>(commands.Count);
                foreach (var command in commands)
                {
                    results.Add(await command.ExecuteAsync(batch, CancellationToken.None));
                }

                counter.LastSeq = batch.LastSeq;
                await db.SaveChangesAsync();
                await transaction.CommitAsync();
                Committed(roomId, commands, batch, results);
                return;
            }
            catch (DbUpdateException ex) when (attempt < 10)
            {
                // Another instance took the same numbers first (the first batch of a room, before its
                // counter row exists, or on SQLite): read again and redo.
                logger.LogInformation(ex, "Room {RoomId} batch conflicted (attempt {Attempt}); retrying", roomId, attempt);
            }
#pragma warning disable CA1031 // Every waiting sender must get an answer, whatever failed.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                logger.LogWarning(ex, "Room {RoomId}: a batch of {Count} could not be stored", roomId, commands.Count);
                foreach (var command in commands)
                {
                    command.Done.TrySetResult(CommandResult.Fail("unavailable", "The message could not be stored; nothing was saved. Try again."));
                }

                return;
            }
            finally
            {
                gate?.Release();
            }

            // Only a conflicted batch gets here: wait a little (outside the gate), then redo it.
            await Task.Delay(Random.Shared.Next(5, 25 * attempt));
        }
    }

    /// <summary>
    /// After the commit the batch is stored whatever happens next: a failure to broadcast is logged
    /// (clients catch up by resume) and never reported to a sender as "nothing was saved".
    /// </summary>
    private void Committed(Guid roomId, List<RoomCommand> commands, Batch batch, List<CommandResult> results)
    {
        try
        {
            hub.Publish(roomId, batch.Broadcasts);
            foreach (var action in batch.AfterCommit)
            {
                action();
            }
        }
#pragma warning disable CA1031 // The senders must still get their acks.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            logger.LogError(ex, "Room {RoomId}: a stored batch of {Count} could not be broadcast", roomId, commands.Count);
        }

        for (var i = 0; i < commands.Count; i++)
        {
            commands[i].Done.TrySetResult(results[i]);
        }
    }
}
