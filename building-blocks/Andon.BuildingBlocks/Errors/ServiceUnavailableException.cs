namespace Andon.BuildingBlocks.Errors;

/// <summary>A server this service depends on (directory, database, object store) cannot be reached; answered as 503.</summary>
public sealed class ServiceUnavailableException : Exception
{
    public ServiceUnavailableException(string message, Exception? inner = null) : base(message, inner)
    {
    }

    public ServiceUnavailableException()
    {
    }

    public ServiceUnavailableException(string message) : base(message)
    {
    }
}
