using System.ComponentModel.DataAnnotations;

namespace Andon.Messaging;

/// <summary>Options of the messaging service (<c>Messaging:*</c>).</summary>
public sealed class MessagingOptions
{
    /// <summary>Frames queued for one connection before it counts as a client that stopped reading and is disconnected.</summary>
    [Range(8, 100_000)]
    public int ConnectionQueueFrames { get; set; } = 1024;
}
