using System.Net;
using Andon.Testing;

namespace Andon.Gateway.Tests;

/// <summary>Five failed sign-ins a minute for one username or address, then 429 with Retry-After.</summary>
[Collection(DistributedMode.Name)]
public sealed class LoginThrottleTests(DistributedFixture fixture)
{
    [Fact]
    public async Task The_sixth_failure_in_a_minute_is_refused_with_429_even_with_the_right_password()
    {
        await using var gateway = await fixture.StartGatewayAsync(AndonHosts.TemporaryFolder(), loginFailuresPerMinute: 5);
        using var browser = new BrowserSession(gateway.Address);

        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await browser.LoginAsync("qa.huang", "wrong-" + i)).StatusCode);
        }

        var limited = await browser.LoginAsync("qa.huang", TestServers.LdapPassword);
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.Equal("rate_limited", (await BrowserSession.Json(limited)).GetProperty("code").GetString());
        var retryAfter = int.Parse(Assert.Single(limited.Headers.GetValues("Retry-After")), System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(retryAfter, 1, 60);

        // The same address is throttled for other usernames too.
        Assert.Equal(HttpStatusCode.TooManyRequests, (await browser.LoginAsync("mt.wang", TestServers.LdapPassword)).StatusCode);
    }
}
