namespace Andon.Files.Domain;

/// <summary>A file uploaded into a room. Deleting it is soft: the row and its objects stay for the audit trail.</summary>
public sealed class StoredFile
{
    public Guid FileId { get; set; }

    public Guid RoomId { get; set; }

    /// <summary>The name the user gave, without any folder part.</summary>
    public required string Filename { get; set; }

    /// <summary>Judged from the bytes, never from the name or the client.</summary>
    public required string ContentType { get; set; }

    public long Size { get; set; }

    /// <summary><c>image</c> or <c>document</c>.</summary>
    public required string Kind { get; set; }

    public int? Width { get; set; }

    public int? Height { get; set; }

    public string? Description { get; set; }

    /// <summary>Something the uploader should know about how the file was stored (e.g. a photo kept as a document).</summary>
    public string? Note { get; set; }

    public required string UploadedBy { get; set; }

    public DateTimeOffset UploadedAt { get; set; }

    public required string ObjectKey { get; set; }

    public string? ThumbnailKey { get; set; }

    /// <summary>SHA-256 of the stored bytes, hex; the download's ETag.</summary>
    public required string Sha256 { get; set; }

    public DateTimeOffset? DeletedAt { get; set; }

    public string? DeletedBy { get; set; }

    public const string Image = "image";
    public const string Document = "document";
}

/// <summary>The files service's copy of a room, fed by rooms' events.</summary>
public sealed class RoomCopy
{
    public Guid RoomId { get; set; }

    public required string Status { get; set; }
}

/// <summary>The files service's copy of a membership, fed by rooms' events.</summary>
public sealed class MemberCopy
{
    public Guid RoomId { get; set; }

    public required string UserId { get; set; }

    /// <summary><c>owner</c>, <c>editor</c> or <c>viewer</c>.</summary>
    public required string Role { get; set; }
}
