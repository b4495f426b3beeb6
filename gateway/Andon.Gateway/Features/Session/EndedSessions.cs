using System.Collections.Concurrent;

namespace Andon.Gateway.Features.Session;

/// <summary>
/// Sessions logged out on this gateway whose access token has not expired yet: their old cookie is
/// refused here at once. Everywhere else it stops at its next refresh, because logout revoked the
/// refresh token at identity (see docs/decisions/0003-browser-sessions.md).
/// </summary>
internal sealed class EndedSessions(TimeProvider clock)
{
    private readonly ConcurrentDictionary<string, DateTimeOffset> ended = new(StringComparer.Ordinal);

    public void End(SessionTicket ticket)
    {
        var now = clock.GetUtcNow();
        foreach (var (id, until) in ended)
        {
            if (until < now)
            {
                ended.TryRemove(id, out _);
            }
        }

        ended[ticket.SessionId] = ticket.AccessExpiresAt.AddMinutes(1);
    }

    public bool IsEnded(SessionTicket ticket) => ended.ContainsKey(ticket.SessionId);
}
