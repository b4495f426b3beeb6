using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Andon.Testing;

namespace Andon.Identity.Tests;

/// <summary>The identity service as its own process on PostgreSQL, RabbitMQ and slapd (behind a relay that can cut it).</summary>
public sealed class IdentityHostFixture : IAsyncLifetime
{
    public TestDatabase Database { get; } = TestDatabase.Create("identity");

    public TcpProxy Ldap { get; } = new(TestServers.Ldap.Host, TestServers.Ldap.Port);

    public HostProcess Host { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var port = HostProcess.FreePort();
        Host = await HostProcess.StartAsync(
            "services/identity/Andon.Identity.Api",
            AndonHosts.Identity(Database, Ldap.Port, port, AndonHosts.TemporaryFolder(), TestServers.NewRabbitMqVirtualHost()),
            port);
    }

    public async Task DisposeAsync()
    {
        await Host.DisposeAsync();
        Ldap.Dispose();
        await Database.DisposeAsync();
    }
}

public sealed class TokenServerTests(IdentityHostFixture fixture) : IClassFixture<IdentityHostFixture>
{
    private readonly HttpClient client = fixture.Host.CreateClient();

    private Task<HttpResponseMessage> Token(params (string Key, string Value)[] fields) => TokenGrants.Token(client, fields);

    private Task<HttpResponseMessage> PasswordGrant(string username, string password) => TokenGrants.Password(client, username, password);

    private Task<HttpResponseMessage> RefreshGrant(string refreshToken) => TokenGrants.Refresh(client, refreshToken);

    private static async Task<JsonElement> Json(HttpResponseMessage response) => await response.Content.ReadFromJsonAsync<JsonElement>();

    private async Task<HttpResponseMessage> GetWithToken(string path, string accessToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(path, UriKind.Relative));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        return await client.SendAsync(request);
    }

    [Fact]
    public async Task Password_grant_issues_tokens_records_the_user_and_publishes_UserSignedIn()
    {
        var response = await PasswordGrant("qa.huang", TestServers.LdapPassword);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var tokens = await Json(response);
        Assert.False(string.IsNullOrEmpty(tokens.GetProperty("access_token").GetString()));
        Assert.False(string.IsNullOrEmpty(tokens.GetProperty("refresh_token").GetString()));

        var me = await Json(await GetWithToken("/api/users/me", tokens.GetProperty("access_token").GetString()!));
        Assert.Equal("qa.huang@andon.test", me.GetProperty("user").GetProperty("user_id").GetString());
        Assert.Equal("黃品保", me.GetProperty("user").GetProperty("display_name").GetString());

        Assert.Equal("黃品保", await fixture.Database.ScalarAsync<string>("SELECT \"DisplayName\" FROM users WHERE \"UserId\" = 'qa.huang@andon.test'"));
        var dispatched = 0L;
        for (var i = 0; i < 100 && dispatched == 0; i++)
        {
            dispatched = await fixture.Database.ScalarAsync<long>(
                "SELECT count(*) FROM outbox_messages WHERE \"Type\" = 'Andon.Contracts.UserSignedIn' AND \"DispatchedAt\" IS NOT NULL AND \"Payload\" LIKE '%qa.huang@andon.test%'");
            await Task.Delay(100);
        }

        Assert.True(dispatched > 0, "The UserSignedIn event was not published to RabbitMQ.");
    }

    [Fact]
    public async Task Wrong_password_unknown_user_and_disabled_account_get_one_identical_answer()
    {
        var answers = new List<string>();
        foreach (var (username, password) in new[] { ("op.lin", "wrong"), ("nobody.here", TestServers.LdapPassword), ("gone.lee", TestServers.LdapPassword) })
        {
            var response = await PasswordGrant(username, password);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            answers.Add(await response.Content.ReadAsStringAsync());
        }

        Assert.Single(answers.Distinct());
        Assert.Contains("invalid_grant", answers[0], StringComparison.Ordinal);
        Assert.Contains("invalid_credentials", answers[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Refresh_slides_the_session_and_fails_once_the_account_is_disabled()
    {
        var uid = "temp." + Guid.NewGuid().ToString("N")[..8];
        LdapAdmin.AddPerson(uid, "臨時工", "temp-password");
        try
        {
            var tokens = await Json(await PasswordGrant(uid, "temp-password"));
            var refreshed = await RefreshGrant(tokens.GetProperty("refresh_token").GetString()!);
            Assert.Equal(HttpStatusCode.OK, refreshed.StatusCode);
            var refreshToken = (await Json(refreshed)).GetProperty("refresh_token").GetString()!;

            LdapAdmin.Disable(uid);

            var refused = await RefreshGrant(refreshToken);
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            Assert.Equal("invalid_grant", (await Json(refused)).GetProperty("error").GetString());
        }
        finally
        {
            LdapAdmin.Remove(uid);
        }
    }

    [Fact]
    public async Task Refresh_fails_once_the_account_is_removed()
    {
        var uid = "temp." + Guid.NewGuid().ToString("N")[..8];
        LdapAdmin.AddPerson(uid, "臨時工", "temp-password");
        var tokens = await Json(await PasswordGrant(uid, "temp-password"));

        LdapAdmin.Remove(uid);

        var refused = await RefreshGrant(tokens.GetProperty("refresh_token").GetString()!);
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
    }

    [Fact]
    public async Task Directory_down_gives_503_for_sign_in_while_existing_sessions_keep_refreshing()
    {
        var tokens = await Json(await PasswordGrant("mt.wang", TestServers.LdapPassword));
        fixture.Ldap.Stop();
        try
        {
            var signIn = await PasswordGrant("mt.wang", TestServers.LdapPassword);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, signIn.StatusCode);
            Assert.Equal("unavailable", (await Json(signIn)).GetProperty("code").GetString());

            var refreshed = await RefreshGrant(tokens.GetProperty("refresh_token").GetString()!);
            Assert.Equal(HttpStatusCode.OK, refreshed.StatusCode);
        }
        finally
        {
            fixture.Ldap.Start();
        }

        Assert.Equal(HttpStatusCode.OK, (await PasswordGrant("mt.wang", TestServers.LdapPassword)).StatusCode);
    }

    [Fact]
    public async Task Client_credentials_identify_a_plant_floor_system()
    {
        var response = await Token(("grant_type", "client_credentials"), ("client_id", "plant-floor"), ("client_secret", AndonHosts.PlantFloorSecret));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var accessToken = (await Json(response)).GetProperty("access_token").GetString()!;

        var me = await Json(await GetWithToken("/api/users/me", accessToken));
        Assert.Equal("plant-floor", me.GetProperty("user").GetProperty("user_id").GetString());
        Assert.Equal("Line 3 PLC bridge", me.GetProperty("user").GetProperty("display_name").GetString());

        var wrongSecret = await Token(("grant_type", "client_credentials"), ("client_id", "plant-floor"), ("client_secret", "nope"));
        Assert.Equal(HttpStatusCode.Unauthorized, wrongSecret.StatusCode);
    }

    [Fact]
    public async Task Users_search_needs_a_token_and_finds_chinese_names()
    {
        var anonymous = await client.GetAsync(new Uri("/api/users?search=王", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal("unauthenticated", (await Json(anonymous)).GetProperty("code").GetString());

        var tokens = await Json(await PasswordGrant("op.lin", TestServers.LdapPassword));
        var found = await Json(await GetWithToken("/api/users?search=" + Uri.EscapeDataString("王維"), tokens.GetProperty("access_token").GetString()!));

        var user = Assert.Single(found.GetProperty("items").EnumerateArray());
        Assert.Equal("mt.wang@andon.test", user.GetProperty("user_id").GetString());
        Assert.Equal("設備工程師", user.GetProperty("job_title").GetString());

        var badLimit = await GetWithToken("/api/users?limit=0", tokens.GetProperty("access_token").GetString()!);
        Assert.Equal(HttpStatusCode.BadRequest, badLimit.StatusCode);
        Assert.Equal("validation_failed", (await Json(badLimit)).GetProperty("code").GetString());
    }

    [Fact]
    public async Task Discovery_publishes_the_token_endpoint_and_keys()
    {
        var discovery = await Json(await client.GetAsync(new Uri("/.well-known/openid-configuration", UriKind.Relative)));
        Assert.EndsWith("/connect/token", discovery.GetProperty("token_endpoint").GetString(), StringComparison.Ordinal);

        var keys = await Json(await client.GetAsync(new Uri(discovery.GetProperty("jwks_uri").GetString()!)));
        Assert.NotEmpty(keys.GetProperty("keys").EnumerateArray());
    }
}
