namespace Andon.Gateway.Features.Session;

/// <summary>What the sealed session cookie holds: the tokens stay on the server side of the browser.</summary>
internal sealed record SessionTicket(string SessionId, string AccessToken, DateTimeOffset AccessExpiresAt, string RefreshToken)
{
    public bool NeedsRefresh(DateTimeOffset now) => AccessExpiresAt - now < TimeSpan.FromSeconds(30);

    public bool AccessValid(DateTimeOffset now) => AccessExpiresAt > now;
}
