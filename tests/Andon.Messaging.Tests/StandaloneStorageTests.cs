using System.Text.Json;
using Andon.Messaging.Infrastructure.Hub;
using Andon.Messaging.Infrastructure.Persistence;
using Andon.Testing;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using static Andon.Testing.StandaloneSystem;

namespace Andon.Messaging.Tests;

/// <summary>Standalone keeps messages in SQLite; how it shares the file matters to senders.</summary>
[Collection(StandaloneMessagingMode.Name)]
public sealed class StandaloneStorageTests(StandaloneSystem system)
{
    [Fact]
    public async Task A_long_read_of_the_message_database_does_not_hold_up_a_send()
    {
        var room = await system.ReadyRoomAsync();
        await using var owner = await system.Connect(room, Owner);
        await owner.NextOfTypeAsync("hello");

        // A report or a backup reading messaging's SQLite file inside one long transaction. With a
        // rollback journal its read lock would keep every commit (and so every ack) waiting until it
        // ends; with the write-ahead log readers and the writer do not block each other.
        await using var reader = new SqliteConnection($"Data Source={Path.Combine(system.DataFolder, "messaging.db")}");
        await reader.OpenAsync();
        await using var transaction = reader.BeginTransaction(deferred: true);
        await using (var read = reader.CreateCommand())
        {
            read.Transaction = transaction;
            read.CommandText = "SELECT count(*) FROM messages";
            await read.ExecuteScalarAsync();
        }

        await owner.SendMessageAsync("while-read", "報表讀取中仍可傳送");
        var ack = await owner.NextAsync(f => f.GetProperty("type").GetString() is "ack" or "error", TimeSpan.FromSeconds(10));
        Assert.Equal("ack", ack.GetProperty("type").GetString());
        Assert.Equal("while-read", ack.GetProperty("client_id").GetString());
        await transaction.RollbackAsync();
    }

    [Fact]
    public async Task A_room_number_taken_behind_the_writers_back_is_never_given_again()
    {
        // On SQLite the room writer keeps the last number it committed in each room instead of reading
        // the counter again for every transaction. If the counter moves elsewhere (another process on
        // the file, a restore), the next commit must fail on the counter's expected value and be redone
        // from the row: the message gets the next free number, not a number twice, and is not refused.
        var room = await system.ReadyRoomAsync();
        await using var owner = await system.Connect(room, Owner);
        await owner.NextOfTypeAsync("hello");
        await owner.SendMessageAsync("before-move", "移動前");
        var first = (await owner.NextOfTypeAsync("ack")).GetProperty("sequence_number").GetInt64();

        await using (var other = new SqliteConnection($"Data Source={Path.Combine(system.DataFolder, "messaging.db")}"))
        {
            await other.OpenAsync();
            await using var move = other.CreateCommand();
            move.CommandText = "UPDATE room_counters SET last_seq = last_seq + 5 WHERE room_id = $room";
            move.Parameters.AddWithValue("$room", room.ToString().ToUpperInvariant());
            Assert.Equal(1, await move.ExecuteNonQueryAsync());
        }

        await owner.SendMessageAsync("after-move", "移動後");
        var ack = await owner.NextAsync(f => f.GetProperty("type").GetString() is "ack" or "error", TimeSpan.FromSeconds(10));
        Assert.Equal("ack", ack.GetProperty("type").GetString());
        Assert.Equal(first + 6, ack.GetProperty("sequence_number").GetInt64());
    }

    [Fact]
    public async Task A_transaction_looks_up_retried_client_ids_and_senders_memberships_pair_by_pair_in_their_indexes()
    {
        // Every transaction asks whether its client ids are stored already (a resend after a lost ack)
        // and whether its senders may send. Those lookups must cost the same in a room of 20 messages
        // and of 200,000, and for 500 rooms of one sender each in one transaction: SQLite's plan takes
        // the (room, key) pairs one by one and seeks each in the index, instead of walking the rooms'
        // rows or seeking every room with every key.
        var options = new DbContextOptionsBuilder<SqliteMessagingDb>().UseSqlite($"Data Source={Path.Combine(system.DataFolder, "messaging.db")}").Options;
        await using var db = new SqliteMessagingDb(options);
        await db.Database.OpenConnectionAsync();
        (Guid, string)[] pairs = [(Guid.NewGuid(), "a"), (Guid.NewGuid(), "b"), (Guid.NewGuid(), "c")];

        var retries = await PlanAsync(PostMessage.Stored(db, pairs));
        Assert.Equal(2, retries.Count);
        Assert.StartsWith("SCAN k VIRTUAL TABLE", retries[0], StringComparison.Ordinal);
        Assert.Equal("SEARCH m USING INDEX IX_messages_RoomId_ClientId_SenderId (RoomId=? AND ClientId=?)", retries[1]);

        var members = await PlanAsync(RoomRules.Members(db, pairs));
        Assert.Equal(2, members.Count);
        Assert.StartsWith("SCAN k VIRTUAL TABLE", members[0], StringComparison.Ordinal);
        Assert.Equal("SEARCH r USING INDEX sqlite_autoindex_room_members_1 (RoomId=? AND UserId=?)", members[1]);
    }

    private static async Task<List<string>> PlanAsync<T>(IQueryable<T> query)
    {
        await using var explain = query.CreateDbCommand();
        explain.CommandText = "EXPLAIN QUERY PLAN " + explain.CommandText;
        var plan = new List<string>();
        await using var rows = await explain.ExecuteReaderAsync();
        while (await rows.ReadAsync())
        {
            plan.Add(rows.GetString(rows.GetOrdinal("detail")));
        }

        return plan;
    }

    [Fact]
    public async Task A_search_in_one_room_walks_the_rooms_numbers_newest_first_without_sorting()
    {
        // A frequent term in a room of 1,000,000 messages is answered by walking the room newest first
        // until a page of matches is found. The walk must follow an index: a sort would read every
        // match first. The room's numbers have one already; no index by room and time is kept for it
        // (each index keyed by room costs the writer a page a message, ADR 0015).
        var options = new DbContextOptionsBuilder<SqliteMessagingDb>().UseSqlite($"Data Source={Path.Combine(system.DataFolder, "messaging.db")}").Options;
        await using var db = new SqliteMessagingDb(options);
        await db.Database.OpenConnectionAsync();
        var room = Guid.NewGuid();
        var inRoom = db.Messages.Where(m => m.RoomId == room && m.DeletedAt == null && EF.Functions.Like(m.SearchText, "%x%"));

        var walk = await PlanAsync(Andon.Messaging.Features.Search.SearchEndpoint.NewestFirst(inRoom, room).Take(20));
        Assert.Contains(walk, step => step.Contains("USING INDEX IX_messages_RoomId_SequenceNumber", StringComparison.Ordinal));
        Assert.DoesNotContain(walk, step => step.Contains("TEMP B-TREE", StringComparison.Ordinal));

        var across = await PlanAsync(Andon.Messaging.Features.Search.SearchEndpoint.NewestFirst(db.Messages.Where(m => m.DeletedAt == null), null).Take(20));
        Assert.Contains(across, step => step.Contains("USING INDEX IX_messages_CreatedAt_SequenceNumber", StringComparison.Ordinal));
        Assert.DoesNotContain(across, step => step.Contains("TEMP B-TREE", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_sent_message_is_stored_column_for_column_as_it_was_broadcast_with_its_event_log_and_outbox_rows()
    {
        // The room writer stores new messages, their event-log frames and their outbox rows through
        // prepared inserts built from the model (ADR 0015), not through SaveChanges. Every column must
        // come back through the model as it was sent and broadcast, the time included (the frame is
        // built before the row is stored).
        var room = await system.ReadyRoomAsync();
        await using var owner = await system.Connect(room, Owner);
        await owner.NextOfTypeAsync("hello");
        await owner.SendJsonAsync(new { type = "message", client_id = "columns-1", message_type = "text", content = "Conveyor 輸送帶 STOPPED", mentions = new[] { "Tech@Andon.Local" } });
        var frame = await owner.NextAsync(f => f.GetProperty("type").GetString() == "message", TimeSpan.FromSeconds(10));
        var sent = frame.GetProperty("message");
        var messageId = Guid.Parse(sent.GetProperty("message_id").GetString()!);
        var seq = sent.GetProperty("sequence_number").GetInt64();

        var options = new DbContextOptionsBuilder<SqliteMessagingDb>().UseSqlite($"Data Source={Path.Combine(system.DataFolder, "messaging.db")}").Options;
        await using var db = new SqliteMessagingDb(options);
        var stored = await db.Messages.SingleAsync(m => m.RoomId == room && m.SequenceNumber == seq);
        Assert.Equal(messageId, stored.MessageId);
        Assert.Equal(Owner, stored.SenderId);
        Assert.Equal(sent.GetProperty("sender_name").GetString(), stored.SenderName);
        Assert.Equal(Andon.Messaging.Domain.MessageType.Text, stored.MessageType);
        Assert.Equal("Conveyor 輸送帶 STOPPED", stored.Content);
        Assert.Equal("conveyor 輸送帶 stopped", stored.SearchText);
        Assert.Equal(["tech@andon.local"], stored.Mentions);
        Assert.Equal("columns-1", stored.ClientId);
        Assert.Null(stored.FileId);
        Assert.Null(stored.EditedAt);
        Assert.Null(stored.DeletedAt);
        Assert.Equal(sent.GetProperty("created_at").GetDateTimeOffset(), stored.CreatedAt);

        var logged = await db.RoomEvents.SingleAsync(e => e.RoomId == room && e.Seq == seq);
        Assert.Equal(frame.GetRawText(), logged.Frame);
        Assert.Equal(stored.CreatedAt, logged.CreatedAt);

        var outbox = await db.Set<Andon.BuildingBlocks.Outbox.OutboxMessage>().Where(o => o.Payload.Contains(messageId.ToString())).SingleAsync();
        Assert.Equal(typeof(Andon.Contracts.MessagePosted).FullName, outbox.Type);
        Assert.Equal(stored.CreatedAt, outbox.OccurredAt);
        Assert.True(outbox.Id > 0, "the database numbers the outbox row");
        var posted = JsonSerializer.Deserialize<Andon.Contracts.MessagePosted>(outbox.Payload, Andon.BuildingBlocks.Hosting.AndonJson.Options)!;
        Assert.Equal(outbox.EventId, posted.EventId);
        Assert.Equal((room, messageId, seq), (posted.RoomId, posted.MessageId, posted.SequenceNumber));

        // The search index is fed by the insert's trigger.
        using var client = system.As(Owner);
        var found = await Json(await client.GetAsync(new Uri($"/api/messages/search?q=輸送帶&room_id={room}", UriKind.Relative)));
        Assert.Contains(found.GetProperty("items").EnumerateArray(), i => i.GetProperty("message").GetProperty("message_id").GetString() == messageId.ToString());
    }

    [Fact]
    public async Task Sends_into_many_rooms_at_once_are_each_numbered_in_their_own_room()
    {
        // Standalone commits whatever waits in every room in one transaction. One sender, the same
        // client_id in every room: each room must store its own message under its own numbers, and a
        // repeat in one room must find that room's copy only.
        var rooms = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => system.ReadyRoomAsync()));
        var sockets = new List<WsClient>();
        try
        {
            foreach (var room in rooms)
            {
                var socket = await system.Connect(room, Owner);
                sockets.Add(socket);
                await socket.NextOfTypeAsync("hello");
            }

            await Task.WhenAll(sockets.Select(s => s.SendMessageAsync("same-id", "第一則")));
            await Task.WhenAll(sockets.Select(s => s.SendMessageAsync("second", "第二則")));
            var acks = await Task.WhenAll(sockets.Select(async s =>
            {
                // Acks answer by client_id, not necessarily in the order of the sends.
                var answers = new Dictionary<string, JsonElement>();
                for (var i = 0; i < 2; i++)
                {
                    var answer = await s.NextAsync(f => f.GetProperty("type").GetString() is "ack" or "error", TimeSpan.FromSeconds(10));
                    answers[answer.GetProperty("client_id").GetString()!] = answer;
                }

                return (First: answers["same-id"], Second: answers["second"]);
            }));

            var firstIds = new HashSet<string>();
            foreach (var (first, second) in acks)
            {
                Assert.Equal("ack", first.GetProperty("type").GetString());
                Assert.Equal("ack", second.GetProperty("type").GetString());
                Assert.Equal("same-id", first.GetProperty("client_id").GetString());
                Assert.True(firstIds.Add(first.GetProperty("message_id").GetString()!), "each room stores its own message");
                Assert.Equal(first.GetProperty("sequence_number").GetInt64() + 1, second.GetProperty("sequence_number").GetInt64());
            }

            // A repeat in the first room answers with that room's stored message, and stores nothing.
            await sockets[0].SendMessageAsync("same-id", "第一則");
            var repeat = await sockets[0].NextAsync(f => f.GetProperty("type").GetString() is "ack" or "error", TimeSpan.FromSeconds(10));
            Assert.Equal(acks[0].First.GetProperty("message_id").GetString(), repeat.GetProperty("message_id").GetString());

            for (var i = 0; i < rooms.Length; i++)
            {
                using var owner = system.As(Owner);
                var page = await Json(await owner.GetAsync(new Uri($"/api/rooms/{rooms[i]}/messages", UriKind.Relative)));
                var stored = page.GetProperty("messages").EnumerateArray().OrderBy(m => m.GetProperty("sequence_number").GetInt64()).Select(m => (m.GetProperty("content").GetString(), m.GetProperty("message_id").GetString())).ToList();
                Assert.Equal(["第一則", "第二則"], stored.Select(m => m.Item1));
                Assert.Equal(acks[i].First.GetProperty("message_id").GetString(), stored[0].Item2);
            }
        }
        finally
        {
            foreach (var socket in sockets)
            {
                await socket.DisposeAsync();
            }
        }
    }
}
