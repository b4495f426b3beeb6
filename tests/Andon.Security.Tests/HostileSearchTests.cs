using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Andon.Testing;
using static Andon.Testing.StandaloneSystem;

namespace Andon.Security.Tests;

/// <summary>
/// SQL and LIKE metacharacters in every search field (rooms, messages, the user directory): never a
/// 5xx, a 400 only as a problem-details validation answer, every hit really contains the term (so
/// <c>%</c> or <c>_</c> never match everything), and terms planted with metacharacters are found.
/// </summary>
[Collection(HostileStandalone.Name)]
public sealed class HostileSearchTests(StandaloneSystem system)
{
    private static readonly string[] Payloads =
    [
        "'", "\"", ";", "--", "%", "_", "\\", "%%", "_%", "%_", "\\%", "\\_", "%\\", "a%b", "a_b", "[a-z]", "[%]", "*", "?", "^", "$", ".*", "(", ")",
        "\0", "a\0b", "%\0", "' OR '1'='1", "' OR 1=1 --", "\"; DROP TABLE rooms; --", "'); DELETE FROM messages; --", "1; SELECT * FROM users",
        "' ESCAPE '!'", "%' ESCAPE '\\", "\\\\", "\\'", "''", "/*", "*/", "`", "\u00a0", "\u200b", "\ufeff", "溫度%", "設備_上", "溫%度", "上升'", "%溫度%",
        "ＳＥＬＥＣＴ", "\t", "(&(uid=*))", "*)(uid=*", "${jndi:ldap://x}", "{{7*7}}", "<script>", "%3Cscript%3E", "💥%", "\ud83d",
    ];

    [Fact]
    public async Task Metacharacters_in_room_message_and_user_search_are_literal_and_never_a_server_error()
    {
        // A room and a message whose text holds the metacharacters literally.
        const string planted = "HX 100%_done 'quoted' \"dq\" back\\slash; --comment 溫度%上升_設備 [a-z]";
        var room = await system.ReadyRoomAsync(planted);
        using var owner = system.As(Owner);
        var posted = await owner.PostAsJsonAsync(new Uri($"/api/rooms/{room}/messages", UriKind.Relative), new { client_id = "planted", message_type = "text", content = planted });
        Assert.Equal(HttpStatusCode.Created, posted.StatusCode);
        var other = await system.ReadyRoomAsync("普通的房間 plain room");
        Assert.Equal(HttpStatusCode.Created, (await owner.PostAsJsonAsync(new Uri($"/api/rooms/{other}/messages", UriKind.Relative), new { client_id = "plain", message_type = "text", content = "plain text 普通" })).StatusCode);

        var tried = 0;
        foreach (var payload in Payloads)
        {
            foreach (var user in new[] { Owner, Admin })
            {
                using var client = system.As(user);

                var rooms = await SearchAsync(client, $"/api/rooms?limit=100&search={Uri.EscapeDataString(payload)}", payload);
                foreach (var item in rooms?.GetProperty("items").EnumerateArray() ?? default)
                {
                    var text = string.Join('\n', new[] { "title", "description", "location", "equipment_id" }.Select(f => Text(item, f)).Concat(item.TryGetProperty("lots", out var lots) && lots.ValueKind == JsonValueKind.Array ? lots.EnumerateArray().Select(l => l.ToString()) : []));
                    Assert.True(Contains(text, payload), $"Room search for {Show(payload)} over-matched \"{Text(item, "title")}\".");
                }

                var messages = await SearchAsync(client, $"/api/messages/search?limit=100&q={Uri.EscapeDataString(payload)}", payload);
                foreach (var item in messages?.GetProperty("items").EnumerateArray() ?? default)
                {
                    var message = item.GetProperty("message");
                    var content = message.GetProperty("content") is { ValueKind: JsonValueKind.String } s ? s.GetString()! : message.GetProperty("content").GetRawText();
                    Assert.True(Contains(content, payload), $"Message search for {Show(payload)} over-matched \"{content}\".");
                }

                var users = await SearchAsync(client, $"/api/users?limit=100&search={Uri.EscapeDataString(payload)}", payload);
                foreach (var item in users?.GetProperty("items").EnumerateArray() ?? default)
                {
                    var text = string.Join('\n', new[] { "user_id", "display_name", "job_title", "office" }.Select(f => Text(item, f)));
                    Assert.True(Contains(text, payload), $"User search for {Show(payload)} over-matched \"{Text(item, "user_id")}\".");
                }

                tried += 3;
            }
        }

        // What holds a metacharacter is found by it, and only that.
        using (var client = system.As(Owner))
        {
            foreach (var term in new[] { "100%_done", "%_", "'quoted'", "\"dq\"", "back\\slash", "; --comment", "溫度%上升_設備", "[a-z]" })
            {
                var rooms = (await SearchAsync(client, $"/api/rooms?limit=100&search={Uri.EscapeDataString(term)}", term))!.Value;
                Assert.Contains(room, rooms.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("room_id").GetGuid()));
                Assert.DoesNotContain(other, rooms.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("room_id").GetGuid()));
                var messages = (await SearchAsync(client, $"/api/messages/search?limit=100&q={Uri.EscapeDataString(term)}", term))!.Value;
                Assert.Contains(messages.GetProperty("items").EnumerateArray(), i => i.GetProperty("room_id").GetGuid() == room && i.GetProperty("message").GetProperty("content").GetString() == planted);
                Assert.DoesNotContain(messages.GetProperty("items").EnumerateArray(), i => i.GetProperty("room_id").GetGuid() == other);
                tried += 2;
            }

            // The directory's own names are still found with their metacharacter-free parts.
            var found = (await SearchAsync(client, "/api/users?search=" + Uri.EscapeDataString("林小"), "林小"))!.Value;
            Assert.Contains(found.GetProperty("items").EnumerateArray(), i => i.GetProperty("user_id").GetString() == Owner);
        }

        Tally.Add(Tally.HostileInputs, tried);
    }

    /// <summary>200 with the body, or a 400 validation problem (null); anything else fails.</summary>
    private static async Task<JsonElement?> SearchAsync(HttpClient client, string url, string payload)
    {
        using var response = await client.GetAsync(new Uri(url, UriKind.Relative));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode is HttpStatusCode.OK or HttpStatusCode.BadRequest, $"{url} for {Show(payload)} answered {(int)response.StatusCode}: {body}");
        using var document = JsonDocument.Parse(body);
        if (response.StatusCode == HttpStatusCode.BadRequest)
        {
            HostileAssert.ProblemDetails(response, document.RootElement, "validation_failed");
            return null;
        }

        return document.RootElement.Clone();
    }

    private static string Text(JsonElement item, string field) =>
        item.TryGetProperty(field, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString()! : "";

    private static bool Contains(string text, string payload) =>
        text.ToLowerInvariant().Contains(payload.Trim().ToLowerInvariant(), StringComparison.Ordinal);

    private static string Show(string payload) => JsonSerializer.Serialize(payload);
}
