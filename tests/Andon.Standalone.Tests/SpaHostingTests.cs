using System.Net;
using Andon.Testing;

namespace Andon.Standalone.Tests;

/// <summary>Standalone serving a built SPA from <c>Gateway:SpaRoot</c> (here a small stand-in folder).</summary>
public sealed class SpaFixture : IAsyncLifetime
{
    public string DataFolder { get; } = AndonHosts.TemporaryFolder();

    public string SpaFolder { get; } = AndonHosts.TemporaryFolder();

    public HostProcess Host { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(Path.Combine(SpaFolder, "assets"));
        await File.WriteAllTextAsync(Path.Combine(SpaFolder, "index.html"), "<!doctype html><title>Andon</title><div id=root></div>");
        await File.WriteAllTextAsync(Path.Combine(SpaFolder, "assets", "app-1234.js"), "console.log('andon');");
        Host = await HostProcess.StartAsync("standalone/Andon.Standalone", new Dictionary<string, string>
        {
            ["ConnectionStrings__Identity"] = $"Data Source={Path.Combine(DataFolder, "identity.db")}",
            ["ConnectionStrings__Rooms"] = $"Data Source={Path.Combine(DataFolder, "rooms.db")}",
            ["ConnectionStrings__Messaging"] = $"Data Source={Path.Combine(DataFolder, "messaging.db")}",
            ["Identity__KeysPath"] = Path.Combine(DataFolder, "keys", "identity"),
            ["Gateway__KeysPath"] = Path.Combine(DataFolder, "keys", "gateway"),
            ["Gateway__SpaRoot"] = SpaFolder,
        });
    }

    public async Task DisposeAsync() => await Host.DisposeAsync();
}

public sealed class SpaHostingTests(SpaFixture fixture) : IClassFixture<SpaFixture>
{
    [Theory]
    [InlineData("/")]
    [InlineData("/login")]
    [InlineData("/rooms/7c1e9f7e-1111-4222-8333-944455556666")]
    public async Task Client_side_routes_answer_the_index_page(string path)
    {
        using var client = fixture.Host.CreateClient();

        var response = await client.GetAsync(new Uri(path, UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("<div id=root>", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Built_assets_are_served_as_files()
    {
        using var client = fixture.Host.CreateClient();

        var response = await client.GetAsync(new Uri("/assets/app-1234.js", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/javascript", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("console.log('andon');", await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("/api/no-such-thing")]
    [InlineData("/assets/missing.js")]
    public async Task Unknown_api_paths_and_missing_files_are_404_not_the_index_page(string path)
    {
        using var client = fixture.Host.CreateClient();

        var response = await client.GetAsync(new Uri(path, UriKind.Relative));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }
}
