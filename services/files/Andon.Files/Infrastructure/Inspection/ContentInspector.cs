using System.IO.Compression;
using System.Text;

namespace Andon.Files.Infrastructure.Inspection;

/// <summary>What a file's bytes say it is.</summary>
public enum FileFormat
{
    Jpeg,
    Png,
    Gif,
    WebP,
    Heic,
    Pdf,
    Docx,
    Xlsx,
    Pptx,
    Text,
}

/// <summary>The judgement on an upload: a format the contract accepts, or the reason it is refused (415).</summary>
public sealed record Inspection(FileFormat? Format, string? Refusal)
{
    public static Inspection Accept(FileFormat format) => new(format, null);

    public static Inspection Refuse(string reason) => new(null, reason);

    public bool IsImage => Format is FileFormat.Jpeg or FileFormat.Png or FileFormat.Gif or FileFormat.WebP or FileFormat.Heic;
}

/// <summary>
/// Judges an upload by its bytes alone: magic numbers, the parts list of an Office (OOXML) zip, and
/// for text the absence of binary and markup. The name and the client's Content-Type never count.
/// Images are then decoded for real by <see cref="ImageProcessor"/>.
/// </summary>
public static class ContentInspector
{
    /// <summary>How many leading bytes <see cref="FromHead"/> needs.</summary>
    public const int HeadLength = 64;

    private static readonly string[] MarkupStarts = ["<!doctype", "<html", "<svg", "<?xml", "<script", "<head", "<body", "<iframe", "<object", "<embed", "<!--"];
    private static readonly string[] MarkupAnywhere = ["<script", "<svg", "<html", "<iframe", "javascript:"];
    private static readonly string[] HeifBrands = ["heic", "heix", "hevc", "hevx", "heim", "heis", "mif1", "msf1"];

    /// <summary>A first judgement from the leading bytes: enough to know whether the image or the document limit applies.</summary>
    public static Inspection FromHead(ReadOnlySpan<byte> head)
    {
        if (StartsWith(head, "MZ"u8) || StartsWith(head, "\u007fELF"u8) || StartsWith(head, [0xCA, 0xFE, 0xBA, 0xBE]) ||
            StartsWith(head, [0xFE, 0xED, 0xFA, 0xCE]) || StartsWith(head, [0xFE, 0xED, 0xFA, 0xCF]) ||
            StartsWith(head, [0xCE, 0xFA, 0xED, 0xFE]) || StartsWith(head, [0xCF, 0xFA, 0xED, 0xFE]) || StartsWith(head, "#!"u8))
        {
            return Inspection.Refuse("Programs and scripts cannot be uploaded.");
        }

        if (StartsWith(head, [0xFF, 0xD8, 0xFF]))
        {
            return Inspection.Accept(FileFormat.Jpeg);
        }

        if (StartsWith(head, [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]))
        {
            return Inspection.Accept(FileFormat.Png);
        }

        if (StartsWith(head, "GIF87a"u8) || StartsWith(head, "GIF89a"u8))
        {
            return Inspection.Accept(FileFormat.Gif);
        }

        if (head.Length >= 12 && StartsWith(head, "RIFF"u8) && head[8..12].SequenceEqual("WEBP"u8))
        {
            return Inspection.Accept(FileFormat.WebP);
        }

        if (head.Length >= 12 && head[4..8].SequenceEqual("ftyp"u8))
        {
            var brand = Encoding.ASCII.GetString(head[8..12]);
            return HeifBrands.Contains(brand, StringComparer.Ordinal)
                ? Inspection.Accept(FileFormat.Heic)
                : Inspection.Refuse("Video and other media files cannot be uploaded.");
        }

        if (StartsWith(head, "%PDF-"u8))
        {
            return Inspection.Accept(FileFormat.Pdf);
        }

        if (StartsWith(head, "PK\u0003\u0004"u8))
        {
            // Which Office document, if any, is decided from the whole zip.
            return Inspection.Accept(FileFormat.Docx);
        }

        return Inspection.Accept(FileFormat.Text);
    }

    /// <summary>The full judgement of a spooled upload (seekable, positioned anywhere).</summary>
    public static Inspection Inspect(Stream content)
    {
        ArgumentNullException.ThrowIfNull(content);
        Span<byte> head = stackalloc byte[HeadLength];
        content.Position = 0;
        var read = content.ReadAtLeast(head, HeadLength, throwOnEndOfStream: false);
        var first = FromHead(head[..read]);
        return first.Format switch
        {
            FileFormat.Docx => OfficeDocument(content),
            FileFormat.Text => PlainText(content),
            _ => first,
        };
    }

    /// <summary>The extension and Content-Type a format is stored and served with.</summary>
    public static (string Extension, string ContentType) Describe(FileFormat format, string filename) => format switch
    {
        FileFormat.Jpeg => ("jpg", "image/jpeg"),
        FileFormat.Png => ("png", "image/png"),
        FileFormat.Gif => ("gif", "image/gif"),
        FileFormat.WebP => ("webp", "image/webp"),
        FileFormat.Heic => ("heic", "image/heic"),
        FileFormat.Pdf => ("pdf", "application/pdf"),
        FileFormat.Docx => ("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        FileFormat.Xlsx => ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        FileFormat.Pptx => ("pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
        _ => Path.GetExtension(filename).ToUpperInvariant() switch
        {
            ".CSV" => ("csv", "text/csv; charset=utf-8"),
            ".LOG" => ("log", "text/plain; charset=utf-8"),
            _ => ("txt", "text/plain; charset=utf-8"),
        },
    };

    private static Inspection OfficeDocument(Stream content)
    {
        try
        {
            content.Position = 0;
            using var zip = new ZipArchive(content, ZipArchiveMode.Read, leaveOpen: true);
            var names = zip.Entries.Select(e => e.FullName).ToHashSet(StringComparer.OrdinalIgnoreCase);
            if (!names.Contains("[Content_Types].xml"))
            {
                return Inspection.Refuse("Zip archives cannot be uploaded; only Word, Excel and PowerPoint documents.");
            }

            if (names.Any(n => n.EndsWith("vbaProject.bin", StringComparison.OrdinalIgnoreCase)))
            {
                return Inspection.Refuse("Documents with macros cannot be uploaded.");
            }

            if (names.Contains("word/document.xml"))
            {
                return Inspection.Accept(FileFormat.Docx);
            }

            if (names.Contains("xl/workbook.xml"))
            {
                return Inspection.Accept(FileFormat.Xlsx);
            }

            return names.Contains("ppt/presentation.xml")
                ? Inspection.Accept(FileFormat.Pptx)
                : Inspection.Refuse("This kind of Office file cannot be uploaded.");
        }
        catch (InvalidDataException)
        {
            return Inspection.Refuse("The document is damaged.");
        }
    }

    private static Inspection PlainText(Stream content)
    {
        content.Position = 0;
        var buffer = new byte[81920];
        var controls = 0L;
        var total = 0L;
        var start = new List<byte>(1024);
        int read;
        while ((read = content.Read(buffer)) > 0)
        {
            foreach (var b in buffer.AsSpan(0, read))
            {
                if (b == 0)
                {
                    return Inspection.Refuse("This file type is not accepted: only images (JPEG, PNG, GIF, WebP, HEIC) and PDF, Word, Excel, PowerPoint, text, CSV and log files.");
                }

                if (b < 0x20 && b is not (byte)'\t' and not (byte)'\n' and not (byte)'\r' and not 0x0C and not 0x1B)
                {
                    controls++;
                }
            }

            if (start.Count < 1024)
            {
                start.AddRange(buffer.AsSpan(0, Math.Min(read, 1024 - start.Count)).ToArray());
            }

            total += read;
        }

        if (controls * 100 > total)
        {
            return Inspection.Refuse("This file type is not accepted: only images (JPEG, PNG, GIF, WebP, HEIC) and PDF, Word, Excel, PowerPoint, text, CSV and log files.");
        }

        var text = Encoding.UTF8.GetString(start.ToArray()).TrimStart('\uFEFF', ' ', '\t', '\r', '\n').ToLowerInvariant();
        if (MarkupStarts.Any(m => text.StartsWith(m, StringComparison.Ordinal)) || MarkupAnywhere.Any(m => text.Contains(m, StringComparison.Ordinal)))
        {
            return Inspection.Refuse("HTML, SVG and other markup cannot be uploaded.");
        }

        return Inspection.Accept(FileFormat.Text);
    }

    private static bool StartsWith(ReadOnlySpan<byte> data, ReadOnlySpan<byte> prefix) => data.StartsWith(prefix);
}
