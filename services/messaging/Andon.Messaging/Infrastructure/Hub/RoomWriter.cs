using System.Collections.Concurrent;
using System.Threading.Channels;
using Andon.BuildingBlocks.Outbox;
using Andon.BuildingBlocks.Persistence;
using Andon.Contracts;
using Andon.Messaging.Domain;
using Andon.Messaging.Infrastructure.Persistence;
using Microsoft.Data.Sqlite;
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

/// <summary>
/// The rows a transaction's commands add (messages, the room event log, the outbox), written together
/// before its <c>SaveChanges</c>: on SQLite through one prepared insert a table (ADR 0015), kept on the
/// writer's connection (ADR 0022); on PostgreSQL by <c>SaveChanges</c> itself, which sends them in
/// batches of statements.
/// </summary>
internal sealed class NewRows
{
    public List<Message> Messages { get; } = [];

    public List<RoomEvent> Events { get; } = [];

    public List<OutboxMessage> Outbox { get; } = [];

    public async Task WriteAsync(MessagingDb db, PreparedInserts? inserts, CancellationToken cancellationToken)
    {
        if (inserts is null)
        {
            db.AddRange(Messages);
            db.AddRange(Events);
            db.AddRange(Outbox);
            return;
        }

        await InsertAsync(db, inserts, Messages, cancellationToken);
        await InsertAsync(db, inserts, Events, cancellationToken);
        await InsertAsync(db, inserts, Outbox, cancellationToken);
    }

    private static async Task InsertAsync<T>(MessagingDb db, PreparedInserts inserts, List<T> rows, CancellationToken cancellationToken)
        where T : class
    {
        if (rows.Count == 0)
        {
            return;
        }

        var insert = inserts.For<T>(db);
        foreach (var row in rows)
        {
            await insert.InsertAsync(row, cancellationToken);
        }
    }
}

/// <summary>The unit of work of one batch: its transaction's context, the room's sequence, and what to broadcast after commit.</summary>
internal sealed class Batch(MessagingDb db, NewRows rows, Guid roomId, long lastSeq, DateTimeOffset now)
{
    public MessagingDb Db { get; } = db;

    public Guid RoomId { get; } = roomId;

    public long LastSeq { get; private set; } = lastSeq;

    public DateTimeOffset Now { get; } = now;

    public List<(byte[] Frame, long Seq)> Broadcasts { get; } = [];

    public List<Action> AfterCommit { get; } = [];

    /// <summary>Messages this batch posted, by sender and client id: a repeat within the batch finds its first copy.</summary>
    public Dictionary<(string SenderId, string ClientId), Message> Posted { get; } = [];

    /// <summary>
    /// Messages already stored under the batch's client ids, read for the whole transaction before the
    /// commands run; null where they were not read. On SQLite a transaction runs without the read unless a
    /// resend met the index in the last 10 s: a resend's insert then fails on the unique (room, client id,
    /// sender) index, and the writer redoes the transaction with it (ADR 0021).
    /// </summary>
    public Dictionary<(string SenderId, string ClientId), Message>? StoredByClientId { get; init; }

    public long NextSeq() => ++LastSeq;

    /// <summary>Stores a new message with the transaction.</summary>
    public void Insert(Message message) => rows.Messages.Add(message);

    /// <summary>Keeps the frame in the room's event log (for resume) and broadcasts it once committed.</summary>
    public void Record(object frame, long seq)
    {
        var bytes = Frames.Serialize(frame);
        rows.Events.Add(new RoomEvent { RoomId = RoomId, Seq = seq, Frame = System.Text.Encoding.UTF8.GetString(bytes), CreatedAt = Now });
        Broadcasts.Add((bytes, seq));
    }

    /// <summary>Queues an integration event in the transaction's outbox.</summary>
    public void Publish<TEvent>(TEvent integrationEvent)
        where TEvent : class, IIntegrationEvent => rows.Outbox.Add(OutboxModel.OutboxRow(integrationEvent));
}

/// <summary>A change to a room that takes the room's next sequence number(s).</summary>
internal abstract class RoomCommand(Guid roomId)
{
    public Guid RoomId { get; } = roomId;

    /// <summary>The user whose membership the command checks, if any (read ahead with the batch).</summary>
    public virtual string? ActorId => null;

    private readonly TaskCompletionSource<CommandResult> done = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The outcome, for a caller that waits for it (REST, the bus's consumers).</summary>
    public Task<CommandResult> Outcome => done.Task;

    /// <summary>
    /// Called with the outcome where it is known (on the writer's loop). A socket's ack is queued
    /// here right behind the broadcast of its message: a continuation of <see cref="Outcome"/> would
    /// wait its turn in the thread pool behind every member's delivery of that broadcast
    /// (bench/README.md point 22). Must only queue, never wait.
    /// </summary>
    public Action<CommandResult>? Answered { get; set; }

    /// <summary>
    /// Gives the command its outcome, once: <see cref="Outcome"/> and <see cref="Answered"/>. Called by
    /// the writer's loop, after the commit too, so an answer that throws is contained here: it must
    /// neither stop the loop nor send a stored batch back to be written again.
    /// </summary>
    public void Complete(CommandResult result)
    {
        if (!done.TrySetResult(result))
        {
            return;
        }

        try
        {
            Answered?.Invoke(result);
        }
#pragma warning disable CA1031 // Whatever failed, the outcome stands; the sender's socket is going away.
        catch (Exception)
#pragma warning restore CA1031
        {
            // Nothing to undo: the command's work is done or refused whether its sender hears of it or not.
        }
    }

    /// <summary>Whether the command may change messaging's copy of the room or its members (see <see cref="KnownRooms"/>).</summary>
    public virtual bool ChangesRoomCopies => false;

    /// <summary>Runs inside the batch's transaction: changes tracked entities, never saves.</summary>
    public abstract Task<CommandResult> ExecuteAsync(Batch batch, CancellationToken cancellationToken);
}

/// <summary>
/// Commands queue up per room and are applied in batches, each batch in one transaction that takes
/// its sequence numbers from the room's counter row (a concurrency token, so two instances writing
/// the same room cannot both commit the same numbers). Nothing is broadcast or acknowledged before
/// the commit. One writer per process takes whatever is waiting in every room and commits it in one
/// transaction (each room still numbered from its own counter), so rooms do not pay a commit each
/// (ADR 0010, ADR 0014). On SQLite, which has one write lock per database, it shares the lock with
/// the outbox dispatcher through <see cref="SqliteWriteGate{TContext}"/>; on PostgreSQL it locks the
/// transaction's counter rows in room id order, so two replicas writing the same rooms wait for
/// each other instead of deadlocking.
/// </summary>
internal sealed class RoomWriter : IAsyncDisposable
{
    private const int MaxBatch = 256;
    private const int MaxTransaction = 1024;

    // SQLITE_CONSTRAINT_UNIQUE.
    private const int SqliteUniqueConstraint = 2067;

    // On SQLite, how long after a resend met the unique index every transaction reads the stored
    // client ids first: in a storm of resends (clients back after a drop) that read costs less than
    // redoing each transaction (ADR 0021).
    private static readonly TimeSpan ReadResendsAfterOne = TimeSpan.FromSeconds(10);

    private readonly ConcurrentDictionary<Guid, Channel<RoomCommand>> queues = new();
    private readonly WriterContexts contexts;
    private readonly RoomHub hub;
    private readonly TimeProvider clock;
    private readonly ILogger<RoomWriter> logger;
    private readonly SqliteWriteGate<MessagingDb> writeGate;
    private readonly Task loop;
    private volatile bool stopping;

    // The rooms with commands waiting, each listed at most once, for the writer.
    private readonly Channel<Guid> readyRooms = Channel.CreateUnbounded<Guid>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ConcurrentDictionary<Guid, byte> listed = new();

    // On SQLite, the last number this writer committed in each room (only the writer's loop touches
    // it). See ReadCountersAsync.
    private readonly Dictionary<Guid, long> committedSeq = [];

    // On SQLite, the rooms and members the writer read last (only the writer's loop touches it).
    private readonly KnownRooms known = new();

    // On SQLite, when a resend last met the unique index (only the writer's loop touches it).
    private long? resendMetAt;

    public RoomWriter(IServiceScopeFactory scopes, RoomHub hub, TimeProvider clock, SqliteWriteGate<MessagingDb> writeGate, ILogger<RoomWriter> logger)
    {
        contexts = new WriterContexts(scopes);
        this.writeGate = writeGate;
        this.hub = hub;
        this.clock = clock;
        this.logger = logger;
        loop = Task.Run(RunAsync);
    }

    public Task<CommandResult> SubmitAsync(RoomCommand command)
    {
        if (stopping)
        {
            command.Complete(CommandResult.Fail("unavailable", "The server is stopping; try again."));
            return command.Outcome;
        }

        var queue = queues.GetOrAdd(command.RoomId, NewQueue);
        if (!queue.Writer.TryWrite(command))
        {
            command.Complete(CommandResult.Fail("unavailable", "The room is busy; try again."));
        }
        else
        {
            List(command.RoomId);
        }

        return command.Outcome;
    }

    private static Channel<RoomCommand> NewQueue(Guid roomId) =>
        Channel.CreateBounded<RoomCommand>(new BoundedChannelOptions(10_000) { SingleReader = true, FullMode = BoundedChannelFullMode.DropWrite });

    private void List(Guid roomId)
    {
        if (listed.TryAdd(roomId, 0))
        {
            readyRooms.Writer.TryWrite(roomId);
        }
    }

    /// <summary>The one writer of every room: a transaction takes up to 256 commands of each listed room, 1,024 in all.</summary>
    private async Task RunAsync()
    {
        while (await readyRooms.Reader.WaitToReadAsync())
        {
            var work = new Dictionary<Guid, RoomWork>();
            var total = 0;
            while (total < MaxTransaction && readyRooms.Reader.TryRead(out var roomId))
            {
                // Unlisted before it is drained: a command queued from here on lists the room again.
                listed.TryRemove(roomId, out _);
                if (!work.TryGetValue(roomId, out var room))
                {
                    room = new RoomWork(roomId, []);
                }

                var reader = queues[roomId].Reader;
                while (room.Commands.Count < MaxBatch && reader.TryRead(out var command))
                {
                    room.Commands.Add(command);
                    total++;
                }

                if (room.Commands.Count > 0)
                {
                    work[roomId] = room;
                }
            }

            if (work.Count > 0)
            {
                await ApplyAsync([.. work.Values]);
            }

            // A room with more than one batch waiting goes to the back of the line.
            foreach (var roomId in work.Keys)
            {
                if (queues[roomId].Reader.Count > 0)
                {
                    List(roomId);
                }
            }
        }
    }

    /// <summary>
    /// When the server stops (after its sockets, requests and consumers): the writer finishes the
    /// transaction it is in and lets its context go; a command from here on is refused.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        stopping = true;
        readyRooms.Writer.TryComplete();

        // A loop that failed has nothing left to finish.
        await loop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await contexts.DisposeAsync();
    }

    private async Task ApplyAsync(IReadOnlyList<RoomWork> work)
    {
        for (var attempt = 1; ; attempt++)
        {
            // On SQLite the stored client ids are read only once an insert has met one, and for a while
            // after (see Batch.StoredByClientId).
            var readResends = resendMetAt is { } met && clock.GetElapsedTime(met) < ReadResendsAfterOne;
            try
            {
                await TransactAsync(work, readResends);
                return;
            }
            catch (SqliteException ex) when (ex.SqliteExtendedErrorCode == SqliteUniqueConstraint && !readResends)
            {
                // A resend of a message an earlier transaction stored: nothing of this one was kept. Redo it
                // at once, reading the stored client ids first.
                resendMetAt = clock.GetTimestamp();
                continue;
            }
            catch (DbUpdateException ex) when (attempt < 10)
            {
                Forget(work);
                // Another instance took the same numbers first (the first batch of a room, before its
                // counter row exists, or on SQLite a counter moved behind this writer): read again and redo.
                logger.LogInformation(ex, "A batch of {Rooms} room(s) conflicted (attempt {Attempt}); retrying", work.Count, attempt);
            }
#pragma warning disable CA1031 // Every waiting sender must get an answer, whatever failed.
            catch (Exception ex) when (work.Count > 1)
            {
                Forget(work);
                // One room's failure must not fail the others: each room again in a transaction of its own.
                logger.LogWarning(ex, "A batch of {Rooms} rooms could not be stored together; storing each room on its own", work.Count);
                foreach (var room in work)
                {
                    await ApplyAsync([room]);
                }

                return;
            }
            catch (Exception ex)
#pragma warning restore CA1031
            {
                Forget(work);
                var room = work[0];
                logger.LogWarning(ex, "Room {RoomId}: a batch of {Count} could not be stored", room.RoomId, room.Commands.Count);
                foreach (var command in room.Commands)
                {
                    command.Complete(CommandResult.Fail("unavailable", "The message could not be stored; nothing was saved. Try again."));
                }

                return;
            }

            // Only a conflicted batch gets here: wait a little, then redo it.
            await Task.Delay(Random.Shared.Next(5, 25 * attempt));
        }
    }

    /// <summary>
    /// One transaction of the work: stored, then broadcast and answered. Throws what failed, with
    /// nothing stored. The stored client ids are read first with <paramref name="readResends"/>, and
    /// always on PostgreSQL.
    /// </summary>
    private async Task TransactAsync(IReadOnlyList<RoomWork> work, bool readResends)
    {
        var lease = await contexts.TakeAsync();
        var committed = false;
        try
        {
            var db = lease.Db;
            using var turn = await writeGate.EnterAsync(db, CancellationToken.None);
            await using var transaction = await db.Database.BeginTransactionAsync();
            var sqlite = db.OnSqlite();
            var (counters, stored) = await ReadCountersAsync(db, work);
            await RoomRules.LoadAsync(db, [.. work.SelectMany(w => w.Commands)], sqlite ? known : null);
            var retries = readResends || !sqlite ? await PostMessage.FindRetriesAsync(db, work.SelectMany(w => w.Commands)) : null;
            // Whole milliseconds: what is broadcast now is what history reads back later (SQLite
            // keeps a time to a tenth of a millisecond, PostgreSQL to a microsecond).
            var clockNow = clock.GetUtcNow();
            var now = clockNow.AddTicks(-(clockNow.Ticks % TimeSpan.TicksPerMillisecond));
            var rows = new NewRows();
            var applied = new List<(RoomWork Room, Batch Batch, List<CommandResult> Results)>(work.Count);
            foreach (var room in work)
            {
                var counter = counters[room.RoomId];
                var batch = new Batch(db, rows, room.RoomId, counter.LastSeq, now)
                {
                    StoredByClientId = retries?[room.RoomId].ToDictionary(m => (m.SenderId, m.ClientId!)),
                };
                var results = new List<CommandResult>(room.Commands.Count);
                foreach (var command in room.Commands)
                {
                    results.Add(await command.ExecuteAsync(batch, CancellationToken.None));
                }

                counter.LastSeq = batch.LastSeq;
                applied.Add((room, batch, results));
            }

            await rows.WriteAsync(db, lease.Inserts, CancellationToken.None);
            await MoveCountersAsync(db, counters, stored);
            await db.SaveChangesAsync();
            await transaction.CommitAsync();
            committed = true;
            if (sqlite)
            {
                known.Remember(db, changed: work.Where(w => w.Commands.Any(c => c.ChangesRoomCopies)).Select(w => w.RoomId).ToHashSet());
            }

            foreach (var (room, batch, results) in applied)
            {
                if (sqlite)
                {
                    committedSeq[room.RoomId] = batch.LastSeq;
                }

                Committed(room, batch, results);
            }
        }
        finally
        {
            await contexts.ReturnAsync(lease, committed);
        }
    }

    /// <summary>
    /// The rooms' counter rows (new ones added); on PostgreSQL locked for the transaction and
    /// tracked. On SQLite the writer is the file's one writer and knows the numbers it committed
    /// last: those rows are taken as they were, not read again (a lone message's transaction spent
    /// ~0.4 ms reading them, bench/README.md point 18); the stored ones are untracked and returned with
    /// their numbers for <see cref="MoveCountersAsync"/>, which still names the number it expects (the
    /// concurrency token), so a counter moved by anyone else fails the transaction, and the redo reads it.
    /// </summary>
    private async Task<(Dictionary<Guid, RoomCounter> Counters, Dictionary<Guid, long> Stored)> ReadCountersAsync(MessagingDb db, IReadOnlyList<RoomWork> work)
    {
        var ids = work.Select(w => w.RoomId).ToArray();
        Dictionary<Guid, RoomCounter> counters;
        Dictionary<Guid, long> stored = [];
        if (db.OnSqlite())
        {
            counters = [];
            foreach (var id in ids)
            {
                if (committedSeq.TryGetValue(id, out var lastSeq))
                {
                    counters[id] = new RoomCounter { RoomId = id, LastSeq = lastSeq };
                }
            }

            var unknown = ids.Where(id => !counters.ContainsKey(id)).ToArray();
            if (unknown.Length > 0)
            {
                foreach (var counter in await db.Counters.AsNoTracking().Where(c => unknown.Contains(c.RoomId)).ToListAsync())
                {
                    counters[counter.RoomId] = counter;
                }
            }

            stored = counters.ToDictionary(c => c.Key, c => c.Value.LastSeq);
        }
        else
        {
            // The rows are locked for the transaction, in room id order (the sort runs before the
            // lock): another instance writing the same rooms waits for this commit and then reads the
            // new numbers instead of colliding, and two instances never hold each other's rooms.
            counters = await db.Counters
                .FromSqlInterpolated($"SELECT room_id, last_seq FROM room_counters WHERE room_id = ANY({ids}) ORDER BY room_id FOR UPDATE")
                .ToDictionaryAsync(c => c.RoomId);
        }

        foreach (var id in ids.Where(id => !counters.ContainsKey(id)))
        {
            var counter = new RoomCounter { RoomId = id, LastSeq = 0 };
            db.Counters.Add(counter);
            counters[id] = counter;
        }

        return (counters, stored);
    }

    /// <summary>
    /// On SQLite, the transaction's stored counters moved in one statement, each only from the
    /// number the writer had for it: a counter moved by anyone else stays as it is, the count comes up
    /// short, and the transaction fails and is redone from the rows. <c>SaveChanges</c> would build and
    /// prepare one <c>UPDATE</c> a room, a few thousand a second across 500 rooms (bench/README.md
    /// point 27). New counters are inserted by <c>SaveChanges</c>; on PostgreSQL it writes them all.
    /// </summary>
    private static async Task MoveCountersAsync(MessagingDb db, Dictionary<Guid, RoomCounter> counters, Dictionary<Guid, long> stored)
    {
        var moved = stored
            .Where(s => counters[s.Key].LastSeq != s.Value)
            .Select(s => new object[] { s.Key, s.Value, counters[s.Key].LastSeq })
            .ToList();
        if (moved.Count == 0)
        {
            return;
        }

        var count = await db.Database.ExecuteSqlRawAsync(
            "UPDATE room_counters SET last_seq = k.value ->> 2 FROM json_each({0}) AS k WHERE room_counters.room_id = k.value ->> 0 AND room_counters.last_seq = k.value ->> 1",
            SqliteConventions.JsonRows(moved));
        if (count != moved.Count)
        {
            throw new DbUpdateConcurrencyException($"{moved.Count - count} of the transaction's {moved.Count} room counters moved behind the writer.");
        }
    }

    /// <summary>Whatever failed, the numbers, copies and members of these rooms are read again by their next transaction.</summary>
    private void Forget(IReadOnlyList<RoomWork> work)
    {
        foreach (var room in work)
        {
            committedSeq.Remove(room.RoomId);
            known.Forget(room.RoomId);
        }
    }

    /// <summary>
    /// After the commit the batch is stored whatever happens next: a failure to broadcast is logged
    /// (clients catch up by resume) and never reported to a sender as "nothing was saved".
    /// </summary>
    private void Committed(RoomWork room, Batch batch, List<CommandResult> results)
    {
        try
        {
            hub.Publish(room.RoomId, batch.Broadcasts);
            foreach (var action in batch.AfterCommit)
            {
                action();
            }
        }
#pragma warning disable CA1031 // The senders must still get their acks.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            logger.LogError(ex, "Room {RoomId}: a stored batch of {Count} could not be broadcast", room.RoomId, room.Commands.Count);
        }

        for (var i = 0; i < room.Commands.Count; i++)
        {
            room.Commands[i].Complete(results[i]);
        }
    }

    /// <summary>One room's share of a transaction: its commands, in the order they came.</summary>
    private sealed record RoomWork(Guid RoomId, List<RoomCommand> Commands);
}
