using System.Globalization;
using System.Text;
using Andon.Files.Infrastructure.Inspection;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;

namespace Andon.Files.Features.Upload;

/// <summary>Why reading an upload stopped early.</summary>
public enum UploadStop
{
    None,
    NotMultipart,
    NoFile,
    SeveralFiles,
    TooLarge,
    Refused,
    DescriptionTooLong,
}

/// <summary>
/// Reads a multipart upload straight from the request body: the file part is spooled to a temporary
/// file (deleted when disposed) and counted as it arrives, so a file over its limit is refused at the
/// byte that crosses it, never buffered whole. The limit (image or document) is chosen from the
/// file's first bytes.
/// </summary>
public sealed class UploadRequest : IAsyncDisposable
{
    private UploadRequest(FileStream spool) => Spool = spool;

    public FileStream Spool { get; }

    public string Filename { get; private set; } = "";

    public string? Description { get; private set; }

    public UploadStop Stop { get; private set; }

    public string StopDetail { get; private set; } = "";

    /// <summary>The first judgement from the leading bytes.</summary>
    public Inspection? Head { get; private set; }

    public static async Task<UploadRequest> ReadAsync(string? contentType, Stream body, FilesOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        var spool = new FileStream(Path.Combine(Path.GetTempPath(), "andon-upload-" + Guid.NewGuid().ToString("N")), FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 81920, FileOptions.DeleteOnClose | FileOptions.Asynchronous);
        var upload = new UploadRequest(spool);
        try
        {
            await upload.ReadPartsAsync(contentType, body, options, cancellationToken);
            return upload;
        }
        catch
        {
            await upload.DisposeAsync();
            throw;
        }
    }

    private async Task ReadPartsAsync(string? contentType, Stream body, FilesOptions options, CancellationToken cancellationToken)
    {
        if (!MediaTypeHeaderValue.TryParse(contentType, out var media) ||
            !media.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase) ||
            HeaderUtilities.RemoveQuotes(media.Boundary).Length is 0 or > 200)
        {
            Halt(UploadStop.NotMultipart, "Send the file as multipart/form-data with a part named 'file'.");
            return;
        }

        var reader = new MultipartReader(HeaderUtilities.RemoveQuotes(media.Boundary).ToString(), body) { HeadersLengthLimit = 16 * 1024 };
        var sawFile = false;
        while (await reader.ReadNextSectionAsync(cancellationToken) is { } section)
        {
            if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition))
            {
                continue;
            }

            var name = HeaderUtilities.RemoveQuotes(disposition.Name).ToString();
            if (name == "file" && (disposition.FileName.HasValue || disposition.FileNameStar.HasValue))
            {
                if (sawFile)
                {
                    Halt(UploadStop.SeveralFiles, "Send one file per upload.");
                    return;
                }

                sawFile = true;
                Filename = SafeFilename(HeaderUtilities.RemoveQuotes(disposition.FileNameStar.HasValue ? disposition.FileNameStar : disposition.FileName).ToString());
                if (!await SpoolAsync(section.Body, options, cancellationToken))
                {
                    return;
                }
            }
            else if (name == "description")
            {
                var text = await ReadTextAsync(section.Body, (options.MaxDescriptionLength * 4) + 4, cancellationToken);
                if (text is null || text.Length > options.MaxDescriptionLength)
                {
                    Halt(UploadStop.DescriptionTooLong, $"description may be at most {options.MaxDescriptionLength} characters.");
                    return;
                }

                var clean = new string(text.Where(c => !char.IsControl(c) || c is '\n' or '\t').ToArray()).Trim();
                Description = clean.Length == 0 ? null : clean;
            }
        }

        if (!sawFile)
        {
            Halt(UploadStop.NoFile, "Attach a file in a part named 'file'.");
        }
        else if (Spool.Length == 0)
        {
            Halt(UploadStop.NoFile, "The file is empty.");
        }
    }

    private async Task<bool> SpoolAsync(Stream part, FilesOptions options, CancellationToken cancellationToken)
    {
        var buffer = new byte[81920];
        var limit = options.MaxDocumentBytes;
        var head = new byte[ContentInspector.HeadLength];
        var headLength = 0;
        int read;
        while ((read = await part.ReadAsync(buffer, cancellationToken)) > 0)
        {
            if (Head is null)
            {
                var take = Math.Min(read, head.Length - headLength);
                buffer.AsSpan(0, take).CopyTo(head.AsSpan(headLength));
                headLength += take;
                if (headLength == head.Length)
                {
                    if (!Judge(head, options, ref limit))
                    {
                        return false;
                    }
                }
            }

            if (Spool.Length + read > limit)
            {
                Halt(UploadStop.TooLarge, Limit(limit, Head?.IsImage == true));
                return false;
            }

            await Spool.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
        }

        if (Head is null && headLength > 0 && !Judge(head.AsSpan(0, headLength).ToArray(), options, ref limit))
        {
            return false;
        }

        await Spool.FlushAsync(cancellationToken);
        return true;
    }

    private bool Judge(byte[] head, FilesOptions options, ref long limit)
    {
        Head = ContentInspector.FromHead(head);
        if (Head.Refusal is not null)
        {
            Halt(UploadStop.Refused, Head.Refusal);
            return false;
        }

        if (Head.IsImage)
        {
            limit = options.MaxImageBytes;
            if (Spool.Length > limit)
            {
                Halt(UploadStop.TooLarge, Limit(limit, image: true));
                return false;
            }
        }

        return true;
    }

    private static string Limit(long limit, bool image) =>
        string.Create(CultureInfo.InvariantCulture, $"{(image ? "Images" : "Documents")} may be at most {limit / (1024 * 1024)} MB.");

    private void Halt(UploadStop stop, string detail)
    {
        Stop = stop;
        StopDetail = detail;
    }

    private static async Task<string?> ReadTextAsync(Stream part, int maxBytes, CancellationToken cancellationToken)
    {
        using var memory = new MemoryStream();
        var buffer = new byte[4096];
        int read;
        while ((read = await part.ReadAsync(buffer, cancellationToken)) > 0)
        {
            if (memory.Length + read > maxBytes)
            {
                return null;
            }

            memory.Write(buffer, 0, read);
        }

        return Encoding.UTF8.GetString(memory.ToArray());
    }

    /// <summary>
    /// The name without any folder part (either separator), control or direction-changing characters,
    /// or leading dots; at most 255 characters with its extension kept. Empty becomes "file".
    /// </summary>
    public static string SafeFilename(string raw)
    {
        ArgumentNullException.ThrowIfNull(raw);
        var name = raw.Replace('\\', '/');
        name = name[(name.LastIndexOf('/') + 1)..];
        name = new string(name.Where(c => !char.IsControl(c) && CharUnicodeInfo.GetUnicodeCategory(c) != UnicodeCategory.Format && c != '"').ToArray());
        name = name.Trim().TrimStart('.').Trim();
        if (name.Length > 255)
        {
            var extension = Path.GetExtension(name);
            extension = extension.Length > 16 ? "" : extension;
            name = name[..(255 - extension.Length)] + extension;
        }

        return name.Length == 0 ? "file" : name;
    }

    public async ValueTask DisposeAsync() => await Spool.DisposeAsync();
}
