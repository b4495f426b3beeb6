using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace Andon.Gateway.Features.Session;

/// <summary>
/// Counts failed sign-ins per username and per client address over the last minute; past the limit
/// further attempts are refused with 429 until the oldest failure ages out.
/// </summary>
internal sealed class LoginThrottle(IOptions<GatewayOptions> options, TimeProvider clock)
{
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(1);
    private readonly ConcurrentDictionary<string, Queue<DateTimeOffset>> failures = new(StringComparer.Ordinal);

    /// <summary>How long the caller must wait, or null when an attempt is allowed.</summary>
    public TimeSpan? RetryAfter(string username, string? address)
    {
        var now = clock.GetUtcNow();
        TimeSpan? wait = null;
        foreach (var key in Keys(username, address))
        {
            if (!failures.TryGetValue(key, out var queue))
            {
                continue;
            }

            lock (queue)
            {
                Prune(queue, now);
                if (queue.Count >= options.Value.LoginFailuresPerMinute)
                {
                    var until = queue.Peek() + Window - now;
                    wait = wait is null || until > wait ? until : wait;
                }
            }
        }

        return wait;
    }

    public void RecordFailure(string username, string? address)
    {
        var now = clock.GetUtcNow();
        foreach (var key in Keys(username, address))
        {
            var queue = failures.GetOrAdd(key, _ => new Queue<DateTimeOffset>());
            lock (queue)
            {
                Prune(queue, now);
                queue.Enqueue(now);
            }
        }

        if (failures.Count > 10_000)
        {
            foreach (var (key, queue) in failures)
            {
                lock (queue)
                {
                    Prune(queue, now);
                    if (queue.Count == 0)
                    {
                        failures.TryRemove(key, out _);
                    }
                }
            }
        }
    }

    public void RecordSuccess(string username) => failures.TryRemove(UserKey(username), out _);

    private static string UserKey(string username) => "user:" + username.Trim().ToUpperInvariant();

    private static IEnumerable<string> Keys(string username, string? address)
    {
        yield return UserKey(username);
        if (!string.IsNullOrEmpty(address))
        {
            yield return "addr:" + address;
        }
    }

    private static void Prune(Queue<DateTimeOffset> queue, DateTimeOffset now)
    {
        while (queue.Count > 0 && now - queue.Peek() >= Window)
        {
            queue.Dequeue();
        }
    }
}
