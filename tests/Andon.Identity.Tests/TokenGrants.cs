namespace Andon.Identity.Tests;

/// <summary>Requests to identity's token endpoint, as the scripts client and plant-floor systems make them.</summary>
internal static class TokenGrants
{
    public static Task<HttpResponseMessage> Token(HttpClient client, params (string Key, string Value)[] fields) =>
        client.PostAsync(new Uri("/connect/token", UriKind.Relative), new FormUrlEncodedContent(fields.ToDictionary(f => f.Key, f => f.Value)));

    public static Task<HttpResponseMessage> Password(HttpClient client, string username, string password) =>
        Token(client, ("grant_type", "password"), ("client_id", "andon-scripts"), ("username", username), ("password", password), ("scope", "offline_access api"));

    public static Task<HttpResponseMessage> Refresh(HttpClient client, string refreshToken) =>
        Token(client, ("grant_type", "refresh_token"), ("client_id", "andon-scripts"), ("refresh_token", refreshToken));
}
