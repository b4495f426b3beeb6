using System.Diagnostics;
using System.Net;
using HdrHistogram;

namespace Andon.Bench;

/// <summary>
/// History pages (keyset, 50 a page, newest first), catch-up pages (after_seq) and search, with
/// 1,000 stored messages in the room and then with many more (1,000,000; 100,000 in a quick run).
/// The first 1,000 are sent through REST (POST /api/rooms/{id}/messages, as an integration would),
/// mixed Chinese and English. The rest are copies of them made directly in standalone's SQLite
/// database with one INSERT … SELECT (new ids, numbers after the originals, the same text), because
/// the API would take hours at the per-user rate limit; the copies are rows of the same shape as
/// those the service wrote.
/// </summary>
internal static class History
{
    private static readonly string[] Lines =
    [
        "設備溫度紀錄 {0}: 第三號線輸送帶馬達 {1} °C",
        "Line 3 conveyor motor temperature {1} °C at station {0}",
        "品保抽檢第 {0} 批，外觀不良 {1} 件，已隔離",
        "壓力異常 {1} kPa，請設備課確認 (工單 {0})",
        "Maintenance on the way, ETA {1} min (ticket {0})",
    ];

    public static async Task<int> RunAsync(bool quick, string resultsDir)
    {
        var large = quick ? 100_000 : 1_000_000;
        var report = new Report("history", quick, resultsDir);
        await using var server = await Server.StandaloneAsync();
        using var api = new AndonApi(server.Url);
        var senders = 50;
        var (room, posted, seedSeconds) = await SeedAsync(api, 1000, senders);
        var owner = Server.UserId(0);
        report.Line($"Room seeded with {posted} messages by REST in {seedSeconds:F1} s ({senders} users).");
        report.Line();
        report.Line("| stored messages | request | n | p50 ms | p95 ms | p99 ms | max ms | result size |");
        report.Line("|---|---|---|---|---|---|---|---|");
        await WarmUpAsync(api, owner, room);
        var small = await MeasureAsync(api, owner, room, 1000, quick, report);

        var clock = Stopwatch.StartNew();
        var copies = (large / 1000) - 1;
        var copied = Sqlite(Path.Combine(server.DataFolder!, "messaging.db"), $"""
            PRAGMA busy_timeout = 30000;
            BEGIN;
            WITH RECURSIVE k(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM k WHERE n < {copies}),
                 top(s) AS (SELECT MAX(SequenceNumber) FROM messages WHERE upper(RoomId) = upper('{room}'))
            INSERT INTO messages (MessageId, RoomId, SequenceNumber, SenderId, SenderName, MessageType, Content, Mentions, FileId, Metadata, ClientId, CreatedAt, EditedAt, DeletedAt, SearchText)
            SELECT upper(substr(h, 1, 8) || '-' || substr(h, 9, 4) || '-4' || substr(h, 14, 3) || '-a' || substr(h, 18, 3) || '-' || substr(h, 21, 12)),
                   m.RoomId, m.SequenceNumber + k.n * top.s, m.SenderId, m.SenderName, m.MessageType, m.Content, m.Mentions, m.FileId, m.Metadata,
                   m.ClientId || '-c' || k.n, m.CreatedAt, m.EditedAt, m.DeletedAt, m.SearchText
            FROM (SELECT *, lower(hex(randomblob(16))) AS h FROM messages WHERE upper(RoomId) = upper('{room}')) m, k, top;
            UPDATE room_counters SET last_seq = (SELECT MAX(SequenceNumber) FROM messages WHERE upper(RoomId) = upper('{room}')) WHERE upper(room_id) = upper('{room}');
            COMMIT;
            SELECT COUNT(*) FROM messages WHERE upper(RoomId) = upper('{room}');
            """);
        var copySeconds = clock.Elapsed.TotalSeconds;
        var stored = long.TryParse(copied.Trim().Split('\n')[^1], out var n) ? n : 0;

        // The search index is filled behind the writer (docs/decisions/0018-search-index-behind-the-writer.md):
        // the copies are measured once it has reached them, as after an import, and its time is reported.
        clock.Restart();
        var messagesFile = Path.Combine(server.DataFolder!, "messaging.db");
        while (long.Parse(Sqlite(Path.Combine(server.DataFolder!, "messaging-search.db"), $"""
            ATTACH DATABASE '{messagesFile}' AS m;
            SELECT (SELECT MAX(rowid) FROM m.messages) - message_rowid FROM indexed;
            """).Trim(), System.Globalization.CultureInfo.InvariantCulture) > 0)
        {
            await Task.Delay(500);
        }

        var indexSeconds = clock.Elapsed.TotalSeconds;
        var big = await MeasureAsync(api, owner, room, stored, quick, report);
        report.Line();
        report.Line($"The room was grown to {stored:N0} messages by copying in SQLite in {copySeconds:F1} s; the search index had indexed the copies {indexSeconds:F1} s later. Search is `LIKE '%term%'` over a lower-cased copy of the text, narrowed by the trigram index for three or more characters; `輸送帶` is in one message of five, `工單 7` in a few.");
        report.Line("The two reference rows are not history: `/health/live` answers without a token or the database, and a room's presence makes the same token, room and membership checks as a page and no more.");
        report.Line("Targets: history page p99 < 5 ms at 1,000,000 messages; search p95 < 100 ms.");
        report.Set("seed", new { rest_messages = posted, rest_seconds = Math.Round(seedSeconds, 1), copied_to = stored, copy_seconds = Math.Round(copySeconds, 1), index_seconds = Math.Round(indexSeconds, 1), method = "REST send for 1,000, then INSERT … SELECT copies in SQLite" });
        report.Set("results", new Dictionary<string, object> { ["1000"] = small, [stored.ToString(System.Globalization.CultureInfo.InvariantCulture)] = big });
        await report.WriteAsync("History pages and search (standalone, SQLite)");
        return 0;
    }

    /// <summary>A room of <paramref name="senders"/> bench users with <paramref name="count"/> messages sent through REST, mixed Chinese and English.</summary>
    internal static async Task<(Guid Room, int Posted, double Seconds)> SeedAsync(AndonApi api, int count, int senders)
    {
        await api.TokensAsync(senders);
        var owner = Server.UserId(0);
        var room = await api.CreateRoomAsync(owner, "bench history 三號線", Enumerable.Range(1, senders - 1).Select(Server.UserId));
        var clock = Stopwatch.StartNew();
        var posted = 0;
        await Parallel.ForEachAsync(Enumerable.Range(0, senders), new ParallelOptions { MaxDegreeOfParallelism = senders }, async (u, ct) =>
        {
            for (var i = u; i < count; i += senders)
            {
                var content = string.Format(System.Globalization.CultureInfo.InvariantCulture, Lines[i % Lines.Length], i, i % 90);
                while (true)
                {
                    using var response = await api.SendAsync(HttpMethod.Post, Server.UserId(u), $"/api/rooms/{room}/messages", new { client_id = $"h-{i}", message_type = "text", content });
                    if (response.StatusCode == HttpStatusCode.TooManyRequests)
                    {
                        await Task.Delay(150, ct);
                        continue;
                    }

                    response.EnsureSuccessStatusCode();
                    Interlocked.Increment(ref posted);
                    break;
                }

                await Task.Delay(125, ct);
            }
        });
        return (room, posted, clock.Elapsed.TotalSeconds);
    }

    /// <summary>Every request in turn, unreported, for the warm-up time: the first measured step must not pay for the JIT.</summary>
    private static async Task WarmUpAsync(AndonApi api, string user, Guid room)
    {
        var requests = Requests(room, 1000, new Random(3));
        var clock = Stopwatch.StartNew();
        for (var i = 0; clock.Elapsed < Fanout.WarmUp; i++)
        {
            using var response = await api.SendAsync(HttpMethod.Get, user, requests[i % requests.Length].Path());
            response.EnsureSuccessStatusCode();
        }
    }

    internal static (string Name, Func<string> Path)[] Requests(Guid room, long stored, Random random)
    {
        var top = stored + 5;
        return
        [
            // Two references for the rest: what any request costs here (no token, no database), and
            // what every request on a room costs before its own work (the token, the room and the
            // membership lookups), so a page's time can be told from the pipeline's.
            ("reference: /health/live", () => "/health/live"),
            ("reference: room presence", () => $"/api/rooms/{room}/presence"),
            ("page of 50 before a random seq", () => $"/api/rooms/{room}/messages?limit=50&before_seq={random.NextInt64(60, top)}"),
            ("newest page of 50", () => $"/api/rooms/{room}/messages?limit=50"),
            ("catch-up 200 after a random seq", () => $"/api/rooms/{room}/messages?limit=200&after_seq={random.NextInt64(0, Math.Max(1, top - 200))}"),
            ("search 輸送帶 in the room", () => $"/api/messages/search?q={Uri.EscapeDataString("輸送帶")}&room_id={room}&limit=20"),
            ("search 工單 7 (all my rooms)", () => $"/api/messages/search?q={Uri.EscapeDataString("工單 7")}&limit=20"),
            ("search conveyor (all my rooms)", () => $"/api/messages/search?q=conveyor&limit=20"),
        ];
    }

    private static async Task<Dictionary<string, object>> MeasureAsync(AndonApi api, string user, Guid room, long stored, bool quick, Report report)
    {
        // 2,000 of each: a p99 of 500 requests was their fifth slowest, and moved by more than the changes it was to judge.
        var n = quick ? 200 : 2000;
        var requests = Requests(room, stored, new Random(7));
        var results = new Dictionary<string, object>(StringComparer.Ordinal);
        foreach (var (name, path) in requests)
        {
            var h = new LongHistogram(60_000_000, 3);
            long bytes = 0;
            // A slow request type gets fewer tries: at most 30 s of requests each.
            var count = 0;
            var budget = Stopwatch.StartNew();
            for (var i = 0; i < n && (i < 5 || budget.Elapsed < TimeSpan.FromSeconds(30)); i++, count++)
            {
                var start = Stopwatch.GetTimestamp();
                using var response = await api.SendAsync(HttpMethod.Get, user, path());
                var body = await response.Content.ReadAsByteArrayAsync();
                h.RecordValue(LoadRun.Micros(Stopwatch.GetTimestamp() - start));
                response.EnsureSuccessStatusCode();
                bytes += body.Length;
            }

            var p = Percentiles.From(h);
            var p95 = h.GetValueAtPercentile(95) / 1000.0;
            report.Line($"| {stored:N0} | {name} | {count} | {p.P50Ms:F1} | {p95:F1} | {p.P99Ms:F1} | {p.MaxMs:F1} | {bytes / count / 1024.0:F1} KB |");
            results[name] = new { requests = count, p50_ms = p.P50Ms, p95_ms = p95, p99_ms = p.P99Ms, max_ms = p.MaxMs, mean_bytes = bytes / count };
        }

        return results;
    }

    private static string Sqlite(string file, string sql)
    {
        var start = new ProcessStartInfo("sqlite3") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        start.ArgumentList.Add(file);
        using var p = Process.Start(start)!;
        p.StandardInput.Write(sql);
        p.StandardInput.Close();
        var output = p.StandardOutput.ReadToEnd();
        var error = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0)
        {
            throw new InvalidOperationException("sqlite3: " + error);
        }

        return output;
    }
}
