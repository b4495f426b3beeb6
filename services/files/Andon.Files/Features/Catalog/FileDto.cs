using Andon.Files.Domain;

namespace Andon.Files.Features.Catalog;

/// <summary>A file as the contract shows it.</summary>
public sealed record FileDto(
    Guid FileId,
    Guid RoomId,
    string Filename,
    string ContentType,
    long Size,
    string Kind,
    int? Width,
    int? Height,
    string? Description,
    string UploadedBy,
    DateTimeOffset UploadedAt,
    string ContentUrl,
    string? ThumbnailUrl,
    string? Note)
{
    public static FileDto From(StoredFile file)
    {
        ArgumentNullException.ThrowIfNull(file);
        return new FileDto(
            file.FileId,
            file.RoomId,
            file.Filename,
            file.ContentType,
            file.Size,
            file.Kind,
            file.Width,
            file.Height,
            file.Description,
            file.UploadedBy,
            file.UploadedAt,
            $"/api/files/{file.FileId:D}/content",
            file.ThumbnailKey is null ? null : $"/api/files/{file.FileId:D}/thumbnail",
            file.Note);
    }
}
