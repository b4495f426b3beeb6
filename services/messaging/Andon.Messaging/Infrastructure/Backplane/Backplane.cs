using System.Text;
using Andon.Messaging.Infrastructure.Hub;
using MassTransit;
using Microsoft.Extensions.Logging;

namespace Andon.Messaging.Infrastructure.Backplane;

/// <summary>A batch of a room's frames as one instance broadcast them (sequence 0: not numbered, e.g. typing).</summary>
public sealed record RoomFrames(Guid Origin, Guid RoomId, IReadOnlyList<NumberedFrame> Frames);

public sealed record NumberedFrame(long Seq, string Json);

/// <summary>Something every instance must do to its own connections of a room: close them, or change their role.</summary>
public sealed record RoomControl(Guid Origin, Guid RoomId, string? UserId, int? CloseCode, string? CloseReason, string? Role);

/// <summary>
/// Who is connected to one instance: every room it has connections in (<paramref name="Full"/>, sent
/// periodically; rooms not listed have nobody there), or the rooms that just changed. Numbered by
/// the instance so that receivers never go back to an older state.
/// </summary>
public sealed record InstancePresence(Guid Origin, long Version, bool Full, IReadOnlyList<RoomOnline> Rooms);

public sealed record RoomOnline(Guid RoomId, IReadOnlyList<string> Users);

/// <summary>
/// Carries each room's frames between messaging instances: every instance has one queue of its own
/// (a temporary endpoint) bound to the fan-out exchange of <see cref="RoomFrames"/>, never one per room
/// or connection. An instance delivers its own commits locally at once and ignores its own echo.
/// </summary>
internal interface IBackplane
{
    void Publish(Guid roomId, IReadOnlyList<(byte[] Frame, long Seq)> frames);

    void Control(RoomControl control);

    /// <summary>Announces this instance's users (see <see cref="InstancePresence"/>).</summary>
    void Presence(InstancePresence presence);

    /// <summary>Whether other instances exist to hear announcements.</summary>
    bool Distributed { get; }
}

/// <summary>Standalone (in-process bus): one instance, nothing to carry.</summary>
internal sealed class NoBackplane : IBackplane
{
    public void Publish(Guid roomId, IReadOnlyList<(byte[] Frame, long Seq)> frames)
    {
    }

    public void Control(RoomControl control)
    {
    }

    public void Presence(InstancePresence presence)
    {
    }

    public bool Distributed => false;
}

internal sealed class RabbitMqBackplane(IBus bus, InstanceId instance, ILogger<RabbitMqBackplane> logger) : IBackplane
{
    public void Publish(Guid roomId, IReadOnlyList<(byte[] Frame, long Seq)> frames) =>
        Send(new RoomFrames(instance.Value, roomId, frames.Select(f => new NumberedFrame(f.Seq, Encoding.UTF8.GetString(f.Frame))).ToList()));

    public void Control(RoomControl control) => Send(control with { Origin = instance.Value });

    public void Presence(InstancePresence presence) => Send(presence with { Origin = instance.Value });

    public bool Distributed => true;

    private void Send<T>(T message)
        where T : class =>
        _ = bus.Publish(message).ContinueWith(
            t => logger.LogWarning(t.Exception, "Backplane publish failed; other instances' clients will fill the gap from the database"),
            CancellationToken.None,
            TaskContinuationOptions.OnlyOnFaulted,
            TaskScheduler.Default);
}

internal static class BackplaneRegistration
{
    /// <summary>
    /// Messages the broker may send an instance ahead of its acknowledgements. They are still handled
    /// one at a time, in order; without it the broker waits for each acknowledgement before sending
    /// the next message, which held the backplane under 1,000 frames a second (bench/backplane.sh).
    /// </summary>
    public const int Prefetch = 256;

    /// <summary>One queue per instance, deleted with it, bound to the backplane's fan-out exchanges; a room's frames are delivered in order.</summary>
    public static void AddBackplaneConsumer(this IBusRegistrationConfigurator bus, InstanceId instance, int? prefetch = Prefetch) =>
        bus.AddConsumer<BackplaneConsumer>().Endpoint(e =>
        {
            e.Name = "messaging-backplane";
            e.InstanceId = instance.Value.ToString("N")[..12];
            e.Temporary = true;
            e.ConcurrentMessageLimit = 1;
            if (prefetch is { } count)
            {
                e.PrefetchCount = count;
            }
        });
}

/// <summary>This process's identity on the backplane.</summary>
public sealed record InstanceId(Guid Value);

/// <summary>Delivers other instances' frames and controls to this instance's connections.</summary>
internal sealed class BackplaneConsumer(RoomHub hub, InstanceId instance) : IConsumer<RoomFrames>, IConsumer<RoomControl>, IConsumer<InstancePresence>
{
    public Task Consume(ConsumeContext<InstancePresence> context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Message.Origin != instance.Value)
        {
            hub.ApplyRemotePresence(context.Message);
        }

        return Task.CompletedTask;
    }

    public Task Consume(ConsumeContext<RoomFrames> context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Message.Origin != instance.Value)
        {
            foreach (var frame in context.Message.Frames)
            {
                hub.BroadcastLocal(context.Message.RoomId, Encoding.UTF8.GetBytes(frame.Json), frame.Seq);
            }
        }

        return Task.CompletedTask;
    }

    public Task Consume(ConsumeContext<RoomControl> context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var c = context.Message;
        if (c.Origin != instance.Value)
        {
            hub.ApplyLocal(c);
        }

        return Task.CompletedTask;
    }
}
