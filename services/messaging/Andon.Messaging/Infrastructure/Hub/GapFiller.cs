using System.Collections.Concurrent;
using System.Text;
using Andon.Messaging.Infrastructure.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Andon.Messaging.Infrastructure.Hub;

/// <summary>
/// With several instances, frames of one room can reach an instance out of order (each instance
/// broadcasts its own commits at once, the others' through the backplane). A connection that sees a
/// gap asks for the missing frames; if they have not arrived 200 ms later they are read from the
/// room's event log, where every committed frame already is.
/// </summary>
internal sealed class GapFiller(IServiceScopeFactory scopes, ILogger<GapFiller> logger)
{
    private static readonly TimeSpan Grace = TimeSpan.FromMilliseconds(200);
    private readonly ConcurrentDictionary<Connection, byte> pending = new();

    public void Request(Connection connection, long from, long to)
    {
        if (!pending.TryAdd(connection, 0))
        {
            return;
        }

        _ = Task.Run(async () =>
        {
            try
            {
                await Task.Delay(Grace);
                await using var scope = scopes.CreateAsyncScope();
                var db = scope.ServiceProvider.GetRequiredService<MessagingDb>();
                var missing = await db.RoomEvents.AsNoTracking()
                    .Where(e => e.RoomId == connection.RoomId && e.Seq >= from)
                    .OrderBy(e => e.Seq)
                    .Take(1000)
                    .ToListAsync();
                foreach (var e in missing)
                {
                    connection.Send(Encoding.UTF8.GetBytes(e.Frame), e.Seq);
                }
            }
#pragma warning disable CA1031 // A failed fill is retried at the next out-of-order frame.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                logger.LogWarning(ex, "Could not fill frames {From}-{To} of room {RoomId}", from, to, connection.RoomId);
            }
            finally
            {
                pending.TryRemove(connection, out _);
            }
        });
    }
}
