using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Andon.Testing;

namespace Andon.Standalone.Tests;

/// <summary>The standalone host as the README runs it: its own appsettings, SQLite, the in-process bus, the development directory.</summary>
public sealed class StandaloneFixture : IAsyncLifetime
{
    public string DataFolder { get; } = AndonHosts.TemporaryFolder();

    public HostProcess Host { get; private set; } = null!;

    public async Task InitializeAsync() =>
        Host = await HostProcess.StartAsync("standalone/Andon.Standalone", new Dictionary<string, string>
        {
            // Only where the data goes differs from a plain run, so tests never touch a developer's ./data.
            ["ConnectionStrings__Identity"] = $"Data Source={Path.Combine(DataFolder, "identity.db")}",
            ["Identity__KeysPath"] = Path.Combine(DataFolder, "keys", "identity"),
            ["Gateway__KeysPath"] = Path.Combine(DataFolder, "keys", "gateway"),
        });

    public async Task DisposeAsync() => await Host.DisposeAsync();
}

public sealed class StandaloneTests(StandaloneFixture fixture) : IClassFixture<StandaloneFixture>
{
    private static async Task<JsonElement> Json(HttpResponseMessage response) => await response.Content.ReadFromJsonAsync<JsonElement>();

    private static Task<HttpResponseMessage> Login(HttpClient client, string username, string password) =>
        client.PostAsJsonAsync(new Uri("/api/auth/login", UriKind.Relative), new { username, password });

    [Fact]
    public async Task The_operator_signs_in_and_me_answers_with_the_session_cookie()
    {
        using var client = fixture.Host.CreateClient();

        var login = await Login(client, "operator@andon.local", "andon-dev");

        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        Assert.Contains(login.Headers.GetValues("Set-Cookie"), c => c.StartsWith("andon_session=", StringComparison.Ordinal));
        var user = (await Json(login)).GetProperty("user");
        Assert.Equal("operator@andon.local", user.GetProperty("user_id").GetString());
        Assert.Equal("林小明", user.GetProperty("display_name").GetString());
        Assert.Equal("Line 3", user.GetProperty("office").GetString());

        var me = await client.GetAsync(new Uri("/api/auth/me", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, me.StatusCode);
        Assert.Equal("operator@andon.local", (await Json(me)).GetProperty("user").GetProperty("user_id").GetString());
    }

    [Fact]
    public async Task A_session_opened_under_one_host_name_works_on_the_api()
    {
        // The plant reaches the box by its name or address, never by the "localhost" the process
        // calls itself on: tokens must validate whatever Host the browser used.
        using var client = fixture.Host.CreateClient();
        client.DefaultRequestHeaders.Host = $"andon-box.plant.local:{fixture.Host.Address.Port}";

        Assert.Equal(HttpStatusCode.OK, (await Login(client, "operator@andon.local", "andon-dev")).StatusCode);
        var rooms = await client.GetAsync(new Uri("/api/rooms", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, rooms.StatusCode);
        Assert.Equal(JsonValueKind.Array, (await Json(rooms)).GetProperty("items").ValueKind);
    }

    [Fact]
    public async Task A_wrong_password_is_401_invalid_credentials()
    {
        using var client = fixture.Host.CreateClient();

        var login = await Login(client, "operator@andon.local", "not-the-password");

        Assert.Equal(HttpStatusCode.Unauthorized, login.StatusCode);
        Assert.Equal("invalid_credentials", (await Json(login)).GetProperty("code").GetString());
        Assert.False(login.Headers.Contains("Set-Cookie"));
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync(new Uri("/api/auth/me", UriKind.Relative))).StatusCode);
    }

    [Theory]
    [InlineData("admin@andon.local", "系統管理員", true)]
    [InlineData("maintenance@andon.local", "陳大華", false)]
    [InlineData("quality@andon.local", "王美玲", false)]
    [InlineData("viewer@andon.local", "張志強", false)]
    public async Task Every_development_account_signs_in(string username, string displayName, bool isAdmin)
    {
        using var client = fixture.Host.CreateClient();

        var user = (await Json(await Login(client, username, "andon-dev"))).GetProperty("user");

        Assert.Equal(displayName, user.GetProperty("display_name").GetString());
        Assert.Equal(isAdmin, user.GetProperty("is_admin").GetBoolean());
    }

    [Fact]
    public async Task Malformed_json_gets_a_problem_with_a_code_and_the_host_stays_up()
    {
        using var client = fixture.Host.CreateClient();

        var response = await client.PostAsync(new Uri("/api/auth/login", UriKind.Relative), new StringContent("{\"username\":", System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("validation_failed", (await Json(response)).GetProperty("code").GetString());
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(new Uri("/health/live", UriKind.Relative))).StatusCode);
    }

    [Fact]
    public async Task Health_is_ready_and_data_is_kept_where_configured()
    {
        using var client = fixture.Host.CreateClient();

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(new Uri("/health/ready", UriKind.Relative))).StatusCode);
        Assert.True(File.Exists(Path.Combine(fixture.DataFolder, "identity.db")));
        Assert.True(File.Exists(Path.Combine(fixture.DataFolder, "keys", "identity", "signing-key.pem")));
    }
}
