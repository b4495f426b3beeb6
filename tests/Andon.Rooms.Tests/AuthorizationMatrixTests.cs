using System.Net;
using System.Net.Http.Json;
using Andon.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using static Andon.Testing.StandaloneSystem;

namespace Andon.Rooms.Tests;

/// <summary>
/// Every rooms endpoint × {anonymous, signed-in non-member, viewer, editor, owner, admin}, checked
/// against the running system. The table's rows must match the module's route table exactly: a new
/// endpoint without a row fails <see cref="Every_rooms_endpoint_has_a_row"/>.
/// </summary>
[Collection(StandaloneRoomsMode.Name)]
public sealed class AuthorizationMatrixTests(StandaloneSystem system)
{
    private static readonly string?[] Callers = [null, NonMember, Viewer, Editor, Owner, Admin];

    /// <summary>Expected status per caller, in the order of <see cref="Callers"/>.</summary>
    private static readonly Dictionary<string, int[]> Expected = new()
    {
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
    public void Every_rooms_endpoint_has_a_row()
    {
        var builder = WebApplication.CreateBuilder();
        builder.Configuration["ConnectionStrings:Rooms"] = "Data Source=:memory:";
        builder.Services.AddAuthorization();
        builder.AddRoomsService();
        var app = builder.Build();
        app.MapRoomsService();

        var routes = ((IEndpointRouteBuilder)app).DataSources
            .SelectMany(d => d.Endpoints)
            .OfType<RouteEndpoint>()
            .SelectMany(e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["ANY"])
                .Select(m => $"{m} /{e.RoutePattern.RawText!.Trim('/')}"))
            .ToHashSet();

        Assert.Equal(Expected.Keys.Order(StringComparer.Ordinal), routes.Order(StringComparer.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Rows))]
    public async Task Each_caller_gets_the_expected_answer(string row)
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
    }

    private async Task<int> Call(string row, string? caller)
    {
        var roomId = await system.NewRoomAsync(title: "matrix " + row);
        var template = "matrix-" + Guid.NewGuid().ToString("N")[..8];
        if (row.EndsWith("/api/templates/{name}", StringComparison.Ordinal) && !row.StartsWith("GET", StringComparison.Ordinal))
        {
            using var admin = system.As(Admin);
            (await admin.PostAsJsonAsync(new Uri("/api/templates", UriKind.Relative), new { name = template, incident_type = "other" })).EnsureSuccessStatusCode();
        }

        using var client = system.As(caller);
        var room = $"/api/rooms/{roomId}";
        using var response = row switch
        {
            "POST /api/rooms" => await client.PostAsJsonAsync(At("/api/rooms"), new { title = "新房間", incident_type = "other", severity = "low" }),
            "GET /api/rooms" => await client.GetAsync(At("/api/rooms")),
            "GET /api/rooms/{id}" => await client.GetAsync(At(room)),
            "PATCH /api/rooms/{id}" => await client.PatchAsJsonAsync(At(room), new { title = "改名" }),
            "POST /api/rooms/{id}/status" => await client.PostAsJsonAsync(At(room + "/status"), new { status = "resolved", resolution_notes = "更換馬達" }),
            "DELETE /api/rooms/{id}/permanent" => await client.DeleteAsync(At(room + "/permanent")),
            "GET /api/rooms/{id}/members" => await client.GetAsync(At(room + "/members")),
            "POST /api/rooms/{id}/members" => await client.PostAsJsonAsync(At(room + "/members"), new { user_id = "new.person@andon.local", role = "viewer" }),
            "PATCH /api/rooms/{id}/members/{user_id}" => await client.PatchAsJsonAsync(At($"{room}/members/{Viewer}"), new { role = "editor" }),
            "DELETE /api/rooms/{id}/members/{user_id}" => await client.DeleteAsync(At($"{room}/members/{Viewer}")),
            "POST /api/rooms/{id}/join" => await client.PostAsync(At(room + "/join"), null),
            "POST /api/rooms/{id}/transfer-ownership" => await client.PostAsJsonAsync(At(room + "/transfer-ownership"), new { new_owner_id = Editor }),
            "GET /api/templates" => await client.GetAsync(At("/api/templates")),
            "GET /api/templates/{name}" => await client.GetAsync(At("/api/templates/equipment_failure")),
            "POST /api/templates" => await client.PostAsJsonAsync(At("/api/templates"), new { name = template, incident_type = "other" }),
            "PUT /api/templates/{name}" => await client.PutAsJsonAsync(At("/api/templates/" + template), new { incident_type = "quality_issue", default_severity = "high" }),
            "DELETE /api/templates/{name}" => await client.DeleteAsync(At("/api/templates/" + template)),
            _ => throw new InvalidOperationException("No call for " + row),
        };
        return (int)response.StatusCode;
    }

    private static Uri At(string path) => new(path, UriKind.Relative);
}
