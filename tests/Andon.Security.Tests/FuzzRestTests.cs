using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Andon.Testing;
using static Andon.Testing.StandaloneSystem;

namespace Andon.Security.Tests;

/// <summary>
/// Every operation in standalone's OpenAPI document (/openapi/v1.json), called with mutated path
/// and query parameters and JSON bodies: no answer is ever a 5xx, and every 4xx is a problem-details
/// body with the contract's <c>code</c>.
/// </summary>
[Collection(HostileStandalone.Name)]
public sealed class FuzzRestTests(StandaloneSystem system)
{
    private static readonly string[] PathValues =
    [
        "not-a-guid", "00000000-0000-0000-0000-000000000000", "-1", "0", "99999999999999999999999", "null", "%00", "%2e%2e%2f%2e%2e%2fetc%2fpasswd", "..%5C..%5Cwindows",
        "%E4%B8%AD%E6%96%87", "'%20OR%201=1--", "%25", "%3Cscript%3Ealert(1)%3C%2Fscript%3E", new string('a', 3000), "%F0%9F%92%A5", "%C3%28", "%ED%A0%80",
    ];

    private static readonly string[] QueryValues =
    [
        "", "abc", "-1", "0", "1.5", "1e10", "2147483647", "-2147483648", "2147483648", "99999999999999999999999", "true", "null", "%00", "%25", "'%3B--",
        "%C3%28", "%ED%A0%80", "not-a-guid", "00000000-0000-0000-0000-000000000000", "2026-13-45T99:99:99Z", new string('x', 5000), "%E6%BA%AB%E5%BA%A6",
    ];

    private static readonly string[] BodyValues =
    [
        "null", "0", "-1", "2147483648", "-99999999999999999999999", "1e308", "true", "[]", "{}", "[null]", "[1,2]", "{\"a\":{\"b\":[]}}", "\"\"", "\"   \"",
        "\"\\u0000\"", "\"\\uD800\"", "\"<script>alert(1)</script>\"", "\"'; DROP TABLE rooms;--\"", "\"" + new string('x', 100_000) + "\"", "\"溫度%_\"",
        "[\"" + string.Join("\",\"", Enumerable.Range(0, 500).Select(i => $"LOT-{i}")) + "\"]", string.Concat(Enumerable.Repeat("[", 200)) + string.Concat(Enumerable.Repeat("]", 200)),
    ];

    private static readonly string[] WholeBodies =
    [
        "", "{", "}", "[]", "null", "0", "\"s\"", "{\"a\":}", "{'a':1}", "\u0000", "{\"title\":\"\\uD800\"}", string.Concat(Enumerable.Repeat("[", 10_000)),
        string.Concat(Enumerable.Repeat("{\"a\":", 5_000)) + "1" + new string('}', 5_000), "{\"x\":\"" + new string('a', 3 * 1024 * 1024) + "\"}",
    ];

    [Fact]
    public async Task Every_operation_of_the_OpenAPI_document_answers_mutated_parameters_and_bodies_without_a_5xx_and_with_problem_details()
    {
        var room = await system.ReadyRoomAsync();
        using var owner = system.As(Owner);
        var message = await Json(await owner.PostAsJsonAsync(new Uri($"/api/rooms/{room}/messages", UriKind.Relative), new { client_id = "rest-fuzz", message_type = "text", content = "base" }));
        var messageId = message.GetProperty("message_id").GetGuid();

        using var admin = system.As(Admin);
        using var openApi = await admin.GetAsync(new Uri("/openapi/v1.json", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, openApi.StatusCode);
        var document = JsonNode.Parse(await openApi.Content.ReadAsStringAsync())!;
        var schemas = document["components"]?["schemas"]?.AsObject();
        var operations = new List<(string Method, string Path, JsonObject Operation)>();
        foreach (var (path, item) in document["paths"]!.AsObject())
        {
            foreach (var (method, operation) in item!.AsObject())
            {
                operations.Add((method.ToUpperInvariant(), path, operation!.AsObject()));
            }
        }

        // The document describes the whole API: rooms, members, templates, messages, search, files, users, sessions.
        foreach (var expected in new[] { "POST /api/rooms", "GET /api/rooms", "PATCH /api/rooms/{id}", "POST /api/rooms/{id}/members", "GET /api/templates", "POST /api/rooms/{id}/messages", "GET /api/messages/search", "POST /api/rooms/{id}/files", "GET /api/files/{fileId}/content", "GET /api/users", "POST /api/auth/login" })
        {
            Assert.Contains(expected, operations.Select(o => $"{o.Method} {o.Path}"));
        }

        var tried = 0;
        var failures = new List<string>();
        foreach (var (method, path, operation) in operations)
        {
            // Logging out would end the shared tokens' session: it takes no input to fuzz anyway.
            if (path == "/api/auth/logout")
            {
                continue;
            }

            var client = path == "/api/auth/login" ? system.As(null) : admin;
            var pathParameters = System.Text.RegularExpressions.Regex.Matches(path, "\\{([^}:]+)(:[^}]*)?\\}").Select(m => m.Groups[1].Value).ToList();
            var queryParameters = (operation["parameters"]?.AsArray() ?? []).Where(p => (string?)p!["in"] == "query").Select(p => (string)p!["name"]!).ToList();
            var bodySchema = operation["requestBody"]?["content"]?["application/json"]?["schema"];
            var bodyProperties = Resolve(bodySchema, schemas)?["properties"]?.AsObject();
            var isMessageBody = bodySchema?["$ref"]?.GetValue<string>().EndsWith("/JsonElement", StringComparison.Ordinal) == true;
            var baseBody = isMessageBody
                ? new JsonObject { ["client_id"] = "x", ["message_type"] = "text", ["content"] = "hello" }
                : bodyProperties is null ? null : new JsonObject(bodyProperties.Select(p => KeyValuePair.Create(p.Key, BaseValue(p.Key))));
            if (bodyProperties is null && isMessageBody)
            {
                bodyProperties = new JsonObject { ["client_id"] = null, ["message_type"] = null, ["content"] = null, ["mentions"] = null, ["file_id"] = null };
            }

            string Url(Dictionary<string, string>? pathOverride = null, (string Name, string Value)? query = null)
            {
                var url = path;
                foreach (var name in pathParameters)
                {
                    var value = pathOverride?.GetValueOrDefault(name) ?? name switch
                    {
                        "id" => room.ToString(),
                        "message_id" => messageId.ToString(),
                        "user_id" => Viewer,
                        "name" => "equipment_failure",
                        _ => Guid.NewGuid().ToString(),
                    };
                    url = System.Text.RegularExpressions.Regex.Replace(url, "\\{" + name + "(:[^}]*)?\\}", value);
                }

                return query is { } q ? $"{url}?{q.Name}={q.Value}" : url;
            }

            async Task Call(string label, string url, string? body, string contentType = "application/json")
            {
                tried++;
                using var request = new HttpRequestMessage(new HttpMethod(method), new Uri(url, UriKind.Relative));
                if (body is not null)
                {
                    request.Content = new StringContent(body, Encoding.UTF8);
                    request.Content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
                }

                using var response = await client.SendAsync(request);
                var status = (int)response.StatusCode;
                var text = await response.Content.ReadAsStringAsync();
                string Where() => $"{method} {(url.Length > 200 ? url[..200] + "…" : url)} [{label}] → {status} {(text.Length > 300 ? text[..300] : text)}";
                if (status >= 500)
                {
                    failures.Add(Where());
                }
                else if (status >= 400 && url.Split('?')[0].Contains("%00", StringComparison.Ordinal))
                {
                    // Kestrel itself refuses a NUL in the path, with an empty 400, before Andon sees the request.
                    if (status != 400)
                    {
                        failures.Add(Where() + " — a NUL in the path should be a 400");
                    }
                }
                else if (status >= 400)
                {
                    try
                    {
                        HostileAssert.ProblemDetails(response, JsonDocument.Parse(text).RootElement);
                    }
                    catch (Exception ex) when (ex is JsonException or Xunit.Sdk.XunitException)
                    {
                        failures.Add(Where() + " — not problem details: " + ex.Message.Split('\n')[0]);
                    }
                }
            }

            string? Body(JsonObject? value) => value?.ToJsonString();

            // Path parameters.
            foreach (var name in pathParameters)
            {
                foreach (var value in PathValues)
                {
                    await Call($"path {name}", Url(new() { [name] = value }), Body(baseBody));
                }
            }

            // Query parameters.
            foreach (var name in queryParameters)
            {
                foreach (var value in QueryValues)
                {
                    await Call($"query {name}", Url(query: (name, value)), Body(baseBody));
                }

                await Call($"query {name} twice", Url(query: (name, "1")) + $"&{name}=2", Body(baseBody));
            }

            // JSON bodies: every property given every hostile value, then missing, then the whole body malformed.
            if (bodyProperties is not null && baseBody is not null)
            {
                foreach (var (property, _) in bodyProperties)
                {
                    foreach (var value in BodyValues)
                    {
                        var mutated = baseBody.DeepClone().AsObject();
                        mutated[property] = "__fuzz_value__";
                        if (isMessageBody && property != "client_id")
                        {
                            mutated["client_id"] = $"fuzz-{tried}";
                        }

                        // Spliced in as text: a lone surrogate cannot pass through JsonNode.
                        await Call($"body {property}={value[..Math.Min(value.Length, 30)]}", Url(), mutated.ToJsonString().Replace("\"__fuzz_value__\"", value, StringComparison.Ordinal));
                    }

                    var without = baseBody.DeepClone().AsObject();
                    without.Remove(property);
                    await Call($"body without {property}", Url(), without.ToJsonString());
                }

                foreach (var whole in WholeBodies)
                {
                    await Call($"whole body {whole[..Math.Min(whole.Length, 20)]}", Url(), whole);
                }

                await Call("form content type", Url(), "title=x&severity=low", "application/x-www-form-urlencoded");
                await Call("xml content type", Url(), "<room><title>x</title></room>", "application/xml");
                var unknown = baseBody.DeepClone().AsObject();
                unknown["__proto__"] = new JsonObject { ["is_admin"] = true };
                unknown["is_admin"] = true;
                unknown["created_by"] = Admin;
                await Call("unknown fields", Url(), unknown.ToJsonString());
            }
        }

        Assert.True(failures.Count == 0, $"{failures.Count} of {tried} calls failed:\n" + string.Join('\n', failures.DistinctBy(f => f[..f.IndexOf('[', StringComparison.Ordinal)].Split('?')[0] + f[f.IndexOf('→', StringComparison.Ordinal)..][..6]).Take(60)));
        Assert.True(tried > 1000, $"only {tried} calls");

        // The host still serves.
        Assert.Equal(HttpStatusCode.OK, (await owner.GetAsync(new Uri($"/api/rooms/{room}", UriKind.Relative))).StatusCode);
        Tally.Add(Tally.HostileInputs, tried);
    }

    private static JsonNode? Resolve(JsonNode? schema, JsonObject? schemas)
    {
        if (schema?["oneOf"] is JsonArray oneOf)
        {
            schema = oneOf.FirstOrDefault(s => s?["$ref"] is not null);
        }

        return schema?["$ref"]?.GetValue<string>() is { } reference ? schemas?[reference.Split('/')[^1]] : schema;
    }

    private static JsonNode? BaseValue(string property) => property switch
    {
        "title" => "fuzz",
        "incident_type" => "other",
        "severity" or "default_severity" => "low",
        "status" => "resolved",
        "role" => "viewer",
        "user_id" or "new_owner_id" => Viewer,
        "username" => "nobody@andon.local",
        "password" => "wrong",
        "lots" => new JsonArray("LOT-1"),
        "default_members" or "metadata_fields" => new JsonArray(),
        "name" => "fuzz-template",
        "resolution_notes" => "fixed",
        _ => "x",
    };
}
