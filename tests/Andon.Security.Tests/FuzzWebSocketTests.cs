using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Andon.Testing;
using static Andon.Testing.StandaloneSystem;

namespace Andon.Security.Tests;

/// <summary>
/// A deterministic corpus of hostile WebSocket frames against one room's socket: every frame is
/// answered (an error frame, or an ack for one that happens to be a valid message) or, for
/// invalid UTF-8 in a text frame only, the socket closes with 1007 (docs/messaging.md); the socket
/// and the host keep working, and the room holds exactly the messages that were acknowledged.
/// </summary>
[Collection(HostileStandalone.Name)]
public sealed class FuzzWebSocketTests(StandaloneSystem system)
{
    private enum Expect
    {
        /// <summary>An error frame (the frame is not a valid command).</summary>
        Error,

        /// <summary>An ack or an error frame (the frame may be a valid message).</summary>
        AckOrError,
    }

    private sealed record Frame(string Label, byte[] Bytes, WebSocketMessageType Kind, Expect Expect);

    private static string Type(JsonElement f) => f.GetProperty("type").GetString()!;

    private static bool IsAnswer(JsonElement f) => Type(f) is "error" or "ack";

    [Fact]
    public async Task A_generated_corpus_of_hostile_frames_is_answered_frame_by_frame_and_the_socket_and_host_keep_working()
    {
        var room = await system.ReadyRoomAsync();
        var corpus = Corpus(new Random(9));
        Assert.True(corpus.Count >= 300, $"corpus has {corpus.Count} frames");

        var acked = new HashSet<Guid>();
        var socket = await system.Connect(room, Owner);
        await socket.NextOfTypeAsync("hello");
        try
        {
            foreach (var frame in corpus)
            {
                await socket.SendRawAsync(frame.Bytes, frame.Kind);
                JsonElement answer;
                try
                {
                    answer = await socket.NextAsync(IsAnswer, TimeSpan.FromSeconds(15));
                }
                catch (Exception ex) when (ex is TimeoutException or InvalidOperationException)
                {
                    throw new Xunit.Sdk.XunitException($"Frame \"{frame.Label}\" was not answered (socket {socket.State}, close {socket.CloseStatus}): {ex.Message[..Math.Min(ex.Message.Length, 600)]}");
                }

                if (frame.Expect == Expect.Error)
                {
                    Assert.True(Type(answer) == "error", $"Frame \"{frame.Label}\" was accepted: {answer.GetRawText()}");
                }

                if (Type(answer) == "error")
                {
                    Assert.Contains(answer.GetProperty("code").GetString(), (string[])["invalid_frame", "too_large", "not_found", "rate_limited", "insufficient_permissions", "room_closed", "edit_window_expired"]);
                    Assert.False(string.IsNullOrWhiteSpace(answer.GetProperty("message").GetString()));
                }
                else
                {
                    acked.Add(answer.GetProperty("message_id").GetGuid());
                }

                Assert.Equal(WebSocketState.Open, socket.State);
            }

            // A flood of invalid frames sent without waiting: every one answered, in spite of the pace.
            const int flood = 300;
            var before = socket.Count(f => Type(f) == "error");
            for (var i = 0; i < flood; i++)
            {
                await socket.SendRawAsync(Encoding.UTF8.GetBytes(i % 3 == 0 ? "{\"type\":" : i % 3 == 1 ? $"{{\"type\":\"flood-{i}\"}}" : "[]"));
            }

            Assert.Equal(before + flood, await socket.CountAsync(f => Type(f) == "error", before + flood, TimeSpan.FromSeconds(20)));
            Assert.Equal(WebSocketState.Open, socket.State);

            // A flood of valid messages: each is acked or refused as rate_limited, none unanswered.
            const int burst = 40;
            var answered = socket.Count(IsAnswer);
            for (var i = 0; i < burst; i++)
            {
                await socket.SendMessageAsync($"burst-{i}", $"burst {i}");
            }

            await socket.CountAsync(IsAnswer, answered + burst, TimeSpan.FromSeconds(20));

            var burstAnswers = socket.Received.Where(IsAnswer).Skip(answered).ToList();
            Assert.Equal(burst, burstAnswers.Count);
            Assert.Contains(burstAnswers, f => Type(f) == "error" && f.GetProperty("code").GetString() == "rate_limited");
            foreach (var ack in burstAnswers.Where(f => Type(f) == "ack"))
            {
                acked.Add(ack.GetProperty("message_id").GetGuid());
            }

            // The same socket still works after all of it.
            await Task.Delay(2500);
            await socket.SendMessageAsync("after-corpus", "still here 仍在");
            var last = await socket.NextAsync(f => Type(f) == "ack" && f.GetProperty("client_id").GetString() == "after-corpus", TimeSpan.FromSeconds(15));
            acked.Add(last.GetProperty("message_id").GetGuid());
        }
        finally
        {
            await socket.DisposeAsync();
        }

        // Invalid UTF-8: in a text frame the socket may close with 1007 (and only that), in a binary
        // frame it is an error frame; a new socket works either way.
        var invalidUtf8 = InvalidUtf8Samples();
        foreach (var (label, bytes) in invalidUtf8)
        {
            foreach (var kind in new[] { WebSocketMessageType.Text, WebSocketMessageType.Binary })
            {
                await using var probe = await system.Connect(room, Owner);
                await probe.NextOfTypeAsync("hello");
                await probe.SendRawAsync(bytes, kind);
                try
                {
                    var answer = await probe.NextAsync(IsAnswer, TimeSpan.FromSeconds(10));
                    Assert.Equal("error", Type(answer));
                    Assert.Equal("invalid_frame", answer.GetProperty("code").GetString());
                }
                catch (InvalidOperationException) when (kind == WebSocketMessageType.Text)
                {
                    // The WebSocket layer sends 1007 and ends the connection; the close frame does
                    // not always reach the client before the connection ends, so a drop is accepted too.
                    Assert.True(probe.CloseStatus == WebSocketCloseStatus.InvalidPayloadData || (probe.CloseStatus is null && probe.State == WebSocketState.Aborted), $"\"{label}\" in a text frame: socket {probe.State}, close {probe.CloseStatus}");
                }
            }
        }

        await using (var fresh = await system.Connect(room, Editor))
        {
            await fresh.NextOfTypeAsync("hello");
            await fresh.SendMessageAsync("fresh-after", "a new socket works");
            acked.Add((await fresh.NextAsync(f => Type(f) == "ack", TimeSpan.FromSeconds(15))).GetProperty("message_id").GetGuid());
        }

        // Nothing stored that was not acknowledged, and nothing acknowledged missing.
        var stored = await StoredMessagesAsync(room);
        var sent = stored.Where(m => m.GetProperty("message_type").GetString() != "system" || m.GetProperty("sender_id").GetString() is Owner or Editor).ToList();
        Assert.DoesNotContain(sent, m => m.GetProperty("message_type").GetString() == "system");
        Assert.Equal(acked.Order(), sent.Select(m => m.GetProperty("message_id").GetGuid()).Order());

        // The host still serves.
        using (var client = system.As(Viewer))
        {
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(new Uri("/api/rooms", UriKind.Relative))).StatusCode);
        }

        Tally.Add(Tally.HostileInputs, corpus.Count + 300 + 40 + (invalidUtf8.Count * 2));
    }

    private async Task<List<JsonElement>> StoredMessagesAsync(Guid room)
    {
        using var client = system.As(Owner);
        var all = new List<JsonElement>();
        string? before = null;
        while (true)
        {
            var page = await Json(await client.GetAsync(new Uri($"/api/rooms/{room}/messages?limit=200{before}", UriKind.Relative)));
            var messages = page.GetProperty("messages").EnumerateArray().ToList();
            all.AddRange(messages);
            if (!page.GetProperty("has_more").GetBoolean() || messages.Count == 0)
            {
                return all;
            }

            before = "&before_seq=" + messages.Min(m => m.GetProperty("sequence_number").GetInt64());
        }
    }

    private static List<(string Label, byte[] Bytes)> InvalidUtf8Samples()
    {
        byte[] Wrap(params byte[] bad) => [.. "{\"type\":\"message\",\"client_id\":\"u8\",\"message_type\":\"text\",\"content\":\""u8.ToArray(), .. bad, .. "\"}"u8.ToArray()];
        return
        [
            ("lone continuation byte", Wrap(0x80)),
            ("truncated two-byte sequence", Wrap(0xC3)),
            ("overlong slash", Wrap(0xC0, 0xAF)),
            ("UTF-16 surrogate encoded", Wrap(0xED, 0xA0, 0x80)),
            ("beyond U+10FFFF", Wrap(0xF4, 0x90, 0x80, 0x80)),
            ("0xFF byte", Wrap(0xFF, 0xFE)),
            ("bare invalid bytes", [0xFE, 0xFF, 0x00, 0x7B]),
        ];
    }

    private static List<Frame> Corpus(Random random)
    {
        var corpus = new List<Frame>();
        void Text(string label, string text, Expect expect = Expect.Error) => corpus.Add(new(label, Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, expect));
        void Binary(string label, byte[] bytes) => corpus.Add(new(label, bytes, WebSocketMessageType.Binary, Expect.Error));
        var clientIds = 0;
        string NextClientId() => $"fuzz-{clientIds++}";

        // Malformed JSON.
        foreach (var bad in new[]
        {
            "", " ", "\n", "{", "}", "[", "]", "{}", "[]", "null", "true", "0", "-1", "1e999", "\"message\"", "{\"type\":}", "{\"type\":\"typing\",}",
            "{'type':'typing','is_typing':true}", "{type:\"typing\",is_typing:true}", "{\"type\":\"typing\",\"is_typing\":true} {}", "/* */{\"type\":\"typing\",\"is_typing\":true}",
            "{\"type\":\"typing\",\"is_typing\":tru}", "{\"type\":\"message\"", "{\"type\":\"message\",\"content\":\"unterminated}", "{\"type\":\"me\u0000ssage\"}",
"{\"type\":\"typing\",\"type\":\"typing\"}", "{\"type\":\"\\uD800\"}", "{\"type\":\"\\u0000\"}",
            "{\"type\":\"message\",\"client_id\":\"x\",\"message_type\":\"text\",\"content\":\"a\u0001b\"}", "{\"type\":NaN}", "{\"type\":Infinity}", "{\"type\":0x10}",
        })
        {
            Text($"malformed: {bad}", bad);
        }

        var templates = new[]
        {
            "{\"type\":\"message\",\"client_id\":\"t\",\"message_type\":\"text\",\"content\":\"溫度上升\",\"mentions\":[\"maintenance@andon.local\"]}",
            "{\"type\":\"message\",\"client_id\":\"t\",\"message_type\":\"incident_data\",\"content\":{\"temperature\":85,\"pressure\":120}}",
            $"{{\"type\":\"edit_message\",\"message_id\":\"{Guid.NewGuid()}\",\"content\":\"x\"}}",
            $"{{\"type\":\"add_reaction\",\"message_id\":\"{Guid.NewGuid()}\",\"emoji\":\"👍\"}}",
            "{\"type\":\"typing\",\"is_typing\":true}",
        };
        for (var i = 0; i < 40; i++)
        {
            var template = templates[random.Next(templates.Length)];
            var cut = random.Next(1, template.Length - 1);
            Text($"truncated at {cut}: {template}", template[..cut]);
        }

        const string printable = " !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~";
        for (var i = 0; i < 30; i++)
        {
            var garbage = new string([.. Enumerable.Range(0, random.Next(1, 300)).Select(_ => printable[random.Next(printable.Length)])]);
            if (garbage.TrimStart().StartsWith('{') && garbage.Contains("\"type\"", StringComparison.Ordinal))
            {
                continue;
            }

            Text($"garbage #{i}", garbage);
        }

        // Deeply nested JSON, at the top level and inside incident data.
        foreach (var depth in new[] { 33, 64, 1_000, 10_000, 60_000 })
        {
            Text($"nested arrays {depth}", new string('[', depth) + new string(']', depth));
            Text($"unterminated arrays {depth}", new string('[', depth));
            Text($"nested objects {depth}", "{\"type\":\"typing\",\"is_typing\":" + string.Concat(Enumerable.Repeat("{\"a\":", depth)) + "1" + new string('}', depth) + "}");
            Text(
                $"nested incident data {depth}",
                $"{{\"type\":\"message\",\"client_id\":\"{NextClientId()}\",\"message_type\":\"incident_data\",\"content\":" + string.Concat(Enumerable.Repeat("{\"a\":", depth)) + "1" + new string('}', depth) + "}");
        }

        Text("incident data nested within the limit", $"{{\"type\":\"message\",\"client_id\":\"{NextClientId()}\",\"message_type\":\"incident_data\",\"content\":" + string.Concat(Enumerable.Repeat("{\"a\":", 20)) + "1" + new string('}', 20) + "}", Expect.AckOrError);

        // Wrong types in every field of every command.
        var wrongValues = new[]
        {
            "1", "-1", "0", "1.5", "1e308", "-1e308", "99999999999999999999999999999", "true", "false", "null", "[]", "{}", "[\"a\",1]", "{\"a\":1}", "\"\"", "\"   \"",
            "\"not-a-uuid\"", "\"00000000-0000-0000-0000-000000000000\"", "\"" + new string('x', 5000) + "\"", "\"<script>alert(1)</script>\"", "\"'; DROP TABLE messages;--\"", "\"\\uD800\"", "\"a\\uDC00b\"",
        };
        foreach (var value in wrongValues)
        {
            Text($"type {value[..Math.Min(value.Length, 40)]}", $"{{\"type\":{value}}}");
        }

        var commands = new (string Type, (string Field, string Valid)[] Fields)[]
        {
            ("message", [("client_id", "\"c\""), ("message_type", "\"text\""), ("content", "\"hello\""), ("mentions", "[\"maintenance@andon.local\"]"), ("file_id", "null")]),
            ("edit_message", [("message_id", $"\"{Guid.NewGuid()}\""), ("content", "\"changed\"")]),
            ("delete_message", [("message_id", $"\"{Guid.NewGuid()}\"")]),
            ("add_reaction", [("message_id", $"\"{Guid.NewGuid()}\""), ("emoji", "\"👍\"")]),
            ("remove_reaction", [("message_id", $"\"{Guid.NewGuid()}\""), ("emoji", "\"👍\"")]),
            ("typing", [("is_typing", "true")]),
        };
        foreach (var (type, fields) in commands)
        {
            foreach (var (field, _) in fields)
            {
                foreach (var value in wrongValues.OrderBy(_ => random.Next()).Take(8))
                {
                    if (type == "typing" && value is "true" or "false")
                    {
                        continue;
                    }

                    var body = string.Join(',', fields.Select(f => $"\"{f.Field}\":{(f.Field == field ? value : f.Field == "client_id" ? $"\"{NextClientId()}\"" : f.Valid)}"));
                    Text($"{type} with {field}={value[..Math.Min(value.Length, 40)]}", $"{{\"type\":\"{type}\",{body}}}", type == "message" ? Expect.AckOrError : Expect.Error);
                }

                if (type != "typing")
                {
                    var without = string.Join(',', fields.Where(f => f.Field != field).Select(f => $"\"{f.Field}\":{(f.Field == "client_id" ? $"\"{NextClientId()}\"" : f.Valid)}"));
                    Text($"{type} without {field}", $"{{\"type\":\"{type}\"{(without.Length > 0 ? "," : "")}{without}}}", type == "message" && field is "mentions" or "file_id" ? Expect.AckOrError : Expect.Error);
                }
            }
        }

        // Messages a client may not send: system messages, unknown message types.
        foreach (var messageType in new[] { "system", "SYSTEM", "html", "", "text ", "image_ref\u0000" })
        {
            Text($"message_type {messageType}", JsonSerializer.Serialize(new { type = "message", client_id = NextClientId(), message_type = messageType, content = "forged" }));
        }

        // Huge frames and oversized content.
        Text("frame of 128 KB + 1", "{\"type\":\"message\",\"client_id\":\"big\",\"message_type\":\"text\",\"content\":\"" + new string('a', (128 * 1024) + 1) + "\"}");
        Text("frame of 1 MB", new string(' ', 1024 * 1024) + "{\"type\":\"typing\",\"is_typing\":true}");
        Text("frame of 4 MB of brackets", new string('[', 4 * 1024 * 1024));
        Text("text content of 10,241 bytes", JsonSerializer.Serialize(new { type = "message", client_id = NextClientId(), message_type = "text", content = new string('a', 10_241) }));
        Text("Chinese text content of 10,242 bytes", JsonSerializer.Serialize(new { type = "message", client_id = NextClientId(), message_type = "text", content = new string('溫', 3_414) }));
        Text("incident data of 102,401 bytes", $"{{\"type\":\"message\",\"client_id\":\"{NextClientId()}\",\"message_type\":\"incident_data\",\"content\":{{\"v\":\"{new string('a', 102_401)}\"}}}}");
        Text("edit to 10,241 bytes", JsonSerializer.Serialize(new { type = "edit_message", message_id = Guid.NewGuid(), content = new string('a', 10_241) }));
        Text("emoji of 33 characters", JsonSerializer.Serialize(new { type = "add_reaction", message_id = Guid.NewGuid(), emoji = new string('a', 33) }));
        Text("a thousand mentions", JsonSerializer.Serialize(new { type = "message", client_id = NextClientId(), message_type = "text", content = "hi", mentions = Enumerable.Range(0, 1000).Select(i => $"u{i}@andon.local") }), Expect.AckOrError);

        // Binary frames.
        Binary("empty binary frame", []);
        Binary("valid JSON as binary", Encoding.UTF8.GetBytes("{\"type\":\"typing\",\"is_typing\":true}"));
        Binary("binary frame of 200 KB", new byte[200 * 1024]);
        for (var i = 0; i < 10; i++)
        {
            var bytes = new byte[random.Next(1, 4096)];
            random.NextBytes(bytes);
            Binary($"random binary #{i}", bytes);
        }

        // Unknown types.
        foreach (var unknown in new[] { "", " ", "MESSAGE", "Message", "hello", "ack", "error", "system", "presence", "resync_required", "message_edited", "__proto__", "constructor", "typing ", " message", "édit", "訊息", "💥" })
        {
            Text($"unknown type \"{unknown}\"", JsonSerializer.Serialize(new { type = unknown, is_typing = true, content = "x" }));
        }

        for (var i = 0; i < 15; i++)
        {
            Text($"random type #{i}", JsonSerializer.Serialize(new { type = Convert.ToHexString(BitConverter.GetBytes(random.NextInt64())) }));
        }

        return corpus;
    }
}
