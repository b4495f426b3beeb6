using System.Net;
using System.Text.Json;
using Andon.Testing;
using static Andon.Security.Tests.AccessSetup;
using static Andon.Testing.StandaloneSystem;

namespace Andon.Security.Tests;

/// <summary>The browser session of standalone (the gateway's session module): CSRF, Origin, logout, cookie flags.</summary>
[Collection(AccessMode.Name)]
public sealed class SessionTests(StandaloneSystem system)
{
    /// <summary>State-changing routes that take no session cookie (the middleware guards /api and /ws only).</summary>
    private static readonly string[] OutsideTheSession = ["POST /connect/token"];

    public static TheoryData<string> StateChangingRoutes()
    {
        var data = new TheoryData<string>();
        foreach (var row in GuardedRows())
        {
            data.Add(row);
        }

        return data;
    }

    private static IEnumerable<string> GuardedRows() =>
        AccessMatrixTests.Expected.Keys.Where(r => !r.StartsWith("GET ", StringComparison.Ordinal) && !r.StartsWith("ANY ", StringComparison.Ordinal) && !OutsideTheSession.Contains(r));

    [Fact]
    public void Every_state_changing_route_is_guarded_by_the_session_middleware_or_takes_no_cookie()
    {
        var changing = AccessRouteTable.Routes.Where(r => !r.StartsWith("GET ", StringComparison.Ordinal) && !r.StartsWith("ANY ", StringComparison.Ordinal)).ToList();

        Assert.NotEmpty(changing);
        Assert.All(changing.Except(OutsideTheSession), r => Assert.StartsWith("/api/", r.Split(' ')[1], StringComparison.Ordinal));
        Assert.Equal(changing.Order(StringComparer.Ordinal), GuardedRows().Concat(OutsideTheSession).Order(StringComparer.Ordinal));
    }

    [Theory]
    [MemberData(nameof(StateChangingRoutes))]
    public async Task A_cookie_call_that_changes_state_needs_X_Requested_With_andon(string row)
    {
        // The admin passes every role check, so any 403 here is the gateway's.
        foreach (var header in new string?[] { null, "XMLHttpRequest" })
        {
            using var forged = await CookieCall(row, header);
            Assert.Equal(HttpStatusCode.Forbidden, forged.StatusCode);
            var problem = await Json(forged);
            Assert.Equal("forbidden", problem.GetProperty("code").GetString());
            Assert.Contains("X-Requested-With", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }

        using var genuine = await CookieCall(row, "andon");
        Assert.True(genuine.IsSuccessStatusCode, $"{row} with the header: {(int)genuine.StatusCode}");
        Tally.Add(Tally.AuthorizationCells, 3);
    }

    [Fact]
    public async Task The_forged_call_changed_nothing()
    {
        var room = await system.ReadyRoomAsync();
        using var browser = await SignInAsync(Owner);

        Assert.Equal(HttpStatusCode.Forbidden, (await browser.SendAsync(HttpMethod.Patch, $"/api/rooms/{room}", new { title = "被竄改" }, csrfHeader: false)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await browser.SendAsync(HttpMethod.Post, "/api/auth/logout", csrfHeader: false)).StatusCode);

        var read = await browser.SendAsync(HttpMethod.Get, $"/api/rooms/{room}", csrfHeader: false);
        Assert.Equal(HttpStatusCode.OK, read.StatusCode); // still signed in, GET needs no header
        Assert.Equal("權限測試", (await Json(read)).GetProperty("title").GetString());
        Tally.Add(Tally.AuthorizationCells, 2);
    }

    [Fact]
    public async Task WebSocket_upgrades_are_refused_from_any_origin_but_the_sites_own()
    {
        var room = await system.ReadyRoomAsync();
        using var browser = await SignInAsync(Owner);
        var own = system.Host.Address.GetLeftPart(UriPartial.Authority);
        var otherPort = new UriBuilder(system.Host.Address) { Port = system.Host.Address.Port + 1 }.Uri.GetLeftPart(UriPartial.Authority);

        foreach (var origin in new[] { "http://evil.example", "null", otherPort, own.Replace("http://", "https://", StringComparison.Ordinal), "http://127.0.0.1.evil.example:" + system.Host.Address.Port })
        {
            var refused = await Assert.ThrowsAsync<WsRefusedException>(() => WsClient.ConnectAsync(system.Host.Address, room, cookie: browser.CookieHeader, origin: origin));
            Assert.True(refused.Status == HttpStatusCode.Forbidden, $"{origin}: {(int)refused.Status}");
        }

        // A bearer token does not open a door a foreign page could use either.
        var bearer = await Assert.ThrowsAsync<WsRefusedException>(() => WsClient.ConnectAsync(system.Host.Address, room, bearer: system.Token(Owner), origin: "http://evil.example"));
        Assert.Equal(HttpStatusCode.Forbidden, bearer.Status);

        await using var accepted = await WsClient.ConnectAsync(system.Host.Address, room, cookie: browser.CookieHeader, origin: own);
        Assert.Equal(Owner, (await accepted.NextOfTypeAsync("hello")).GetProperty("user_id").GetString());
        Tally.Add(Tally.AuthorizationCells, 7);
    }

    [Fact]
    public async Task After_logout_the_old_cookie_opens_nothing_while_another_session_of_the_user_lives_on()
    {
        var room = await system.ReadyRoomAsync();
        using var browser = await SignInAsync(Editor);
        using var other = await SignInAsync(Editor);
        var old = browser.CookieHeader!;

        var logout = await browser.SendAsync(HttpMethod.Post, "/api/auth/logout");
        Assert.Equal(HttpStatusCode.NoContent, logout.StatusCode);
        Assert.Null(browser.CookieHeader);

        browser.CookieHeader = old;
        Assert.Equal(HttpStatusCode.Unauthorized, (await browser.SendAsync(HttpMethod.Get, "/api/auth/me")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await browser.SendAsync(HttpMethod.Get, $"/api/rooms/{room}/messages")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await browser.SendAsync(HttpMethod.Post, $"/api/rooms/{room}/messages", new { client_id = "after-logout", message_type = "text", content = "不應送出" })).StatusCode);
        var upgrade = await Assert.ThrowsAsync<WsRefusedException>(() => WsClient.ConnectAsync(system.Host.Address, room, cookie: old, origin: system.Host.Address.GetLeftPart(UriPartial.Authority)));
        Assert.Equal(HttpStatusCode.Unauthorized, upgrade.Status);

        Assert.Equal(HttpStatusCode.OK, (await other.SendAsync(HttpMethod.Get, "/api/auth/me")).StatusCode);
        using var history = system.As(Editor);
        var messages = await Json(await history.GetAsync(At($"/api/rooms/{room}/messages")));
        Assert.Empty(messages.GetProperty("messages").EnumerateArray());
        Tally.Add(Tally.AuthorizationCells, 5);
    }

    [Fact]
    public async Task The_session_cookie_is_HttpOnly_SameSite_Strict_for_the_whole_site_and_not_Secure_over_plain_http()
    {
        using var browser = new BrowserSession(system.Host.Address);
        var login = await browser.LoginAsync(Viewer, "andon-dev");
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);

        var cookie = SessionCookie.Parse(Assert.Single(login.Headers.GetValues("Set-Cookie")));
        Assert.Equal("andon_session", cookie.Name);
        Assert.True(cookie.HttpOnly);
        Assert.Equal("strict", cookie.SameSite);
        Assert.Equal("/", cookie.Path);
        Assert.Null(cookie.Domain);
        Assert.False(cookie.Secure);
        Assert.InRange(cookie.Expires!.Value, DateTimeOffset.UtcNow.AddDays(2.9), DateTimeOffset.UtcNow.AddDays(3.1));
        Assert.DoesNotContain(".", cookie.Value, StringComparison.Ordinal); // sealed, no readable JWT

        var logout = await browser.SendAsync(HttpMethod.Post, "/api/auth/logout");
        var cleared = SessionCookie.Parse(Assert.Single(logout.Headers.GetValues("Set-Cookie")));
        Assert.Equal("andon_session", cleared.Name);
        Assert.Equal("/", cleared.Path);
        Assert.True(cleared.Expires < DateTimeOffset.UtcNow);
        Tally.Add(Tally.AuthorizationCells, 6);
    }

    private async Task<HttpResponseMessage> CookieCall(string row, string? csrfHeader)
    {
        using var browser = await SignInAsync(Admin);
        using var request = await AccessMatrixTests.PrepareAsync(system, row);
        request.Headers.Add("Cookie", browser.CookieHeader);
        if (csrfHeader is not null)
        {
            request.Headers.Add("X-Requested-With", csrfHeader);
        }

        return await browser.Http.SendAsync(request);
    }

    private async Task<BrowserSession> SignInAsync(string user)
    {
        var browser = new BrowserSession(system.Host.Address);
        var login = await browser.LoginAsync(user, "andon-dev");
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        Assert.NotNull(browser.CookieHeader);
        return browser;
    }

    private static Task<JsonElement> Json(HttpResponseMessage response) => StandaloneSystem.Json(response);
}

/// <summary>One <c>Set-Cookie</c> header, its attributes as the browser reads them.</summary>
internal sealed record SessionCookie(string Name, string Value, string? Path, string? Domain, string? SameSite, bool HttpOnly, bool Secure, DateTimeOffset? Expires)
{
    public static SessionCookie Parse(string header)
    {
        var parts = header.Split(';', StringSplitOptions.TrimEntries);
        var (name, value) = (parts[0][..parts[0].IndexOf('=', StringComparison.Ordinal)], parts[0][(parts[0].IndexOf('=', StringComparison.Ordinal) + 1)..]);
        var attributes = parts.Skip(1).Select(p => p.Split('=', 2)).ToLookup(p => p[0].ToUpperInvariant(), p => p.Length > 1 ? p[1] : "");
        return new SessionCookie(
            name,
            value,
            attributes["PATH"].FirstOrDefault(),
            attributes["DOMAIN"].FirstOrDefault(),
            attributes["SAMESITE"].FirstOrDefault()?.ToLowerInvariant(),
            attributes.Contains("HTTPONLY"),
            attributes.Contains("SECURE"),
            attributes["EXPIRES"].FirstOrDefault() is { } expires ? DateTimeOffset.Parse(expires, System.Globalization.CultureInfo.InvariantCulture) : null);
    }
}
