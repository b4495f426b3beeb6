using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Andon.Testing;

namespace Andon.Identity.Tests;

/// <summary>The token server's spent rows, deleted by identity when it starts (and hourly), on PostgreSQL.</summary>
public sealed class SpentTokenTests
{
    private const string Project = "services/identity/Andon.Identity.Api";

    private static async Task<string> RefreshTokenOf(HttpResponseMessage response)
    {
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("refresh_token").GetString()!;
    }

    private static string RefreshTokens(string status) =>
        $"SELECT count(*) FROM \"OpenIddictTokens\" WHERE \"Type\" = 'urn:ietf:params:oauth:token-type:refresh_token' AND \"Status\" = '{status}'";

    [Fact]
    public async Task Refresh_tokens_spent_two_weeks_ago_are_deleted_and_the_session_goes_on()
    {
        await using var database = TestDatabase.Create("tokens");
        var port = HostProcess.FreePort();
        var settings = AndonHosts.Identity(database, TestServers.Ldap.Port, port, AndonHosts.TemporaryFolder(), TestServers.NewRabbitMqVirtualHost());
        string refreshToken;
        await using (var first = await HostProcess.StartAsync(Project, settings, port))
        {
            using var client = first.CreateClient();
            refreshToken = await RefreshTokenOf(await TokenGrants.Password(client, "op.lin", TestServers.LdapPassword));
            for (var i = 0; i < 3; i++)
            {
                refreshToken = await RefreshTokenOf(await TokenGrants.Refresh(client, refreshToken));
            }
        }

        // Each refresh spent the token before it (and stored an access token): three spent, one to go on with.
        var rows = await database.ScalarAsync<string>("SELECT string_agg(\"Type\" || ':' || \"Status\", ', ') FROM \"OpenIddictTokens\"");
        Assert.True(await database.ScalarAsync<long>(RefreshTokens("redeemed")) == 3, "tokens: " + rows);
        Assert.Equal(1, await database.ScalarAsync<long>(RefreshTokens("valid")));

        // As if they had all been made a month ago (the current one still unexpired).
        Assert.True(await database.ScalarAsync<long>("WITH moved AS (UPDATE \"OpenIddictTokens\" SET \"CreationDate\" = \"CreationDate\" - interval '30 days' RETURNING 1) SELECT count(*) FROM moved") >= 4);

        await using (var second = await HostProcess.StartAsync(Project, settings, port))
        {
            var spent = 3L;
            for (var i = 0; i < 100 && spent > 0; i++)
            {
                await Task.Delay(100);
                spent = await database.ScalarAsync<long>(RefreshTokens("redeemed"));
            }

            Assert.True(spent == 0, $"{spent} spent refresh tokens were not deleted.\n{second.Output}");
            Assert.Equal(1, await database.ScalarAsync<long>(RefreshTokens("valid")));
            using var client = second.CreateClient();
            await RefreshTokenOf(await TokenGrants.Refresh(client, refreshToken));
        }
    }
}
