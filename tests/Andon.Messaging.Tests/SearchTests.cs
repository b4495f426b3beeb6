using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Andon.Messaging.Features.Search;
using Andon.Messaging.Infrastructure.Persistence;
using Andon.Testing;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using static Andon.Testing.StandaloneSystem;

namespace Andon.Messaging.Tests;

/// <summary>Message search: Chinese substrings, highlights that are safe HTML, only the caller's rooms, the trigram index and the capped total.</summary>
[Collection(StandaloneMessagingMode.Name)]
public sealed class SearchTests(StandaloneSystem system)
{
    private static Uri At(string path) => new(path, UriKind.Relative);

    [Fact]
    public async Task Search_finds_chinese_marks_hits_escapes_the_rest_and_stays_in_the_callers_rooms()
    {
        var marker = Guid.NewGuid().ToString("N")[..6];
        var room = await system.ReadyRoomAsync();
        using var owner = system.As(Owner);
        var sent = await owner.PostAsJsonAsync(At($"/api/rooms/{room}/messages"), new { client_id = "s", message_type = "text", content = $"{marker} 設備溫度上升 <script>alert(1)</script> 溫度" });
        Assert.Equal(HttpStatusCode.Created, sent.StatusCode);

        var found = await StandaloneSystem.Json(await owner.GetAsync(At($"/api/messages/search?q={Uri.EscapeDataString(marker + " 設備溫度")}")));
        var hit = Assert.Single(found.GetProperty("items").EnumerateArray());
        Assert.Equal(1, found.GetProperty("total").GetInt32());
        Assert.Equal(room, hit.GetProperty("room_id").GetGuid());
        Assert.Equal("三號線輸送帶停止", hit.GetProperty("room_title").GetString());

        var byWord = await StandaloneSystem.Json(await owner.GetAsync(At($"/api/messages/search?room_id={room}&q={Uri.EscapeDataString("溫度")}")));
        var highlight = Assert.Single(byWord.GetProperty("items").EnumerateArray()).GetProperty("highlight").GetString();
        Assert.Equal($"{marker} 設備<mark>溫度</mark>上升 &lt;script&gt;alert(1)&lt;/script&gt; <mark>溫度</mark>", highlight);

        using var stranger = system.As(NonMember);
        var hidden = await StandaloneSystem.Json(await stranger.GetAsync(At($"/api/messages/search?q={marker}")));
        Assert.Equal(0, hidden.GetProperty("total").GetInt32());
        using var admin = system.As(Admin);
        Assert.Equal(1, (await StandaloneSystem.Json(await admin.GetAsync(At($"/api/messages/search?q={marker}")))).GetProperty("total").GetInt32());

        Assert.Equal(HttpStatusCode.BadRequest, (await owner.GetAsync(At("/api/messages/search?q="))).StatusCode);
        Assert.Equal(0, (await StandaloneSystem.Json(await owner.GetAsync(At($"/api/messages/search?q={Uri.EscapeDataString("%" + marker)}")))).GetProperty("total").GetInt32());
    }
    [Fact]
    public async Task Search_finds_three_or_more_characters_by_the_index_and_two_by_like_newest_first_and_never_deleted_or_replaced_text()
    {
        var marker = Guid.NewGuid().ToString("N")[..6];
        var room = await system.ReadyRoomAsync();
        await using var owner = await system.Connect(room, Owner);
        var first = await Send(owner, "t-1", $"{marker}甲 設備溫度上升");
        await Send(owner, "t-2", $"{marker}乙 壓力異常");
        var third = await Send(owner, "t-3", $"{marker}丙 舊的文字");
        using var client = system.As(Owner);

        // Six characters: the trigram index. All three, newest first, the total exact and not capped.
        var all = await SearchAsync(client, marker, room);
        Assert.Equal(3, all.GetProperty("total").GetInt32());
        Assert.False(all.GetProperty("total_capped").GetBoolean());
        Assert.Equal(new[] { "丙", "乙", "甲" }, all.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("message").GetProperty("content").GetString()![6..7]).ToArray());
        Assert.Equal("乙", (await SearchAsync(client, marker, room, "&limit=1&offset=1")).GetProperty("items")[0].GetProperty("message").GetProperty("content").GetString()![6..7]);

        // Two Chinese characters have no trigram: found by LIKE alone. Four: by the index.
        Assert.Equal($"{marker}甲 設備<mark>溫度</mark>上升", Assert.Single((await SearchAsync(client, "溫度", room)).GetProperty("items").EnumerateArray()).GetProperty("highlight").GetString());
        Assert.Single((await SearchAsync(client, "溫度上升", room)).GetProperty("items").EnumerateArray());

        // An edit replaces the indexed text: the old words are no longer found, the new ones are.
        await owner.SendJsonAsync(new { type = "edit_message", message_id = third.GetProperty("message_id").GetGuid(), content = $"{marker}丙 新的內容" });
        await owner.NextOfTypeAsync("message_edited");
        Assert.Equal(0, (await SearchAsync(client, "舊的文字", room)).GetProperty("total").GetInt32());
        Assert.Single((await SearchAsync(client, "新的內容", room)).GetProperty("items").EnumerateArray());

        // A deleted message is found by neither path.
        await owner.SendJsonAsync(new { type = "delete_message", message_id = first.GetProperty("message_id").GetGuid() });
        await owner.NextOfTypeAsync("message_deleted");
        Assert.Equal(0, (await SearchAsync(client, "溫度", room)).GetProperty("total").GetInt32());
        Assert.Equal(0, (await SearchAsync(client, "溫度上升", room)).GetProperty("total").GetInt32());
        Assert.Equal(2, (await SearchAsync(client, marker, room)).GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task A_term_is_found_where_it_stands_whole_not_where_its_trigrams_lie_apart()
    {
        var room = await system.ReadyRoomAsync();
        await using var owner = await system.Connect(room, Owner);
        await Send(owner, "w-1", "三號線輸送帶停止");
        // Every trigram of 輸送帶停止 (輸送帶, 送帶停, 帶停止) is in this one, but not the term: not a match.
        await Send(owner, "w-2", "輸送帶停了，皮帶停止");
        await Send(owner, "w-3", "Valve \"B-2\" stuck");
        using var client = system.As(Owner);

        var whole = await SearchAsync(client, "輸送帶停止", room);
        Assert.Equal("三號線<mark>輸送帶停止</mark>", Assert.Single(whole.GetProperty("items").EnumerateArray()).GetProperty("highlight").GetString());
        Assert.Equal(2, (await SearchAsync(client, "輸送帶停", room)).GetProperty("total").GetInt32());

        // Double quotes are text, in any case.
        Assert.Equal(1, (await SearchAsync(client, "VALVE \"b-2\" Stuck", room)).GetProperty("total").GetInt32());
        Assert.Equal(0, (await SearchAsync(client, "\"b-2\" valve", room)).GetProperty("total").GetInt32());

        // The longest term allowed (200 characters, 198 trigrams) is answered, not refused by FTS5.
        var longest = string.Concat(Enumerable.Range(0, 200).Select(i => (char)(0x4E00 + (i * 7919 % 2000))));
        Assert.Equal(0, (await SearchAsync(client, longest, room)).GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task Search_counts_at_most_1000_matches_and_still_pages_past_them_newest_first()
    {
        var marker = Guid.NewGuid().ToString("N")[..6];
        var room = await system.ReadyRoomAsync();
        using var owner = system.As(Owner);
        Assert.Equal(HttpStatusCode.Created, (await owner.PostAsJsonAsync(At($"/api/rooms/{room}/messages"), new { client_id = "c-0", message_type = "text", content = $"{marker} 輸送帶 原本" })).StatusCode);

        // 1,100 older copies written straight into the database: the API would take minutes at the
        // per-user rate. Older in time and in number, as a room's history is (negative numbers: the
        // room's own start at 1). The triggers index them.
        await using (var db = new SqliteConnection($"Data Source={Path.Combine(system.DataFolder, "messaging.db")}"))
        {
            await db.OpenAsync();
            await using var copy = db.CreateCommand();
            copy.CommandText = """
                PRAGMA busy_timeout = 10000;
                WITH RECURSIVE k(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM k WHERE n < 1100)
                INSERT INTO messages (MessageId, RoomId, SequenceNumber, SenderId, SenderName, MessageType, Content, Mentions, FileId, Metadata, ClientId, CreatedAt, EditedAt, DeletedAt, SearchText)
                SELECT upper(substr(h, 1, 8) || '-' || substr(h, 9, 4) || '-4' || substr(h, 14, 3) || '-a' || substr(h, 18, 3) || '-' || substr(h, 21, 12)),
                       m.RoomId, -k.n, m.SenderId, m.SenderName, m.MessageType, replace(m.Content, '原本', '副本'), m.Mentions, m.FileId, m.Metadata,
                       m.ClientId || '-c' || k.n, m.CreatedAt - k.n * 2048, m.EditedAt, m.DeletedAt, replace(m.SearchText, '原本', '副本')
                FROM (SELECT *, lower(hex(randomblob(16))) AS h FROM messages WHERE upper(RoomId) = upper($room)) m, k;
                """;
            copy.Parameters.AddWithValue("$room", room.ToString());
            Assert.Equal(1100, await copy.ExecuteNonQueryAsync());
        }

        Assert.Equal(HttpStatusCode.Created, (await owner.PostAsJsonAsync(At($"/api/rooms/{room}/messages"), new { client_id = "c-1", message_type = "text", content = $"{marker} 輸送帶 最新" })).StatusCode);

        // 1,102 matches: by the index (the marker) and by LIKE alone (two characters).
        foreach (var term in new[] { marker, "送帶" })
        {
            var page = await SearchAsync(owner, term, room);
            Assert.Equal(1000, page.GetProperty("total").GetInt32());
            Assert.True(page.GetProperty("total_capped").GetBoolean());
            var items = page.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("message").GetProperty("content").GetString()).ToList();
            Assert.Equal(20, items.Count);
            Assert.Equal([$"{marker} 輸送帶 最新", $"{marker} 輸送帶 原本"], items[..2]);
            Assert.All(items[2..], c => Assert.Equal($"{marker} 輸送帶 副本", c));
            var last = await SearchAsync(owner, term, room, "&limit=20&offset=1090");
            Assert.Equal(12, last.GetProperty("items").GetArrayLength());
            Assert.True(last.GetProperty("total_capped").GetBoolean());
        }

        using var admin = system.As(Admin);
        Assert.True((await Json(await admin.GetAsync(At($"/api/messages/search?q={marker}")))).GetProperty("total_capped").GetBoolean());
        using var stranger = system.As(NonMember);
        var none = await Json(await stranger.GetAsync(At($"/api/messages/search?q={marker}")));
        Assert.Equal(0, none.GetProperty("total").GetInt32());
        Assert.False(none.GetProperty("total_capped").GetBoolean());
    }

    [Fact]
    public async Task The_trigram_index_is_filled_behind_the_writer_in_its_own_file_and_a_search_sees_what_it_has_not_reached()
    {
        var marker = Guid.NewGuid().ToString("N")[..6];
        var room = await system.ReadyRoomAsync();
        await using var owner = await system.Connect(room, Owner);
        using var client = system.As(Owner);
        var messages = $"Data Source={Path.Combine(system.DataFolder, "messaging.db")}";
        var index = $"Data Source={Path.Combine(system.DataFolder, "messaging-search.db")}";

        // messaging.db keeps no trigrams: no index table, no trigger writing one.
        Assert.Equal(0L, await ScalarAsync(messages, "SELECT COUNT(*) FROM sqlite_master WHERE name LIKE '%fts%'"));

        var old = await Send(owner, "i-0", $"{marker} 舊的文字");
        var oldRow = await ScalarAsync(messages, $"SELECT rowid FROM messages WHERE upper(MessageId) = upper('{old.GetProperty("message_id").GetGuid()}')");
        await IndexedAsync(index, oldRow);

        // The indexer held (the test takes the index file's write lock): a send is still stored and
        // acknowledged, and a search still finds a new message and an edit's new text.
        await using (var hold = new SqliteConnection(index))
        {
            await hold.OpenAsync();
            await using var held = hold.BeginTransaction();
            var fresh = await Send(owner, "i-1", $"{marker} 新到的訊息");
            await owner.SendJsonAsync(new { type = "edit_message", message_id = old.GetProperty("message_id").GetGuid(), content = $"{marker} 改過的內容" });
            await owner.NextOfTypeAsync("message_edited");
            var freshRow = await ScalarAsync(messages, $"SELECT rowid FROM messages WHERE upper(MessageId) = upper('{fresh.GetProperty("message_id").GetGuid()}')");
            Assert.True(await ScalarAsync(index, "SELECT message_rowid FROM indexed") < freshRow);

            Assert.Single((await SearchAsync(client, "新到的訊息", room)).GetProperty("items").EnumerateArray());
            Assert.Single((await SearchAsync(client, "改過的內容", room)).GetProperty("items").EnumerateArray());
            Assert.Equal(0, (await SearchAsync(client, "舊的文字", room)).GetProperty("total").GetInt32());
            Assert.Equal(2, (await SearchAsync(client, marker, room)).GetProperty("total").GetInt32());
            await held.RollbackAsync();

            // Let go, the indexer catches up with both marks (a batch that read before the edit
            // passes the message first, the edit follows in the next): both texts are in the index
            // itself, and found the same.
            await IndexedAsync(index, freshRow, await ScalarAsync(messages, "SELECT MAX(Id) FROM message_edits"));
            Assert.Equal(freshRow, await ScalarAsync(index, "SELECT rowid FROM messages_fts WHERE messages_fts MATCH '\"新到的訊息\"'"));
            Assert.Equal(oldRow, await ScalarAsync(index, "SELECT rowid FROM messages_fts WHERE messages_fts MATCH '\"改過的內容\"'"));
            Assert.Single((await SearchAsync(client, "新到的訊息", room)).GetProperty("items").EnumerateArray());
            Assert.Single((await SearchAsync(client, "改過的內容", room)).GetProperty("items").EnumerateArray());
            Assert.Equal(0, (await SearchAsync(client, "舊的文字", room)).GetProperty("total").GetInt32());
        }
    }

    [Fact]
    public async Task An_index_ahead_of_the_messages_is_emptied_and_built_again()
    {
        var folder = AndonHosts.TemporaryFolder();
        var messages = $"Data Source={Path.Combine(folder, "messaging.db")}";
        var file = Path.Combine(folder, "messaging-search.db");
        await using (var db = new SqliteMessagingDb(new DbContextOptionsBuilder<SqliteMessagingDb>().UseSqlite(messages).Options))
        {
            await db.Database.MigrateAsync();
        }

        await StoreAsync(messages, "設備溫度上升", "壓力異常警報", "輸送帶停止");
        await using (var indexer = await SearchIndexer.OpenAsync(messages, file, CancellationToken.None))
        {
            Assert.Equal(3, await SearchIndexer.IndexNextAsync(indexer, CancellationToken.None));
        }

        // messaging.db put back from an older copy: the three are gone, and a new message is numbered
        // 1 again, below the index's mark. Opened again, the indexer starts over and indexes it.
        await ScalarAsync(messages, "DELETE FROM messages");
        await StoreAsync(messages, "新的訊息內容");
        await using (var indexer = await SearchIndexer.OpenAsync(messages, file, CancellationToken.None))
        {
            Assert.Equal(1, await SearchIndexer.IndexNextAsync(indexer, CancellationToken.None));
        }

        var index = $"Data Source={file}";
        Assert.Equal(1L, await ScalarAsync(index, "SELECT rowid FROM messages_fts WHERE messages_fts MATCH '\"新的訊息\"'"));
        Assert.Equal(0L, await ScalarAsync(index, "SELECT COUNT(*) FROM messages_fts WHERE messages_fts MATCH '\"溫度上升\"'"));
        Assert.Equal(1L, await ScalarAsync(index, "SELECT message_rowid FROM indexed"));
    }

    private static async Task StoreAsync(string messages, params string[] contents)
    {
        foreach (var content in contents)
        {
            await using var connection = new SqliteConnection(messages);
            await connection.OpenAsync();
            await using var insert = connection.CreateCommand();
            insert.CommandText = """
                INSERT INTO messages (MessageId, RoomId, SequenceNumber, SenderId, SenderName, MessageType, Content, Mentions, FileId, Metadata, ClientId, CreatedAt, EditedAt, DeletedAt, SearchText)
                VALUES (upper($id), upper($room), (SELECT COUNT(*) + 1 FROM messages), 'u', 'U', 'text', $content, '[]', NULL, NULL, $id, 0, NULL, NULL, $content);
                """;
            insert.Parameters.AddWithValue("$id", Guid.NewGuid().ToString());
            insert.Parameters.AddWithValue("$room", Guid.Empty.ToString());
            insert.Parameters.AddWithValue("$content", content);
            await insert.ExecuteNonQueryAsync();
        }
    }

    private static async Task<long> ScalarAsync(string connectionString, string sql)
    {
        await using var connection = new SqliteConnection(connectionString);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Waits (up to 10 s) until the index file's marks have reached the message's rowid and the edit's id.</summary>
    private static async Task IndexedAsync(string index, long rowid, long editId = 0)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (await ScalarAsync(index, $"SELECT message_rowid >= {rowid} AND edit_id >= {editId} FROM indexed") == 0)
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"the search index did not reach rowid {rowid} and edit {editId} in 10 s");
            await Task.Delay(50);
        }
    }

    private static async Task<JsonElement> Send(WsClient client, string clientId, string content)
    {
        await client.SendMessageAsync(clientId, content);
        return await client.NextAsync(f => f.GetProperty("type").GetString() == "ack" && f.GetProperty("client_id").GetString() == clientId);
    }

    private static async Task<JsonElement> SearchAsync(HttpClient client, string term, Guid room, string paging = "")
    {
        using var response = await client.GetAsync(At($"/api/messages/search?room_id={room}&q={Uri.EscapeDataString(term)}{paging}"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await Json(response);
    }
}
