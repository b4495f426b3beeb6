namespace Andon.BuildingBlocks.Outbox;

/// <summary>An integration event waiting in the service's own database until the broker has it.</summary>
public sealed class OutboxMessage
{
    public long Id { get; set; }

    public Guid EventId { get; set; }

    /// <summary>Full name of the event record in Andon.Contracts.</summary>
    public required string Type { get; set; }

    public required string Payload { get; set; }

    public DateTimeOffset OccurredAt { get; set; }

    public DateTimeOffset? DispatchedAt { get; set; }

    public int Attempts { get; set; }

    public string? LastError { get; set; }
}

/// <summary>An event a consumer has already handled; the key makes a second delivery a no-op.</summary>
public sealed class ProcessedEvent
{
    public Guid EventId { get; set; }

    public required string Consumer { get; set; }

    public DateTimeOffset ProcessedAt { get; set; }
}
