using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace Andon.Bench;

/// <summary>Andon's REST API as the bench uses it: tokens by the scripts client's password grant, rooms and members.</summary>
internal sealed class AndonApi(Uri url) : IDisposable
{
    private readonly HttpClient http = new(new SocketsHttpHandler { MaxConnectionsPerServer = 64 }) { BaseAddress = url, Timeout = TimeSpan.FromSeconds(60) };
    private readonly ConcurrentDictionary<string, string> tokens = new(StringComparer.Ordinal);

    public Uri Url { get; } = url;

    public async Task<string> TokenAsync(string user)
    {
        if (tokens.TryGetValue(user, out var token))
        {
            return token;
        }

        using var response = await http.PostAsync(new Uri("/connect/token", UriKind.Relative), new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "password",
            ["client_id"] = "andon-scripts",
            ["username"] = user,
            ["password"] = "andon-dev",
        }));
        response.EnsureSuccessStatusCode();
        token = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("access_token").GetString()!;
        tokens[user] = token;
        return token;
    }

    /// <summary>Tokens for bench users 0..count-1, a few at a time.</summary>
    public async Task TokensAsync(int count) =>
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, _) => await TokenAsync(Server.UserId(i)));

    public async Task<HttpResponseMessage> SendAsync(HttpMethod method, string user, string path, object? body = null)
    {
        using var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await TokenAsync(user));
        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }

        return await http.SendAsync(request);
    }

    /// <summary>A room owned by <paramref name="owner"/> with the others as editors, usable by messaging when this returns.</summary>
    public async Task<Guid> CreateRoomAsync(string owner, string title, IEnumerable<string> editors)
    {
        using var created = await SendAsync(HttpMethod.Post, owner, "/api/rooms", new { title, incident_type = "other", severity = "low" });
        created.EnsureSuccessStatusCode();
        var roomId = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("room_id").GetGuid();
        var last = owner;
        foreach (var editor in editors.Where(e => e != owner).Distinct())
        {
            using var added = await SendAsync(HttpMethod.Post, owner, $"/api/rooms/{roomId}/members", new { user_id = editor, role = "editor" });
            added.EnsureSuccessStatusCode();
            last = editor;
        }

        // Messaging learns of rooms and members by events: wait until the last member may read.
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            using var probe = await SendAsync(HttpMethod.Get, last, $"/api/rooms/{roomId}/messages?limit=1");
            if (probe.StatusCode == HttpStatusCode.OK)
            {
                return roomId;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"room {roomId} not visible to {last} in messaging ({probe.StatusCode})");
            }

            await Task.Delay(50);
        }
    }

    public void Dispose() => http.Dispose();
}
