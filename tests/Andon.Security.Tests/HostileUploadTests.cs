using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Andon.Testing;
using static Andon.Testing.StandaloneSystem;

namespace Andon.Security.Tests;

/// <summary>
/// Upload attacks beyond tests/Andon.Files.Tests/FileRules.cs: polyglots, more decompression bombs,
/// hostile names and double extensions. Each is refused (4xx problem details, nothing stored) or
/// stored safely: its type judged from its bytes, served with that type, <c>nosniff</c>, a sandbox
/// CSP and a <c>Content-Disposition</c> that cannot be split or name a folder, under a key that takes
/// nothing from the name.
/// </summary>
[Collection(HostileStandalone.Name)]
public sealed class HostileUploadTests(StandaloneSystem system)
{
    private static readonly byte[] Gif = Convert.FromBase64String("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7");
    private static readonly byte[] Png = Convert.FromBase64String("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==");
    private static readonly byte[] Html = Encoding.UTF8.GetBytes("<html><body><script>alert(document.cookie)</script><img src=x onerror=alert(1)></body></html>");

    private static byte[] Concat(params byte[][] parts) => [.. parts.SelectMany(p => p)];

    private static byte[] Zip(params (string Name, byte[] Bytes)[] entries)
    {
        using var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (name, bytes) in entries)
            {
                using var entry = zip.CreateEntry(name, CompressionLevel.SmallestSize).Open();
                entry.Write(bytes);
            }
        }

        return buffer.ToArray();
    }

    private static byte[] ZipBomb(string name, int megabytes)
    {
        using var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            using (var types = zip.CreateEntry("[Content_Types].xml").Open())
            {
                types.Write("<?xml version=\"1.0\"?><Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"><Override PartName=\"/word/document.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml\"/></Types>"u8);
            }

            using var entry = zip.CreateEntry(name, CompressionLevel.SmallestSize).Open();
            var zeros = new byte[1024 * 1024];
            for (var i = 0; i < megabytes; i++)
            {
                entry.Write(zeros);
            }
        }

        return buffer.ToArray();
    }

    /// <summary>A GIF whose header claims 65,535 × 65,535 pixels.</summary>
    private static byte[] GifBomb()
    {
        var bytes = (byte[])Gif.Clone();
        bytes[6] = bytes[7] = bytes[8] = bytes[9] = 0xFF;
        return bytes;
    }

    /// <summary>A multipart body written by hand, so the name reaches the server exactly as given (NUL, CR LF, quotes).</summary>
    private static ByteArrayContent Multipart(byte[] bytes, string filename, string clientType)
    {
        const string boundary = "hostile-boundary-9";
        var head = Encoding.UTF8.GetBytes($"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{filename}\"\r\nContent-Type: {clientType}\r\n\r\n");
        var tail = Encoding.UTF8.GetBytes($"\r\n--{boundary}--\r\n");
        var content = new ByteArrayContent(Concat(head, bytes, tail));
        content.Headers.ContentType = MediaTypeHeaderValue.Parse($"multipart/form-data; boundary={boundary}");
        return content;
    }

    [Fact]
    public async Task Polyglots_bombs_hostile_names_and_double_extensions_are_refused_or_stored_safely()
    {
        var room = await system.NewRoomAsync();
        using var editor = system.As(Editor);
        var cases = new (string Label, byte[] Bytes, string Name, string ClientType, string[] Allowed)[]
        {
            // Polyglots: an image that is also HTML or a ZIP, a PDF that is also HTML.
            ("GIF header then HTML", Concat("GIF89a"u8.ToArray(), Html), "x.gif", "image/gif", ["413", "415"]),
            ("GIF with HTML after its trailer", Concat(Gif, Html), "x.gif", "text/html", ["201", "413", "415"]),
            ("GIF with a ZIP after its trailer", Concat(Gif, Zip(("index.html", Html))), "x.gif", "image/gif", ["201", "413", "415"]),
            ("PNG with HTML after IEND", Concat(Png, Html), "x.png", "image/png", ["201", "413", "415"]),
            ("PNG with a ZIP after IEND", Concat(Png, Zip(("a.html", Html))), "x.png.zip", "application/zip", ["201", "413", "415"]),
            ("HTML then a PNG", Concat(Html, Png), "x.png", "image/png", ["413", "415"]),
            ("PDF header with HTML", Concat("%PDF-1.4\n"u8.ToArray(), Html, "\n%%EOF\n"u8.ToArray()), "x.pdf", "application/pdf", ["201", "413", "415"]),
            ("ZIP with HTML named as DOCX", Zip(("[Content_Types].xml", "<Types/>"u8.ToArray()), ("word/document.html", Html)), "x.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", ["201", "413", "415"]),
            ("XHTML", "<?xml version=\"1.0\"?><html xmlns=\"http://www.w3.org/1999/xhtml\"><script>alert(1)</script></html>"u8.ToArray(), "x.txt", "text/plain", ["201", "413", "415"]),
            ("HTML with a BOM as text", Concat([0xEF, 0xBB, 0xBF], Html), "x.txt", "text/plain", ["201", "413", "415"]),

            // Decompression bombs.
            ("GIF claiming 65535 × 65535", GifBomb(), "bomb.gif", "image/gif", ["413", "415"]),
            ("DOCX whose document expands to 300 MB", ZipBomb("word/document.xml", 300), "bomb.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", ["201", "413", "415"]),
            ("XLSX whose sheet expands to 300 MB", ZipBomb("xl/worksheets/sheet1.xml", 300), "bomb.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ["201", "413", "415"]),

            // Hostile names.
            ("traversal without extension", "temperature 85\n"u8.ToArray(), "../../etc/passwd", "text/plain", ["201", "400"]),
            ("absolute path", "temperature 85\n"u8.ToArray(), "/etc/shadow.txt", "text/plain", ["201", "400"]),
            ("backslash traversal", "temperature 85\n"u8.ToArray(), "..\\..\\..\\Windows\\win.ini", "text/plain", ["201", "400"]),
            ("encoded traversal", "temperature 85\n"u8.ToArray(), "%2e%2e%2f%2e%2e%2fetc%2fpasswd.txt", "text/plain", ["201", "400"]),
            ("NUL in the name", "temperature 85\n"u8.ToArray(), "report.txt\0.html", "text/plain", ["201", "400"]),
            ("a 10,000-character name", "temperature 85\n"u8.ToArray(), new string('a', 10_000) + ".txt", "text/plain", ["201", "400"]),
            ("a name of dots", "temperature 85\n"u8.ToArray(), "....", "text/plain", ["201", "400"]),
            ("a header injection", "temperature 85\n"u8.ToArray(), "a.txt\r\nContent-Type: text/html\r\nX-Evil: 1", "text/plain", ["201", "400"]),
            ("quotes and semicolons", "temperature 85\n"u8.ToArray(), "a\\\"; filename=evil.html; x=\\\".txt", "text/plain", ["201", "400"]),
            ("HTML in the name", "temperature 85\n"u8.ToArray(), "<img src=x onerror=alert(1)>.txt", "text/plain", ["201", "400"]),
            ("Windows device name", "temperature 85\n"u8.ToArray(), "CON.txt", "text/plain", ["201", "400"]),

            // Double extensions: the type comes from the bytes, not the name.
            ("PNG named .jpg.exe", Png, "photo.jpg.exe", "application/x-msdownload", ["201", "413", "415"]),
            ("HTML named .pdf.html", Html, "x.pdf.html", "application/pdf", ["413", "415"]),
            ("HTML named .txt", Html, "notes.txt", "text/plain", ["201", "413", "415"]),
            ("PNG named .html", Png, "page.html", "text/html", ["201", "413", "415"]),
            ("text named .svg", "temperature 85\n"u8.ToArray(), "drawing.txt.svg", "image/svg+xml", ["201", "413", "415"]),
            ("PDF named .pdf.exe", "%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"u8.ToArray(), "manual.pdf.exe", "application/octet-stream", ["201", "413", "415"]),
        };

        var stored = 0;
        foreach (var (label, bytes, name, clientType, allowed) in cases)
        {
            using var response = await editor.PostAsync(new Uri($"/api/rooms/{room}/files", UriKind.Relative), Multipart(bytes, name, clientType));
            var status = (int)response.StatusCode;
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(allowed.Contains(status.ToString(System.Globalization.CultureInfo.InvariantCulture)), $"{label}: {status} {text[..Math.Min(text.Length, 300)]}");
            var body = JsonDocument.Parse(text).RootElement;
            if (status != 201)
            {
                HostileAssert.ProblemDetails(response, body);
                continue;
            }

            stored++;
            var filename = body.GetProperty("filename").GetString()!;
            var contentType = body.GetProperty("content_type").GetString()!;
            Assert.True(filename.Length is > 0 and <= 255, $"{label}: stored name of {filename.Length} characters");
            Assert.False(filename.IndexOfAny(['/', '\\', '\0', '\r', '\n']) >= 0, $"{label}: stored name {JsonSerializer.Serialize(filename)}");
            Assert.DoesNotContain(MediaTypeHeaderValue.Parse(contentType).MediaType, new[] { "text/html", "image/svg+xml", "application/xhtml+xml", "application/xml", "text/xml", "application/x-msdownload", "application/octet-stream" });
            if (body.GetProperty("kind").GetString() == "image")
            {
                Assert.StartsWith("image/", contentType, StringComparison.Ordinal);
            }

            using var download = await editor.GetAsync(new Uri(body.GetProperty("content_url").GetString()!, UriKind.Relative));
            Assert.Equal(HttpStatusCode.OK, download.StatusCode);
            Assert.Equal(MediaTypeHeaderValue.Parse(contentType).MediaType, download.Content.Headers.ContentType!.MediaType);
            Assert.Equal("nosniff", download.Headers.GetValues("X-Content-Type-Options").Single());
            Assert.Contains("sandbox", download.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
            var disposition = download.Content.Headers.ContentDisposition!;
            Assert.Equal(body.GetProperty("kind").GetString() == "image" ? "inline" : "attachment", disposition.DispositionType);
            Assert.Equal(filename, disposition.FileNameStar ?? disposition.FileName!.Trim('"'));
            Assert.Single(download.Content.Headers.GetValues("Content-Disposition"));
            Assert.False(download.Headers.Contains("X-Evil"), $"{label}: a header was injected");
        }

        // Objects sit at {room}/images|files/{file_id}.{ext}: nothing of a name reaches the store.
        var objects = Path.Combine(system.DataFolder, "objects");
        var keys = Directory.Exists(objects) ? Directory.EnumerateFiles(objects, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(objects, f).Replace('\\', '/')).Where(k => k.StartsWith(room.ToString(), StringComparison.Ordinal)).ToList() : [];
        Assert.Equal(stored, keys.Count(k => !k.Contains("thumb", StringComparison.OrdinalIgnoreCase)));
        Assert.All(keys, k => Assert.Matches($"^{room:D}/(images|files|thumbnails)/[0-9a-f-]{{36}}[a-z0-9_.-]*$", k));
        Assert.False(Directory.EnumerateFileSystemEntries(system.DataFolder, "passwd*", SearchOption.AllDirectories).Any());

        // The room holds exactly the stored files, and the host still serves.
        var list = await Json(await editor.GetAsync(new Uri($"/api/rooms/{room}/files?limit=100", UriKind.Relative)));
        Assert.Equal(stored, list.GetProperty("total").GetInt32());
        Tally.Add(Tally.HostileInputs, cases.Length);
    }
}
