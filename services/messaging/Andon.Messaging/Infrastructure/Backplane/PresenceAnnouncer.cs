using Andon.Messaging.Infrastructure.Hub;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Andon.Messaging.Infrastructure.Backplane;

/// <summary>
/// Keeps presence room-wide across instances: announces this instance's users in every room each
/// <see cref="MessagingOptions.PresenceRefreshSeconds"/> (changes are announced as they happen, by
/// <see cref="RoomHub"/>), and forgets an instance not heard of for
/// <see cref="MessagingOptions.PresenceExpirySeconds"/>, so the users of a killed process leave
/// within that time. When the process begins to stop it announces that nobody is here any more.
/// </summary>
internal sealed class PresenceAnnouncer(RoomHub hub, IBackplane backplane, IOptions<MessagingOptions> options, IHostApplicationLifetime lifetime, TimeProvider clock) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Announcements go out once the bus has started (it starts after this service).
        if (!await Started(stoppingToken))
        {
            return;
        }

        using var leaving = lifetime.ApplicationStopping.Register(() => backplane.Presence(hub.StopAnnouncing()));
        var refresh = TimeSpan.FromSeconds(options.Value.PresenceRefreshSeconds);
        var expiry = TimeSpan.FromSeconds(options.Value.PresenceExpirySeconds);
        var tick = TimeSpan.FromMilliseconds(Math.Min(1000, refresh.TotalMilliseconds / 2));
        var nextRefresh = clock.GetUtcNow();
        while (!stoppingToken.IsCancellationRequested)
        {
            if (clock.GetUtcNow() >= nextRefresh)
            {
                hub.AnnounceAll();
                nextRefresh = clock.GetUtcNow() + refresh;
            }

            hub.ExpireRemotePresence(expiry);
            try
            {
                await Task.Delay(tick, clock, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    private async Task<bool> Started(CancellationToken stoppingToken)
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var onStarted = lifetime.ApplicationStarted.Register(() => started.TrySetResult());
        using var onStopping = stoppingToken.Register(() => started.TrySetCanceled(stoppingToken));
        try
        {
            await started.Task;
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
