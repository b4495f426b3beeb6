using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Xml.Linq;
using Andon.Testing;
using Minio;
using Minio.DataModel.Args;
using SkiaSharp;

namespace Andon.Files.Tests;

/// <summary>
/// Identity, rooms, messaging, files and the gateway as separate processes on PostgreSQL, RabbitMQ,
/// slapd and a real S3 server (s3rver), which files reaches through a relay the tests can cut.
/// Every call goes through the gateway.
/// </summary>
public sealed class DistributedFiles : IAsyncLifetime, IFilesSystem
{
    private readonly HostGroup hosts = new();
    private readonly Dictionary<Actor, string> tokens = [];
    private readonly TestDatabase[] databases;

    public DistributedFiles() => databases = [hosts.Database("files_identity"), hosts.Database("files_rooms"), hosts.Database("files_messaging"), hosts.Database("files")];

    public string Bucket { get; } = "andon-files-" + Guid.NewGuid().ToString("N")[..8];

    /// <summary>Between the files service and the S3 server: <see cref="TcpProxy.Stop"/> is the store going down.</summary>
    public TcpProxy S3Relay { get; } = new(TestServers.S3.Host, TestServers.S3.Port);

    public HostProcess Gateway { get; private set; } = null!;

    public IMinioClient S3 { get; } = new MinioClient().WithEndpoint(TestServers.S3.Host, TestServers.S3.Port)
        .WithCredentials(TestServers.S3AccessKey, TestServers.S3AccessKey).WithSSL(false).Build();

    public Uri Address => Gateway.Address;

    public string Logs() => hosts.Logs();

    public async Task InitializeAsync()
    {
        var identityPort = HostProcess.FreePort();
        var bus = TestServers.NewRabbitMqVirtualHost();
        var identity = await hosts.StartAsync("services/identity/Andon.Identity.Api", AndonHosts.Identity(databases[0], TestServers.Ldap.Port, identityPort, AndonHosts.TemporaryFolder(), bus), identityPort);
        var rooms = await hosts.StartAsync("services/rooms/Andon.Rooms.Api", AndonHosts.Rooms(databases[1], identity.Address, bus));
        var messaging = await hosts.StartAsync("services/messaging/Andon.Messaging.Api", AndonHosts.Messaging(databases[2], identity.Address, bus));
        var files = await hosts.StartAsync("services/files/Andon.Files.Api", AndonHosts.Files(databases[3], identity.Address, bus, $"127.0.0.1:{S3Relay.Port}", Bucket));
        var gateway = AndonHosts.Gateway(identity.Address, AndonHosts.TemporaryFolder());
        gateway["ReverseProxy__Clusters__rooms__Destinations__rooms__Address"] = rooms.Address.ToString();
        gateway["ReverseProxy__Clusters__messaging__Destinations__messaging__Address"] = messaging.Address.ToString();
        gateway["ReverseProxy__Clusters__files__Destinations__files__Address"] = files.Address.ToString();
        Gateway = await hosts.StartAsync("gateway/Andon.Gateway.Api", gateway);

        tokens[Actor.Owner] = await identity.AccessTokenAsync("op.lin", TestServers.LdapPassword);
        tokens[Actor.Editor] = await identity.AccessTokenAsync("mt.wang", TestServers.LdapPassword);
        tokens[Actor.Viewer] = await identity.AccessTokenAsync("qa.huang", TestServers.LdapPassword);
        tokens[Actor.Admin] = await identity.AccessTokenAsync("admin.chen", TestServers.LdapPassword);
        tokens[Actor.NonMember] = await PlantFloorTokenAsync(identity);
    }

    public async Task DisposeAsync()
    {
        await hosts.DisposeAsync();

        S3Relay.Dispose();
    }

    public HttpClient ClientOf(Actor actor)
    {
        var client = Gateway.CreateClient(cookies: false);
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", tokens[actor]);
        return client;
    }

    public string Token(Actor actor) => tokens[actor];

    public async Task<Guid> NewRoomAsync()
    {
        using var owner = ClientOf(Actor.Owner);
        var created = await owner.PostAsJsonAsync(new Uri("/api/rooms", UriKind.Relative), new { title = "二號線沖壓機異常", incident_type = "quality_issue", severity = "high" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var roomId = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("room_id").GetGuid();
        Assert.Equal(HttpStatusCode.Created, (await owner.PostAsJsonAsync(new Uri($"/api/rooms/{roomId}/members", UriKind.Relative), new { user_id = "mt.wang@andon.test", role = "editor" })).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await owner.PostAsJsonAsync(new Uri($"/api/rooms/{roomId}/members", UriKind.Relative), new { user_id = "qa.huang@andon.test", role = "viewer" })).StatusCode);

        return await this.KnownToFilesAsync(roomId);
    }

    /// <summary>
    /// Lists with a plain S3 ListObjectsV2 request (s3rver answers it without a signature): the Minio
    /// SDK's listing finds nothing in s3rver's answers.
    /// </summary>
    public async Task<IReadOnlyList<string>> ObjectKeysAsync(Guid roomId)
    {
        using var http = new HttpClient { BaseAddress = TestServers.S3 };
        var xml = XDocument.Parse(await http.GetStringAsync(new Uri($"/{Bucket}?list-type=2&prefix={roomId:D}/", UriKind.Relative)));
        return xml.Descendants().Where(e => e.Name.LocalName == "Key").Select(e => e.Value).Order().ToList();
    }

    public async Task<byte[]> ReadObjectAsync(string key)
    {
        using var memory = new MemoryStream();
        await S3.GetObjectAsync(new GetObjectArgs().WithBucket(Bucket).WithObject(key).WithCallbackStream(async (s, ct) => await s.CopyToAsync(memory, ct)));
        return memory.ToArray();
    }

    private static async Task<string> PlantFloorTokenAsync(HostProcess identity)
    {
        using var client = identity.CreateClient(cookies: false);
        var response = await client.PostAsync(new Uri("/connect/token", UriKind.Relative), new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = "plant-floor",
            ["client_secret"] = AndonHosts.PlantFloorSecret,
        }));
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("access_token").GetString()!;
    }
}

public sealed class DistributedFileRules(DistributedFiles system) : FileRules(system), IClassFixture<DistributedFiles>
{
    [Fact]
    public async Task A_browser_upload_through_the_gateway_appears_as_an_image_ref_on_a_members_socket()
    {
        var roomId = await system.NewRoomAsync();
        using var owner = new BrowserSession(system.Gateway.Address);
        using var editor = new BrowserSession(system.Gateway.Address);
        Assert.Equal(HttpStatusCode.OK, (await owner.LoginAsync("op.lin", TestServers.LdapPassword)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await editor.LoginAsync("mt.wang", TestServers.LdapPassword)).StatusCode);
        await using var socket = await ConnectAsync(roomId, owner);
        await socket.NextOfTypeAsync("hello");

        // What the browser sends: the session cookie, the CSRF header, a multipart body.
        using var form = new MultipartFormDataContent();
        form.Add(new ByteArrayContent(Samples.JpegWithExif(400, 300)), "file", "三號線馬達.jpg");
        form.Add(new StringContent("馬達外殼過熱"), "description");
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri($"/api/rooms/{roomId}/files", UriKind.Relative)) { Content = form };
        request.Headers.Add("Cookie", editor.CookieHeader);
        using (var noCsrf = new HttpRequestMessage(HttpMethod.Post, request.RequestUri) { Content = new ByteArrayContent([]) })
        {
            noCsrf.Headers.Add("Cookie", editor.CookieHeader);
            Assert.Equal(HttpStatusCode.Forbidden, (await editor.Http.SendAsync(noCsrf)).StatusCode);
        }

        request.Headers.Add("X-Requested-With", "andon");
        var response = await editor.Http.SendAsync(request);
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        var file = await response.Content.ReadFromJsonAsync<JsonElement>();
        var fileId = file.GetProperty("file_id").GetGuid();

        var message = (await socket.NextAsync(f => f.GetProperty("type").GetString() == "message", TimeSpan.FromSeconds(20))).GetProperty("message");
        Assert.Equal("image_ref", message.GetProperty("message_type").GetString());
        Assert.Equal(fileId, message.GetProperty("file_id").GetGuid());
        Assert.Equal("mt.wang@andon.test", message.GetProperty("sender_id").GetString());

        // The object is in the bucket at its key, read back through the S3 API.
        var key = $"{roomId:D}/images/{fileId:D}.jpg";
        Assert.Equal([key, $"{roomId:D}/thumbnails/{fileId:D}.jpg"], await system.ObjectKeysAsync(roomId));
        using var stored = SKBitmap.Decode(await system.ReadObjectAsync(key));
        Assert.Equal((300, 400), (stored.Width, stored.Height));

        // And the owner's browser downloads it through the gateway with its cookie.
        var download = await owner.SendAsync(HttpMethod.Get, $"/api/files/{fileId}/content", csrfHeader: false);
        Assert.Equal(HttpStatusCode.OK, download.StatusCode);
        Assert.Equal(await system.ReadObjectAsync(key), await download.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task With_the_store_down_an_upload_answers_503_and_writes_nothing_then_succeeds_once_it_is_back()
    {
        var roomId = await system.NewRoomAsync();
        using var editor = system.ClientOf(Actor.Editor);
        var photo = Samples.Png(800, 600);
        system.S3Relay.Stop();
        HttpResponseMessage refused;
        try
        {
            refused = await editor.UploadAsync(roomId, photo, "panel.png");
        }
        finally
        {
            system.S3Relay.Start();
        }

        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.Equal("unavailable", (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());
        Assert.Empty(await system.ObjectKeysAsync(roomId));
        Assert.Equal(0, (await editor.GetFromJsonAsync<JsonElement>(new Uri($"/api/rooms/{roomId}/files", UriKind.Relative))).GetProperty("total").GetInt32());

        var accepted = await editor.UploadAsync(roomId, photo, "panel.png");
        Assert.True(accepted.StatusCode == HttpStatusCode.Created, await accepted.Content.ReadAsStringAsync());
        var fileId = (await accepted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("file_id").GetGuid();
        Assert.Equal([$"{roomId:D}/images/{fileId:D}.png", $"{roomId:D}/thumbnails/{fileId:D}.jpg"], await system.ObjectKeysAsync(roomId));
        var list = await editor.GetFromJsonAsync<JsonElement>(new Uri($"/api/rooms/{roomId}/files", UriKind.Relative));
        Assert.Equal(fileId, list.GetProperty("items").EnumerateArray().Single().GetProperty("file_id").GetGuid());
    }

    private Task<WsClient> ConnectAsync(Guid roomId, BrowserSession session) =>
        Uploads.ConnectWhenMemberAsync(() => WsClient.ConnectAsync(system.Gateway.Address, roomId, cookie: session.CookieHeader, origin: system.Gateway.Address.ToString().TrimEnd('/')));
}
