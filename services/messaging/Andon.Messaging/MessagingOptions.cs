using System.ComponentModel.DataAnnotations;

namespace Andon.Messaging;

/// <summary>Options of the messaging service (<c>Messaging:*</c>).</summary>
public sealed class MessagingOptions
{
    /// <summary>Frames queued for one connection before it counts as a client that stopped reading and is disconnected.</summary>
    [Range(8, 100_000)]
    public int ConnectionQueueFrames { get; set; } = 1024;

    /// <summary>Seconds between the server's pings (CONTRACT.md: 30).</summary>
    [Range(1, 3600)]
    public int PingSeconds { get; set; } = 30;

    /// <summary>Seconds a client has to answer a ping before its connection is closed (CONTRACT.md: 10).</summary>
    [Range(1, 3600)]
    public int PingTimeoutSeconds { get; set; } = 10;
}
