using System.Net;
using System.Net.Http.Json;
using Andon.Testing;
using static Andon.Security.Tests.AccessSetup;
using static Andon.Testing.StandaloneSystem;

namespace Andon.Security.Tests;

/// <summary>
/// Every endpoint standalone maps × {anonymous, signed-in non-member, viewer, editor, owner, admin},
/// each cell called on the running system with a bearer token and compared with CONTRACT.md. The rows
/// are keyed by the route table itself: an endpoint without a row, or a row without an endpoint, fails
/// <see cref="Every_mapped_endpoint_has_a_row_and_every_row_an_endpoint"/>.
/// </summary>
[Collection(AccessMode.Name)]
public sealed class AccessMatrixTests(StandaloneSystem system)
{
    private static readonly string?[] Callers = [null, NonMember, Viewer, Editor, Owner, Admin];

    /// <summary>Expected status per caller, in the order of <see cref="Callers"/>.</summary>
    internal static readonly Dictionary<string, int[]> Expected = new(StringComparer.Ordinal)
    {
        // Gateway session: public by nature. Logout without a session has nothing to end.
        ["POST /api/auth/login"] = [200, 200, 200, 200, 200, 200],
        ["GET /api/auth/me"] = [401, 200, 200, 200, 200, 200],
        ["POST /api/auth/logout"] = [204, 204, 204, 204, 204, 204],

        // Identity: the token endpoint is where credentials are presented; the directory is for any user.
        ["POST /connect/token"] = [200, 200, 200, 200, 200, 200],
        ["GET /api/users"] = [401, 200, 200, 200, 200, 200],
        ["GET /api/users/me"] = [401, 200, 200, 200, 200, 200],

        // Rooms.
        ["POST /api/rooms"] = [401, 201, 201, 201, 201, 201],
        ["GET /api/rooms"] = [401, 200, 200, 200, 200, 200],
        ["GET /api/rooms/{id}"] = [401, 200, 200, 200, 200, 200],
        ["PATCH /api/rooms/{id}"] = [401, 403, 403, 200, 200, 200],
        ["POST /api/rooms/{id}/status"] = [401, 403, 403, 403, 200, 200],
        ["DELETE /api/rooms/{id}/permanent"] = [401, 403, 403, 403, 403, 204],
        ["GET /api/rooms/{id}/members"] = [401, 403, 200, 200, 200, 200],
        ["POST /api/rooms/{id}/members"] = [401, 403, 403, 403, 201, 201],
        ["PATCH /api/rooms/{id}/members/{user_id}"] = [401, 403, 403, 403, 200, 200],
        ["DELETE /api/rooms/{id}/members/{user_id}"] = [401, 403, 204, 403, 204, 204], // the viewer leaves
        ["POST /api/rooms/{id}/join"] = [401, 201, 409, 409, 409, 201],
        ["POST /api/rooms/{id}/transfer-ownership"] = [401, 403, 403, 403, 200, 200],
        ["GET /api/templates"] = [401, 200, 200, 200, 200, 200],
        ["GET /api/templates/{name}"] = [401, 200, 200, 200, 200, 200],
        ["POST /api/templates"] = [401, 403, 403, 403, 403, 201],
        ["PUT /api/templates/{name}"] = [401, 403, 403, 403, 403, 200],
        ["DELETE /api/templates/{name}"] = [401, 403, 403, 403, 403, 204],

        // Messaging.
        ["GET /api/rooms/{id:guid}/messages"] = [401, 403, 200, 200, 200, 200],
        ["POST /api/rooms/{id:guid}/messages"] = [401, 403, 403, 201, 201, 201],
        ["GET /api/rooms/{id:guid}/messages/{message_id}/edits"] = [401, 403, 200, 200, 200, 200],
        ["GET /api/rooms/{id:guid}/presence"] = [401, 403, 200, 200, 200, 200],
        ["GET /api/messages/search"] = [401, 200, 200, 200, 200, 200],
        ["ANY /ws/{room_id}"] = [401, 403, 101, 101, 101, 101],

        // Files (the file was uploaded by the editor).
        ["POST /api/rooms/{id:guid}/files"] = [401, 403, 403, 201, 201, 201],
        ["GET /api/rooms/{id:guid}/files"] = [401, 403, 200, 200, 200, 200],
        ["GET /api/files/{fileId:guid}"] = [401, 403, 200, 200, 200, 200],
        ["GET /api/files/{fileId:guid}/content"] = [401, 403, 200, 200, 200, 200],
        ["GET /api/files/{fileId:guid}/thumbnail"] = [401, 403, 200, 200, 200, 200],
        ["DELETE /api/files/{fileId:guid}"] = [401, 403, 403, 204, 204, 204],

        // Health and the SPA: public.
        ["ANY /health/live"] = [200, 200, 200, 200, 200, 200],
        ["ANY /health/ready"] = [200, 200, 200, 200, 200, 200],
        ["ANY /{*path:nonfile}"] = [200, 200, 200, 200, 200, 200],

        // The OpenAPI document: for signed-in callers.
        ["GET /openapi/{documentName}.json"] = [401, 200, 200, 200, 200, 200],
    };

    public static TheoryData<string> Rows()
    {
        var data = new TheoryData<string>();
        foreach (var row in Expected.Keys)
        {
            data.Add(row);
        }

        return data;
    }

    [Fact]
    public void Standalone_composes_and_maps_exactly_what_the_route_table_reads()
    {
        Assert.Equal(AccessRouteTable.ProgramCalls, AccessRouteTable.CallsInProgram());
        Assert.True(File.Exists(Path.Combine(AccessRouteTable.SpaRoot(), "index.html")), "The SPA is not in standalone's build output: build it with the SPA (a build with -p:AndonBuildSpa=false removes it).");
    }

    [Fact]
    public void Every_mapped_endpoint_has_a_row_and_every_row_an_endpoint()
    {
        var routes = AccessRouteTable.Routes;

        Assert.Empty(routes.Except(Expected.Keys).Order(StringComparer.Ordinal));
        Assert.Empty(Expected.Keys.Except(routes).Order(StringComparer.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Rows))]
    public async Task Each_caller_gets_the_answer_the_contract_gives(string row)
    {
        var failures = new List<string>();
        for (var i = 0; i < Callers.Length; i++)
        {
            var caller = Callers[i];
            var status = await Call(row, caller);
            if (status != Expected[row][i])
            {
                failures.Add($"{caller ?? "anonymous"}: expected {Expected[row][i]}, got {status}");
            }
        }

        Assert.True(failures.Count == 0, row + "\n" + string.Join('\n', failures));
        Tally.Add(Tally.AuthorizationCells, Callers.Length);
    }

    private async Task<int> Call(string row, string? caller)
    {
        if (row == "ANY /ws/{room_id}")
        {
            return (int)await Upgrade(await system.ReadyRoomAsync(), caller);
        }

        using var request = await PrepareAsync(system, row);
        using var client = system.As(caller);
        using var response = await client.SendAsync(request);
        return (int)response.StatusCode;
    }

    /// <summary>
    /// A fresh room (and template, message or file where the row needs one), then the call of
    /// <paramref name="row"/> on it, without credentials.
    /// </summary>
    internal static async Task<HttpRequestMessage> PrepareAsync(StandaloneSystem system, string row)
    {
        var roomId = await system.ReadyRoomAsync();
        var room = $"/api/rooms/{roomId}";
        var template = "matrix-" + Guid.NewGuid().ToString("N")[..8];
        if (row.EndsWith("/api/templates/{name}", StringComparison.Ordinal) && !row.StartsWith("GET", StringComparison.Ordinal))
        {
            using var admin = system.As(Admin);
            (await admin.PostAsJsonAsync(At("/api/templates"), new { name = template, incident_type = "other" })).EnsureSuccessStatusCode();
        }

        var messageId = row.Contains("{message_id}", StringComparison.Ordinal) ? await system.PostMessageAsync(roomId, Owner) : Guid.Empty;
        var fileId = row.Contains("{fileId", StringComparison.Ordinal) ? await system.UploadAsync(roomId, Editor) : Guid.Empty;
        return row switch
        {
            "POST /api/auth/login" => Json(HttpMethod.Post, "/api/auth/login", new { username = Viewer, password = "andon-dev" }),
            "GET /api/auth/me" => Get("/api/auth/me"),
            "POST /api/auth/logout" => new(HttpMethod.Post, At("/api/auth/logout")),
            "POST /connect/token" => new(HttpMethod.Post, At("/connect/token"))
            {
                Content = new FormUrlEncodedContent(new Dictionary<string, string>
                {
                    ["grant_type"] = "password",
                    ["client_id"] = "andon-scripts",
                    ["username"] = Viewer,
                    ["password"] = "andon-dev",
                }),
            },
            "GET /api/users" => Get("/api/users?search=" + Uri.EscapeDataString("林")),
            "GET /api/users/me" => Get("/api/users/me"),
            "POST /api/rooms" => Json(HttpMethod.Post, "/api/rooms", new { title = "新房間", incident_type = "other", severity = "low" }),
            "GET /api/rooms" => Get("/api/rooms"),
            "GET /api/rooms/{id}" => Get(room),
            "PATCH /api/rooms/{id}" => Json(HttpMethod.Patch, room, new { title = "改名" }),
            "POST /api/rooms/{id}/status" => Json(HttpMethod.Post, room + "/status", new { status = "resolved", resolution_notes = "更換馬達" }),
            "DELETE /api/rooms/{id}/permanent" => new(HttpMethod.Delete, At(room + "/permanent")),
            "GET /api/rooms/{id}/members" => Get(room + "/members"),
            "POST /api/rooms/{id}/members" => Json(HttpMethod.Post, room + "/members", new { user_id = NonMember, role = "viewer" }),
            "PATCH /api/rooms/{id}/members/{user_id}" => Json(HttpMethod.Patch, $"{room}/members/{Viewer}", new { role = "editor" }),
            "DELETE /api/rooms/{id}/members/{user_id}" => new(HttpMethod.Delete, At($"{room}/members/{Viewer}")),
            "POST /api/rooms/{id}/join" => new(HttpMethod.Post, At(room + "/join")),
            "POST /api/rooms/{id}/transfer-ownership" => Json(HttpMethod.Post, room + "/transfer-ownership", new { new_owner_id = Editor }),
            "GET /api/templates" => Get("/api/templates"),
            "GET /api/templates/{name}" => Get("/api/templates/equipment_failure"),
            "POST /api/templates" => Json(HttpMethod.Post, "/api/templates", new { name = template, incident_type = "other" }),
            "PUT /api/templates/{name}" => Json(HttpMethod.Put, "/api/templates/" + template, new { incident_type = "quality_issue", default_severity = "high" }),
            "DELETE /api/templates/{name}" => new(HttpMethod.Delete, At("/api/templates/" + template)),
            "GET /api/rooms/{id:guid}/messages" => Get(room + "/messages"),
            "POST /api/rooms/{id:guid}/messages" => Json(HttpMethod.Post, room + "/messages", new { client_id = Guid.NewGuid().ToString(), message_type = "text", content = "輸送帶已停止" }),
            "GET /api/rooms/{id:guid}/messages/{message_id}/edits" => Get($"{room}/messages/{messageId}/edits"),
            "GET /api/rooms/{id:guid}/presence" => Get(room + "/presence"),
            "GET /api/messages/search" => Get("/api/messages/search?q=" + Uri.EscapeDataString("溫度")),
            "POST /api/rooms/{id:guid}/files" => new(HttpMethod.Post, At(room + "/files")) { Content = PngForm() },
            "GET /api/rooms/{id:guid}/files" => Get(room + "/files"),
            "GET /api/files/{fileId:guid}" => Get($"/api/files/{fileId}"),
            "GET /api/files/{fileId:guid}/content" => Get($"/api/files/{fileId}/content"),
            "GET /api/files/{fileId:guid}/thumbnail" => Get($"/api/files/{fileId}/thumbnail"),
            "DELETE /api/files/{fileId:guid}" => new(HttpMethod.Delete, At($"/api/files/{fileId}")),
            "ANY /health/live" => Get("/health/live"),
            "ANY /health/ready" => Get("/health/ready"),
            "ANY /{*path:nonfile}" => Get($"/rooms/{roomId}"),
            "GET /openapi/{documentName}.json" => Get("/openapi/v1.json"),
            _ => throw new InvalidOperationException("No call for " + row),
        };

        static HttpRequestMessage Get(string path) => new(HttpMethod.Get, At(path));

        static HttpRequestMessage Json(HttpMethod method, string path, object body) => new(method, At(path)) { Content = JsonContent.Create(body) };
    }

    private async Task<HttpStatusCode> Upgrade(Guid roomId, string? caller)
    {
        try
        {
            await using var socket = await WsClient.ConnectAsync(system.Host.Address, roomId, caller is null ? null : system.Token(caller));
            await socket.NextOfTypeAsync("hello");
            return HttpStatusCode.SwitchingProtocols;
        }
        catch (WsRefusedException refused)
        {
            return refused.Status;
        }
    }
}
