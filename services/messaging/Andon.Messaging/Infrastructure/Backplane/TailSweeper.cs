using Andon.Messaging.Infrastructure.Hub;
using Andon.Messaging.Infrastructure.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Andon.Messaging.Infrastructure.Backplane;

/// <summary>
/// The backplane is not durable: frames another instance published while this one's connection to
/// RabbitMQ was down never arrive. A gap is filled from the database when a later frame of the room
/// reaches a connection, but when the lost frames are the room's last ones nothing later comes. So
/// every <see cref="Interval"/> this reads the counters of the rooms it has connections in, and a
/// connection still behind a counter it was behind at the previous sweep (not merely a frame in
/// flight, nor queued for a slow reader) is sent the missing frames from the room's event log.
/// </summary>
internal sealed class TailSweeper(RoomHub hub, GapFiller gaps, IServiceScopeFactory scopes, TimeProvider clock, ILogger<TailSweeper> logger) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(2);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // What each connection had been sent, and the room's counter, at the previous sweep.
        var behind = new Dictionary<Connection, long>();
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(Interval, clock, stoppingToken);
                behind = await SweepAsync(behind, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
#pragma warning disable CA1031 // The database may be down for a while; the next sweep tries again.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                logger.LogWarning(ex, "Could not compare connections with their rooms' counters");
            }
        }
    }

    private async Task<Dictionary<Connection, long>> SweepAsync(Dictionary<Connection, long> previous, CancellationToken cancellationToken)
    {
        var connections = hub.All().ToList();
        if (connections.Count == 0)
        {
            return [];
        }

        var roomIds = connections.Select(c => c.RoomId).Distinct().ToList();
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<MessagingDb>();
        var counters = await db.Counters.AsNoTracking()
            .Where(c => roomIds.Contains(c.RoomId))
            .ToDictionaryAsync(c => c.RoomId, c => c.LastSeq, cancellationToken);
        var next = new Dictionary<Connection, long>();
        foreach (var connection in connections)
        {
            var sent = connection.LastSentSeq;
            // A slow reader with frames still queued is behind too, but not missing anything.
            if (previous.TryGetValue(connection, out var counter) && sent < counter && connection.Queued == 0)
            {
                gaps.Request(connection, sent + 1, counter);
            }

            if (counters.TryGetValue(connection.RoomId, out var now) && sent < now)
            {
                next[connection] = now;
            }
        }

        return next;
    }
}
