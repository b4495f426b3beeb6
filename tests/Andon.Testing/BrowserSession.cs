using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Andon.Testing;

/// <summary>What a browser does against the gateway: it keeps the cookie and sends X-Requested-With where it must.</summary>
public sealed class BrowserSession(Uri gateway) : IDisposable
{
    public HttpClient Http { get; } = new(new HttpClientHandler { UseCookies = false }) { BaseAddress = gateway };

    public string? CookieHeader { get; set; }

    public async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, object? json = null, bool csrfHeader = true)
    {
        using var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative));
        if (json is not null)
        {
            request.Content = JsonContent.Create(json);
        }

        if (CookieHeader is not null)
        {
            request.Headers.Add("Cookie", CookieHeader);
        }

        if (csrfHeader)
        {
            request.Headers.Add("X-Requested-With", "andon");
        }

        var response = await Http.SendAsync(request);
        foreach (var setCookie in response.Headers.TryGetValues("Set-Cookie", out var values) ? values : [])
        {
            var pair = setCookie.Split(';')[0];
            CookieHeader = pair.EndsWith('=') || setCookie.Contains("expires=Thu, 01 Jan 1970", StringComparison.OrdinalIgnoreCase) ? null : pair;
        }

        return response;
    }

    public Task<HttpResponseMessage> LoginAsync(string username, string password) =>
        SendAsync(HttpMethod.Post, "/api/auth/login", new { username, password });

    public static async Task<JsonElement> Json(HttpResponseMessage response) => await response.Content.ReadFromJsonAsync<JsonElement>();

    public void Dispose() => Http.Dispose();
}
