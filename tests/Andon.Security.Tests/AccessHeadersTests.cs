using System.Net;
using System.Net.Http.Json;
using Andon.Testing;
using static Andon.Security.Tests.AccessSetup;
using static Andon.Testing.StandaloneSystem;

namespace Andon.Security.Tests;

/// <summary>The headers the one public origin puts on the SPA and on the API: CSP with frame-ancestors, nosniff, Referrer-Policy.</summary>
[Collection(AccessMode.Name)]
public sealed class AccessHeadersTests(StandaloneSystem system)
{
    [Fact]
    public async Task SPA_pages_assets_and_API_answers_carry_CSP_nosniff_and_Referrer_Policy()
    {
        var room = await system.ReadyRoomAsync();
        var file = await system.UploadAsync(room, Editor);
        var asset = Directory.GetFiles(Path.Combine(AccessRouteTable.SpaRoot(), "assets"), "*.js").First();
        using var anonymous = system.As(null);
        using var member = system.As(Viewer);

        var answers = new Dictionary<string, HttpResponseMessage>
        {
            ["/"] = await anonymous.GetAsync(At("/")),
            ["/rooms/{id}"] = await anonymous.GetAsync(At($"/rooms/{room}")),
            ["/assets/…js"] = await anonymous.GetAsync(At("/assets/" + Path.GetFileName(asset))),
            ["/api/rooms anonymous"] = await anonymous.GetAsync(At("/api/rooms")),
            ["/api/rooms"] = await member.GetAsync(At("/api/rooms")),
            ["/api/rooms/{unknown}"] = await member.GetAsync(At($"/api/rooms/{Guid.NewGuid()}")),
            ["/api/auth/login 400"] = await anonymous.PostAsync(At("/api/auth/login"), JsonContent.Create(new { username = "", password = "" })),
        };

        Assert.Equal(HttpStatusCode.OK, answers["/"].StatusCode);
        Assert.Contains("<div id=\"root\">", await answers["/"].Content.ReadAsStringAsync(), StringComparison.Ordinal);
        foreach (var (name, response) in answers)
        {
            var csp = Header(response, "Content-Security-Policy");
            Assert.True(csp is not null, name + ": no Content-Security-Policy");
            var directives = csp.Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).ToDictionary(d => d.Split(' ')[0], d => d);
            Assert.Equal("frame-ancestors 'none'", directives["frame-ancestors"]);
            Assert.Equal("default-src 'self'", directives["default-src"]);
            Assert.Equal("script-src 'self'", directives["script-src"]);
            Assert.Equal("object-src 'none'", directives["object-src"]);
            Assert.DoesNotContain("unsafe-eval", csp, StringComparison.Ordinal);
            Assert.Equal("nosniff", Header(response, "X-Content-Type-Options"));
            Assert.Equal("same-origin", Header(response, "Referrer-Policy"));
            response.Dispose();
        }

        // A download keeps its own sandboxing policy.
        using var download = await member.GetAsync(At($"/api/files/{file}/content"));
        Assert.Equal(HttpStatusCode.OK, download.StatusCode);
        Assert.Contains("sandbox", Header(download, "Content-Security-Policy"), StringComparison.Ordinal);
        Assert.Equal("nosniff", Header(download, "X-Content-Type-Options"));
        Tally.Add(Tally.AuthorizationCells, answers.Count + 1);
    }

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) || response.Content.Headers.TryGetValues(name, out values) ? string.Join(", ", values) : null;
}
