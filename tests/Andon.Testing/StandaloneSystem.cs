using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Xunit;

namespace Andon.Testing;

/// <summary>Standalone (SQLite, in-process bus, development directory) with a bearer client per development account.</summary>
public class StandaloneSystem : IAsyncLifetime
{
    public const string Owner = "operator@andon.local";
    public const string Editor = "maintenance@andon.local";
    public const string Viewer = "quality@andon.local";
    public const string NonMember = "viewer@andon.local";
    public const string Admin = "admin@andon.local";

    private readonly Dictionary<string, string> tokens = [];

    public string DataFolder { get; } = AndonHosts.TemporaryFolder();

    public HostProcess Host { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var settings = new Dictionary<string, string>(Settings())
        {
            ["ConnectionStrings__Identity"] = $"Data Source={Path.Combine(DataFolder, "identity.db")}",
            ["ConnectionStrings__Rooms"] = $"Data Source={Path.Combine(DataFolder, "rooms.db")}",
            ["ConnectionStrings__Messaging"] = $"Data Source={Path.Combine(DataFolder, "messaging.db")}",
            ["ConnectionStrings__Files"] = $"Data Source={Path.Combine(DataFolder, "files.db")}",
            ["Files__DiskPath"] = Path.Combine(DataFolder, "objects"),
            ["Identity__KeysPath"] = Path.Combine(DataFolder, "keys", "identity"),
            ["Gateway__KeysPath"] = Path.Combine(DataFolder, "keys", "gateway"),
        };
        Host = await HostProcess.StartAsync("standalone/Andon.Standalone", settings);
        foreach (var user in new[] { Owner, Editor, Viewer, NonMember, Admin })
        {
            tokens[user] = await Host.AccessTokenAsync(user, "andon-dev");
        }
    }

    public async Task DisposeAsync() => await Host.DisposeAsync();

    /// <summary>Configuration a derived fixture adds to standalone's own.</summary>
    protected virtual IDictionary<string, string> Settings() => new Dictionary<string, string>();

    public string Token(string user) => tokens[user];

    /// <summary>A client acting as <paramref name="user"/>; null for anonymous.</summary>
    public HttpClient As(string? user)
    {
        var client = Host.CreateClient(cookies: false);
        if (user is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", tokens[user]);
        }

        return client;
    }

    /// <summary>A new active room owned by <see cref="Owner"/>, with <see cref="Editor"/> and <see cref="Viewer"/> as members.</summary>
    public async Task<Guid> NewRoomAsync(string title = "三號線輸送帶停止", string incidentType = "equipment_failure", string severity = "high", object? extra = null)
    {
        using var owner = As(Owner);
        var body = new Dictionary<string, object?> { ["title"] = title, ["incident_type"] = incidentType, ["severity"] = severity };
        foreach (var property in extra?.GetType().GetProperties() ?? [])
        {
            body[property.Name] = property.GetValue(extra);
        }

        var created = await owner.PostAsJsonAsync(new Uri("/api/rooms", UriKind.Relative), body);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var roomId = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("room_id").GetGuid();
        Assert.Equal(HttpStatusCode.Created, (await owner.PostAsJsonAsync(new Uri($"/api/rooms/{roomId}/members", UriKind.Relative), new { user_id = Editor, role = "editor" })).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await owner.PostAsJsonAsync(new Uri($"/api/rooms/{roomId}/members", UriKind.Relative), new { user_id = Viewer, role = "viewer" })).StatusCode);
        return roomId;
    }

    public static async Task<JsonElement> Json(HttpResponseMessage response) => await response.Content.ReadFromJsonAsync<JsonElement>();
}
