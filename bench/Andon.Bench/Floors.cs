using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using HdrHistogram;

namespace Andon.Bench;


internal static class Floors
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static async Task<int> RunAsync(Uri url, bool quick, string resultsDir)
    {
        // The floors of CONTRACT.md, measured against a running Andon (standalone):
        // broadcast latency with 100 connections in one room at 120 messages a minute, and the time of a
        // 50-message history page in a room of 1,000+ messages. Writes bench/results/floors.json and .md.
        var connections = 100;
        var seconds = quick ? 15 : 60;
        var historySize = quick ? 1_000 : 1_200;

        using var http = new HttpClient { BaseAddress = url };
        var users = new[] { "operator@andon.local", "maintenance@andon.local", "quality@andon.local" };
        var tokens = new Dictionary<string, string>();
        foreach (var user in users)
        {
            var response = await http.PostAsync(new Uri("/connect/token", UriKind.Relative), new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["grant_type"] = "password",
                ["client_id"] = "andon-scripts",
                ["username"] = user,
                ["password"] = "andon-dev",
            }));
            response.EnsureSuccessStatusCode();
            tokens[user] = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("access_token").GetString()!;
        }

        HttpClient As(string user)
        {
            var client = new HttpClient { BaseAddress = url };
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", tokens[user]);
            return client;
        }

        async Task<Guid> NewRoom(string title)
        {
            using var owner = As(users[0]);
            var created = await owner.PostAsJsonAsync(new Uri("/api/rooms", UriKind.Relative), new { title, incident_type = "other", severity = "low" });
            created.EnsureSuccessStatusCode();
            var roomId = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("room_id").GetGuid();
            await owner.PostAsJsonAsync(new Uri($"/api/rooms/{roomId}/members", UriKind.Relative), new { user_id = users[1], role = "editor" });
            await owner.PostAsJsonAsync(new Uri($"/api/rooms/{roomId}/members", UriKind.Relative), new { user_id = users[2], role = "viewer" });
            using var viewer = As(users[2]);
            while ((await viewer.GetAsync(new Uri($"/api/rooms/{roomId}/messages?limit=1", UriKind.Relative))).StatusCode != System.Net.HttpStatusCode.OK)
            {
                await Task.Delay(50);
            }

            return roomId;
        }

        // --- broadcast: 100 connections, two senders, 2 messages a second -------------------------------
        var room = await NewRoom("bench broadcast");
        var broadcast = new LongHistogram(TimeStamp.Seconds(10), 3);
        var received = 0L;
        var sockets = new List<ClientWebSocket>();
        var readers = new List<Task>();
        using var stop = new CancellationTokenSource();
        for (var i = 0; i < connections; i++)
        {
            var socket = new ClientWebSocket();
            socket.Options.SetRequestHeader("Authorization", "Bearer " + tokens[users[i % users.Length]]);
            await socket.ConnectAsync(new UriBuilder(url) { Scheme = "ws", Path = $"/ws/{room}" }.Uri, CancellationToken.None);
            sockets.Add(socket);
            readers.Add(Read(socket, stop.Token));
        }

        async Task Read(ClientWebSocket socket, CancellationToken cancellation)
        {
            var buffer = new byte[64 * 1024];
            try
            {
                while (!cancellation.IsCancellationRequested)
                {
                    var result = await socket.ReceiveAsync(buffer, cancellation);
                    var now = Stopwatch.GetTimestamp();
                    var text = Encoding.UTF8.GetString(buffer, 0, result.Count);
                    var marker = text.IndexOf("\"content\":\"t=", StringComparison.Ordinal);
                    if (text.StartsWith("{\"type\":\"message\"", StringComparison.Ordinal) && marker > 0)
                    {
                        var start = marker + "\"content\":\"t=".Length;
                        var sent = long.Parse(text.AsSpan(start, text.IndexOf('"', start) - start), CultureInfo.InvariantCulture);
                        lock (broadcast)
                        {
                            broadcast.RecordValue(now - sent);
                        }

                        Interlocked.Increment(ref received);
                    }
                }
            }
            catch (Exception ex) when (ex is OperationCanceledException or WebSocketException)
            {
            }
        }

        var sent = 0;
        var senders = new[] { sockets[0], sockets[1] };
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed.TotalSeconds < seconds)
        {
            var socket = senders[sent % 2];
            var frame = JsonSerializer.SerializeToUtf8Bytes(new { type = "message", client_id = $"b-{sent}", message_type = "text", content = $"t={Stopwatch.GetTimestamp()}" });
            await socket.SendAsync(frame, WebSocketMessageType.Text, true, CancellationToken.None);
            sent++;
            await Task.Delay(500);
        }

        await Task.Delay(2000);
        await stop.CancelAsync();
        foreach (var socket in sockets)
        {
            socket.Abort();
            socket.Dispose();
        }

        // --- history: a room of 1,000+ messages, 50-message pages ---------------------------------------
        var historyRoom = await NewRoom("bench history");
        var posters = users.Take(2).Select(As).ToList();
        var posted = 0;
        await Task.WhenAll(posters.Select(async (client, which) =>
        {
            for (var i = which; i < historySize; i += posters.Count)
            {
                var response = await client.PostAsJsonAsync(new Uri($"/api/rooms/{historyRoom}/messages", UriKind.Relative), new { client_id = $"h-{i}", message_type = "text", content = $"設備溫度紀錄 {i}: 第三號線輸送帶馬達 {i % 90} °C" });
                if (response.StatusCode == System.Net.HttpStatusCode.TooManyRequests)
                {
                    i -= posters.Count;
                    await Task.Delay(120);
                    continue;
                }

                response.EnsureSuccessStatusCode();
                Interlocked.Increment(ref posted);
            }
        }));

        var pages = new LongHistogram(TimeStamp.Seconds(10), 3);
        using var reader = As(users[2]);
        var random = new Random(7);
        for (var i = 0; i < 300; i++)
        {
            var before = random.Next(60, historySize);
            var start = Stopwatch.GetTimestamp();
            var response = await reader.GetAsync(new Uri($"/api/rooms/{historyRoom}/messages?limit=50&before_seq={before}", UriKind.Relative));
            await response.Content.ReadAsByteArrayAsync();
            pages.RecordValue(Stopwatch.GetTimestamp() - start);
        }

        double Ms(LongHistogram h, double percentile) => h.GetValueAtPercentile(percentile) * 1000.0 / Stopwatch.Frequency;

        var expected = (long)sent * connections;
        var result = new
        {
            scenario = "floors",
            measured_at = DateTimeOffset.UtcNow,
            target = url.ToString(),
            quick,
            broadcast = new
            {
                connections,
                messages_sent = sent,
                messages_per_minute = sent * 60.0 / seconds,
                deliveries_expected = expected,
                deliveries_received = received,
                p50_ms = Ms(broadcast, 50),
                p99_ms = Ms(broadcast, 99),
                p999_ms = Ms(broadcast, 99.9),
                floor = "p99 < 100 ms",
            },
            history = new
            {
                messages_in_room = posted,
                page_size = 50,
                requests = 300,
                p50_ms = Ms(pages, 50),
                p99_ms = Ms(pages, 99),
                floor = "< 200 ms",
            },
        };
        Directory.CreateDirectory(resultsDir);
        await File.WriteAllTextAsync(Path.Combine(resultsDir, "floors.json"), JsonSerializer.Serialize(result, Indented));
        var md = $"""
            # Floors of CONTRACT.md ({result.measured_at:u}, {(quick ? "quick" : "full")} run against {url})

            | measure | value | floor |
            |---|---|---|
            | broadcast p50 / p99 / p99.9, {connections} connections, {result.broadcast.messages_per_minute:F0} msg/min | {result.broadcast.p50_ms:F1} / {result.broadcast.p99_ms:F1} / {result.broadcast.p999_ms:F1} ms | p99 < 100 ms |
            | deliveries received / expected | {received} / {expected} | all |
            | history page of 50, room of {posted} messages, p50 / p99 | {result.history.p50_ms:F1} / {result.history.p99_ms:F1} ms | < 200 ms |
            """;
        await File.WriteAllTextAsync(Path.Combine(resultsDir, "floors.md"), md + "\n");
        Console.WriteLine(md);
        return received == expected ? 0 : 1;
    }
}
