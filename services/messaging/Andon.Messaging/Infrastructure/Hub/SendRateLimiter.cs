using System.Collections.Concurrent;

namespace Andon.Messaging.Infrastructure.Hub;

/// <summary>At most 10 messages a second per user, with bursts of 20 (a token bucket per user).</summary>
internal sealed class SendRateLimiter(TimeProvider clock)
{
    private const double PerSecond = 10;
    private const double Burst = 20;
    private readonly ConcurrentDictionary<string, Bucket> buckets = new(StringComparer.Ordinal);

    private sealed class Bucket
    {
        public double Tokens { get; set; } = Burst;

        public long At { get; set; }
    }

    public bool TryTake(string userId)
    {
        var now = clock.GetTimestamp();
        var bucket = buckets.GetOrAdd(userId, _ => new Bucket { At = now });
        lock (bucket)
        {
            bucket.Tokens = Math.Min(Burst, bucket.Tokens + (clock.GetElapsedTime(bucket.At, now).TotalSeconds * PerSecond));
            bucket.At = now;
            if (bucket.Tokens < 1)
            {
                return false;
            }

            bucket.Tokens -= 1;
            return true;
        }
    }
}
