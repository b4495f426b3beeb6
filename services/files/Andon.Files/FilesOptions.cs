using System.ComponentModel.DataAnnotations;

namespace Andon.Files;

public enum StorageKind
{
    /// <summary>A folder on local disk (standalone).</summary>
    Disk,

    /// <summary>MinIO or any S3-compatible server, through the Minio SDK.</summary>
    S3,
}

/// <summary>The files service's settings (<c>Files:*</c>).</summary>
public sealed class FilesOptions
{
    public StorageKind Storage { get; set; } = StorageKind.Disk;

    /// <summary>Folder of the disk store, relative to the content root.</summary>
    [Required]
    public string DiskPath { get; set; } = "data/objects";

    public S3Options S3 { get; set; } = new();

    [Range(1, long.MaxValue)]
    public long MaxImageBytes { get; set; } = 10 * 1024 * 1024;

    [Range(1, long.MaxValue)]
    public long MaxDocumentBytes { get; set; } = 20 * 1024 * 1024;

    /// <summary>Images whose width × height exceeds this are refused before they are decoded (decompression bombs).</summary>
    [Range(1, long.MaxValue)]
    public long MaxImagePixels { get; set; } = 50_000_000;

    [Range(16, 4096)]
    public int ThumbnailSize { get; set; } = 320;

    [Range(0, 100_000)]
    public int MaxDescriptionLength { get; set; } = 1000;
}

public sealed class S3Options
{
    /// <summary><c>host:port</c> of the S3 server.</summary>
    public string Endpoint { get; set; } = "localhost:9000";

    public string AccessKey { get; set; } = "";

    public string SecretKey { get; set; } = "";

    public string Bucket { get; set; } = "andon-files";

    public bool UseSsl { get; set; }

    public string Region { get; set; } = "";

    /// <summary>How long one S3 call may take before it counts as failed.</summary>
    [Range(1, 600)]
    public int TimeoutSeconds { get; set; } = 30;
}
