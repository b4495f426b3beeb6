using System.Globalization;
using System.Net;
using Andon.Testing;
using static Andon.Testing.StandaloneSystem;

namespace Andon.Security.Tests;

/// <summary>Standalone configured as behind TLS (<c>Gateway:SecureCookies</c>), in a process of its own: the sign-in limits here count every failure from this machine.</summary>
public sealed class SecureStandalone : StandaloneSystem
{
    protected override IDictionary<string, string> Settings() => new Dictionary<string, string> { ["Gateway__SecureCookies"] = "true" };
}

/// <summary>Sign-in brute force limits and the Secure cookie.</summary>
public sealed class SessionLimitTests(SecureStandalone system) : IClassFixture<SecureStandalone>
{
    [Fact]
    public async Task Behind_TLS_the_cookie_is_Secure_and_host_only()
    {
        using var browser = new BrowserSession(system.Host.Address);
        var login = await browser.LoginAsync(Owner, "andon-dev");
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);

        var cookie = SessionCookie.Parse(Assert.Single(login.Headers.GetValues("Set-Cookie")));
        Assert.Equal("__Host-andon_session", cookie.Name); // a __Host- cookie: Secure, Path=/, no Domain
        Assert.True(cookie.Secure);
        Assert.True(cookie.HttpOnly);
        Assert.Equal("strict", cookie.SameSite);
        Assert.Equal("/", cookie.Path);
        Assert.Null(cookie.Domain);
        Assert.Equal(HttpStatusCode.OK, (await browser.SendAsync(HttpMethod.Get, "/api/auth/me")).StatusCode);
        Tally.Add(Tally.AuthorizationCells, 5);
    }

    [Fact]
    public async Task Five_failures_a_minute_then_429_with_Retry_After_and_the_right_password_works_again_after_it()
    {
        using var browser = new BrowserSession(system.Host.Address);
        for (var i = 0; i < 5; i++)
        {
            var wrong = await browser.LoginAsync(Viewer, "guess-" + i);
            Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
            Assert.Equal("invalid_credentials", (await BrowserSession.Json(wrong)).GetProperty("code").GetString());
        }

        // Limited now, even with the right password, and from this address for every other account.
        var limited = await browser.LoginAsync(Viewer, "andon-dev");
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.Equal("rate_limited", (await BrowserSession.Json(limited)).GetProperty("code").GetString());
        Assert.Null(browser.CookieHeader);
        var retryAfter = int.Parse(Assert.Single(limited.Headers.GetValues("Retry-After")), CultureInfo.InvariantCulture);
        Assert.InRange(retryAfter, 1, 60);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await browser.LoginAsync(Editor, "andon-dev")).StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await browser.LoginAsync(Viewer.ToUpperInvariant(), "andon-dev")).StatusCode);

        // Not locked out for good: once the window has passed, the owner of the account signs in.
        await Task.Delay(TimeSpan.FromSeconds(retryAfter + 1));
        var back = await browser.LoginAsync(Viewer, "andon-dev");
        Assert.Equal(HttpStatusCode.OK, back.StatusCode);
        Assert.NotNull(browser.CookieHeader);
        Tally.Add(Tally.AuthorizationCells, 9);
    }
}
