using System.Net;
using Andon.Testing;

namespace Andon.Gateway.Tests;

/// <summary>
/// The gateway refreshes tokens itself: with one-minute access tokens, a call made 35 s after
/// sign-in is served on a refreshed token (and a new cookie) — unless the directory account was
/// disabled meanwhile, which ends the session.
/// </summary>
[Collection(DistributedMode.Name)]
public sealed class SessionRefreshTests(DistributedFixture fixture)
{
    [Fact]
    public async Task The_session_is_refreshed_on_the_server_and_ends_when_the_account_is_disabled()
    {
        await using var gateway = await fixture.StartGatewayAsync(AndonHosts.TemporaryFolder());
        var uid = "temp." + Guid.NewGuid().ToString("N")[..8];
        LdapAdmin.AddPerson(uid, "臨時工", "temp-password");
        try
        {
            using var staying = new BrowserSession(gateway.Address);
            using var leaving = new BrowserSession(gateway.Address);
            Assert.Equal(HttpStatusCode.OK, (await staying.LoginAsync("op.lin", TestServers.LdapPassword)).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await leaving.LoginAsync(uid, "temp-password")).StatusCode);
            var firstCookie = staying.CookieHeader;

            LdapAdmin.Disable(uid);
            await Task.Delay(TimeSpan.FromSeconds(35));

            var kept = await staying.SendAsync(HttpMethod.Get, "/api/auth/me");
            Assert.Equal(HttpStatusCode.OK, kept.StatusCode);
            Assert.NotEqual(firstCookie, staying.CookieHeader);

            var ended = await leaving.SendAsync(HttpMethod.Get, "/api/auth/me");
            Assert.Equal(HttpStatusCode.Unauthorized, ended.StatusCode);
            Assert.Null(leaving.CookieHeader);
        }
        finally
        {
            LdapAdmin.Remove(uid);
        }
    }
}
