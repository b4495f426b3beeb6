using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;

namespace Andon.Gateway.Features.Session;

internal enum TokenOutcome
{
    Issued,
    Rejected,
    Unavailable,
}

internal sealed record TokenResult(TokenOutcome Outcome, string? AccessToken = null, DateTimeOffset ExpiresAt = default, string? RefreshToken = null);

/// <summary>The gateway's calls to the identity service: the OAuth token and revocation endpoints, and the caller's profile.</summary>
internal sealed class IdentityClient(HttpClient http, IOptions<GatewayOptions> options, IServer server, TimeProvider clock)
{
    public Task<TokenResult> SignInAsync(string username, string password, CancellationToken cancellationToken) =>
        RequestTokensAsync(new Dictionary<string, string>
        {
            ["grant_type"] = "password",
            ["username"] = username,
            ["password"] = password,
            ["scope"] = "offline_access api",
        }, cancellationToken);

    public Task<TokenResult> RefreshAsync(string refreshToken, CancellationToken cancellationToken) =>
        RequestTokensAsync(new Dictionary<string, string>
        {
            ["grant_type"] = "refresh_token",
            ["refresh_token"] = refreshToken,
        }, cancellationToken);

    /// <summary>Revokes the refresh token; false when identity could not be reached.</summary>
    public async Task<bool> RevokeAsync(string refreshToken, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await http.PostAsync(Endpoint("connect/revoke"), Form(new Dictionary<string, string>
            {
                ["token"] = refreshToken,
                ["token_type_hint"] = "refresh_token",
            }), cancellationToken);
            return response.IsSuccessStatusCode;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }

    /// <summary>The caller's <c>{"user": …}</c> from identity, or the status code identity answered.</summary>
    public async Task<(HttpStatusCode Status, JsonElement? Body)> MeAsync(string accessToken, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, Endpoint("api/users/me"));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        try
        {
            using var response = await http.SendAsync(request, cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                return (response.StatusCode, null);
            }

            return (response.StatusCode, await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken));
        }
        catch (HttpRequestException)
        {
            return (HttpStatusCode.ServiceUnavailable, null);
        }
    }

    private async Task<TokenResult> RequestTokensAsync(Dictionary<string, string> form, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await http.PostAsync(Endpoint("connect/token"), Form(form), cancellationToken);
            if (response.StatusCode == HttpStatusCode.BadRequest)
            {
                return new TokenResult(TokenOutcome.Rejected);
            }

            if (!response.IsSuccessStatusCode)
            {
                return new TokenResult(TokenOutcome.Unavailable);
            }

            var body = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
            return new TokenResult(
                TokenOutcome.Issued,
                body.GetProperty("access_token").GetString(),
                clock.GetUtcNow().AddSeconds(body.GetProperty("expires_in").GetInt32()),
                body.TryGetProperty("refresh_token", out var refresh) ? refresh.GetString() : null);
        }
        catch (HttpRequestException)
        {
            return new TokenResult(TokenOutcome.Unavailable);
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new TokenResult(TokenOutcome.Unavailable);
        }
    }

    private FormUrlEncodedContent Form(Dictionary<string, string> fields)
    {
        fields["client_id"] = options.Value.ClientId;
        fields["client_secret"] = options.Value.ClientSecret;
        return new FormUrlEncodedContent(fields);
    }

    private Uri Endpoint(string path) => new(BaseAddress(), path);

    private Uri BaseAddress()
    {
        var configured = options.Value.IdentityUrl;
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return new Uri(configured.EndsWith('/') ? configured : configured + "/");
        }

        // Standalone: identity is a module of this very process.
        var address = server.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault()
            ?? throw new InvalidOperationException("Gateway:IdentityUrl is not set and the server has no address.");
        var uri = new UriBuilder(address.Replace("://+", "://localhost", StringComparison.Ordinal).Replace("://*", "://localhost", StringComparison.Ordinal));
        if (uri.Host is "0.0.0.0" or "[::]" or "::")
        {
            uri.Host = "127.0.0.1";
        }

        uri.Path = "/";
        return uri.Uri;
    }
}
