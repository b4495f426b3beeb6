namespace Andon.Contracts;

/// <summary>
/// Every integration event carries its own id (consumers de-duplicate on it) and the moment it happened.
/// </summary>
public interface IIntegrationEvent
{
    Guid EventId { get; }

    DateTimeOffset OccurredAt { get; }
}
