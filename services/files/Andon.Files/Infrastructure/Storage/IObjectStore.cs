namespace Andon.Files.Infrastructure.Storage;

/// <summary>
/// Where file bytes live: a folder on disk (standalone) or an S3 bucket (MinIO in production).
/// Every failure to reach the store surfaces as <see cref="Andon.BuildingBlocks.Errors.ServiceUnavailableException"/> (503).
/// </summary>
public interface IObjectStore
{
    /// <summary>Creates the bucket (or folder) if it is missing.</summary>
    Task EnsureReadyAsync(CancellationToken cancellationToken);

    /// <summary>Writes the whole of a seekable <paramref name="content"/> at <paramref name="key"/>.</summary>
    Task PutAsync(string key, Stream content, string contentType, CancellationToken cancellationToken);

    /// <summary>The object's bytes from <paramref name="offset"/> to its end (<paramref name="length"/> is the object's size).</summary>
    Task<Stream> ReadAsync(string key, long offset, long length, CancellationToken cancellationToken);

    Task DeleteAsync(string key, CancellationToken cancellationToken);
}

/// <summary>The object keys of the contract: <c>{room_id}/images|files/{file_id}.{ext}</c>, and thumbnails beside them.</summary>
public static class ObjectKeys
{
    public static string For(Guid roomId, Guid fileId, bool image, string extension) =>
        $"{roomId:D}/{(image ? "images" : "files")}/{fileId:D}.{extension}";

    public static string Thumbnail(Guid roomId, Guid fileId) => $"{roomId:D}/thumbnails/{fileId:D}.jpg";
}
