using System.ComponentModel.DataAnnotations;

namespace Andon.Messaging;

/// <summary>Options of the messaging service (<c>Messaging:*</c>).</summary>
public sealed class MessagingOptions : IValidatableObject
{
    /// <summary>Seconds between an instance's announcements of its users to the other instances.</summary>
    [Range(1, 300)]
    public int PresenceRefreshSeconds { get; set; } = 5;

    /// <summary>Seconds after which an instance not heard of is forgotten with its users; more than two refreshes.</summary>
    [Range(2, 3600)]
    public int PresenceExpirySeconds { get; set; } = 15;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (PresenceExpirySeconds <= 2 * PresenceRefreshSeconds)
        {
            yield return new ValidationResult("PresenceExpirySeconds must be more than twice PresenceRefreshSeconds.", [nameof(PresenceExpirySeconds)]);
        }
    }

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
