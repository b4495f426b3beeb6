using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using SkiaSharp;

namespace Andon.Files.Tests;

/// <summary>
/// The rules of uploads and downloads, run against every way Andon runs: standalone on disk and the
/// distributed services on S3 behind the gateway.
/// </summary>
public abstract class FileRules(IFilesSystem system)
{
    private const long MB = 1024 * 1024;

    [Fact]
    public async Task Every_accepted_kind_is_judged_by_its_bytes_and_stored_at_its_key()
    {
        var roomId = await system.NewRoomAsync();
        using var editor = system.ClientOf(Actor.Editor);
        var cases = new (string Name, byte[] Bytes, string Kind, string ContentType, string Folder, string Extension)[]
        {
            ("photo.jpg", Samples.Jpeg(), "image", "image/jpeg", "images", "jpg"),
            ("screen.png", Samples.Png(), "image", "image/png", "images", "png"),
            ("blink.gif", Samples.Gif, "image", "image/gif", "images", "gif"),
            ("panel.webp", Samples.Image(300, 200, SKEncodedImageFormat.Webp), "image", "image/webp", "images", "webp"),
            ("manual.pdf", Samples.Pdf(), "document", "application/pdf", "files", "pdf"),
            ("report.docx", Samples.Office("word/document.xml"), "document", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "files", "docx"),
            ("readings.xlsx", Samples.Office("xl/workbook.xml"), "document", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "files", "xlsx"),
            ("review.pptx", Samples.Office("ppt/presentation.xml"), "document", "application/vnd.openxmlformats-officedocument.presentationml.presentation", "files", "pptx"),
            ("notes.txt", Samples.Text("馬達溫度 85°C，停機檢查。\n"), "document", "text/plain; charset=utf-8", "files", "txt"),
            ("readings.csv", Samples.Text("time,temp\n08:00,85\n"), "document", "text/csv; charset=utf-8", "files", "csv"),
            ("plc.log", Samples.Text("08:00:01 E-102 overheat\n"), "document", "text/plain; charset=utf-8", "files", "log"),
            // The name and the client's type say nothing: a PNG called .pdf is a PNG.
            ("not-really.pdf", Samples.Png(64, 64), "image", "image/png", "images", "png"),
        };
        foreach (var (name, bytes, kind, contentType, folder, extension) in cases)
        {
            var response = await editor.UploadAsync(roomId, bytes, name, clientType: "application/x-whatever");
            Assert.True(response.StatusCode == HttpStatusCode.Created, $"{name}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            var file = await response.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal(kind, file.GetProperty("kind").GetString());
            Assert.Equal(contentType, file.GetProperty("content_type").GetString());
            Assert.Equal(name, file.GetProperty("filename").GetString());
            var fileId = file.GetProperty("file_id").GetGuid();
            var key = $"{roomId:D}/{folder}/{fileId:D}.{extension}";
            Assert.Contains(key, await system.ObjectKeysAsync(roomId));

            // What the service serves is what the store holds.
            var served = await editor.GetByteArrayAsync(new Uri($"/api/files/{fileId}/content", UriKind.Relative));
            Assert.Equal(await system.ReadObjectAsync(key), served);
            Assert.Equal(file.GetProperty("size").GetInt64(), served.LongLength);
            if (kind == "document")
            {
                Assert.Equal(bytes, served); // documents are stored as they came
            }
        }

        var list = await editor.GetFromJsonAsync<JsonElement>(new Uri($"/api/rooms/{roomId}/files?kind=image&limit=100", UriKind.Relative));
        Assert.Equal(5, list.GetProperty("total").GetInt32());
        Assert.All(list.GetProperty("items").EnumerateArray(), i => Assert.Equal("image", i.GetProperty("kind").GetString()));
    }

    [Fact]
    public async Task Refused_kinds_answer_415_and_leave_nothing_behind()
    {
        var roomId = await system.NewRoomAsync();
        using var editor = system.ClientOf(Actor.Editor);
        var refused = new (string Name, byte[] Bytes, string ClientType)[]
        {
            ("chart.png", Samples.Text("<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"), "image/png"),
            ("logo.svg", Samples.Text("<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\"><rect width=\"10\" height=\"10\"/></svg>"), "image/svg+xml"),
            ("invoice.pdf", Samples.Executable(), "application/pdf"),
            ("tool.txt", Samples.Text("#!/bin/sh\nrm -rf /\n"), "text/plain"),
            ("archive.docx", Samples.PlainZip(), "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
            ("macro.docx", Samples.Office("word/document.xml", macros: true), "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
            ("broken.jpg", [0xFF, 0xD8, 0xFF, 0xE0, .. new byte[200]], "image/jpeg"),
        };
        foreach (var (name, bytes, clientType) in refused)
        {
            var response = await editor.UploadAsync(roomId, bytes, name, clientType: clientType);
            Assert.True(response.StatusCode == HttpStatusCode.UnsupportedMediaType, $"{name}: {(int)response.StatusCode}");
            var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal("unsupported_media_type", problem.GetProperty("code").GetString());
            Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("detail").GetString()));
        }

        await AssertEmpty(roomId, editor);
    }

    [Fact]
    public async Task Images_over_10_MB_and_documents_over_20_MB_answer_413_while_streaming()
    {
        var roomId = await system.NewRoomAsync();
        using var editor = system.ClientOf(Actor.Editor);
        var bigImage = await editor.UploadAsync(roomId, Samples.Oversized(Samples.Png(8, 8), (10 * MB) + 1), "big.png");
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, bigImage.StatusCode);
        Assert.Equal("file_too_large", (await bigImage.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());
        Assert.Contains("10 MB", await bigImage.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var bigDocument = await editor.UploadAsync(roomId, Samples.LongText((20 * MB) + 1), "huge.log");
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, bigDocument.StatusCode);
        Assert.Contains("20 MB", await bigDocument.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // A document between the two limits is fine.
        var fifteen = await editor.UploadAsync(roomId, Samples.LongText(15 * MB), "long.log");
        Assert.Equal(HttpStatusCode.Created, fifteen.StatusCode);
        Assert.Single(await system.ObjectKeysAsync(roomId));
    }

    [Fact]
    public async Task A_decompression_bomb_is_refused_from_its_header()
    {
        var roomId = await system.NewRoomAsync();
        using var editor = system.ClientOf(Actor.Editor);
        var bomb = Samples.PngBomb();
        Assert.True(bomb.Length < MB, "the bomb is small on the wire");
        var response = await editor.UploadAsync(roomId, bomb, "small.png");
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Contains("30000 × 30000", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        await AssertEmpty(roomId, editor);
    }

    [Fact]
    public async Task Names_lose_their_folders_and_keep_chinese_and_downloads_name_them_safely()
    {
        var roomId = await system.NewRoomAsync();
        using var editor = system.ClientOf(Actor.Editor);
        var names = new (string Given, string Stored)[]
        {
            ("../../etc/passwd.txt", "passwd.txt"),
            ("..\\..\\windows\\boot.ini.txt", "boot.ini.txt"),
            ("三號線 馬達過熱紀錄.txt", "三號線 馬達過熱紀錄.txt"),
            ("report\u202Etxt.exe", "reporttxt.exe"),
            ("..", "file"),
        };
        foreach (var (given, stored) in names)
        {
            var response = await editor.UploadAsync(roomId, Samples.Text("temperature 85\n"), given, description: "現場量測");
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
            var file = await response.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal(stored, file.GetProperty("filename").GetString());
            Assert.Equal("現場量測", file.GetProperty("description").GetString());
            var download = await editor.GetAsync(new Uri(file.GetProperty("content_url").GetString()!, UriKind.Relative));
            var disposition = download.Content.Headers.ContentDisposition!;
            Assert.Equal("attachment", disposition.DispositionType);
            Assert.Equal(stored, disposition.FileNameStar ?? disposition.FileName!.Trim('"'));
            Assert.DoesNotContain('/', disposition.ToString());
        }

        // The key never takes anything from the name.
        Assert.All(await system.ObjectKeysAsync(roomId), k => Assert.Matches($"^{roomId:D}/files/[0-9a-f-]{{36}}\\.txt$", k));
    }

    [Fact]
    public async Task Viewers_cannot_upload_and_non_members_cannot_read()
    {
        var roomId = await system.NewRoomAsync();
        using var viewer = system.ClientOf(Actor.Viewer);
        var refused = await viewer.UploadAsync(roomId, Samples.Png(), "photo.png");
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal("forbidden", (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());

        using var editor = system.ClientOf(Actor.Editor);
        var uploaded = await (await editor.UploadAsync(roomId, Samples.Png(), "photo.png")).Content.ReadFromJsonAsync<JsonElement>();
        var fileId = uploaded.GetProperty("file_id").GetGuid();
        Assert.Equal(HttpStatusCode.OK, (await viewer.GetAsync(new Uri($"/api/files/{fileId}/content", UriKind.Relative))).StatusCode);

        using var stranger = system.ClientOf(Actor.NonMember);
        foreach (var path in new[] { $"/api/files/{fileId}", $"/api/files/{fileId}/content", $"/api/files/{fileId}/thumbnail", $"/api/rooms/{roomId}/files" })
        {
            Assert.Equal(HttpStatusCode.Forbidden, (await stranger.GetAsync(new Uri(path, UriKind.Relative))).StatusCode);
        }

        Assert.Equal(HttpStatusCode.Forbidden, (await stranger.UploadAsync(roomId, Samples.Png(), "photo.png")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await editor.GetAsync(new Uri($"/api/files/{Guid.NewGuid()}", UriKind.Relative))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await editor.UploadAsync(Guid.NewGuid(), Samples.Png(), "photo.png")).StatusCode);
        using var anonymous = new HttpClient { BaseAddress = system.Address };
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync(new Uri($"/api/files/{fileId}/content", UriKind.Relative))).StatusCode);
    }

    [Fact]
    public async Task Downloads_answer_ranges_and_etags_with_nosniff()
    {
        var roomId = await system.NewRoomAsync();
        using var editor = system.ClientOf(Actor.Editor);
        var bytes = Samples.Text(string.Concat(Enumerable.Range(0, 2000).Select(i => $"{i:D5} 壓力 {i % 97}\n")));
        var file = await (await editor.UploadAsync(roomId, bytes, "pressure.log")).Content.ReadFromJsonAsync<JsonElement>();
        var content = new Uri(file.GetProperty("content_url").GetString()!, UriKind.Relative);

        using var first = new HttpRequestMessage(HttpMethod.Get, content);
        first.Headers.Range = new RangeHeaderValue(0, 9);
        var part = await editor.SendAsync(first);
        Assert.Equal(HttpStatusCode.PartialContent, part.StatusCode);
        Assert.Equal($"bytes 0-9/{bytes.Length}", part.Content.Headers.ContentRange!.ToString());
        Assert.Equal(bytes[..10], await part.Content.ReadAsByteArrayAsync());

        using var tail = new HttpRequestMessage(HttpMethod.Get, content);
        tail.Headers.Range = new RangeHeaderValue(bytes.Length - 100, null);
        var end = await editor.SendAsync(tail);
        Assert.True(end.StatusCode == HttpStatusCode.PartialContent, $"{end.StatusCode}\n{system.Logs()}");
        Assert.Equal(bytes[^100..], await end.Content.ReadAsByteArrayAsync());

        var whole = await editor.GetAsync(content);
        Assert.Equal("nosniff", whole.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("bytes", whole.Headers.AcceptRanges.Single());
        var etag = whole.Headers.ETag!;
        using var again = new HttpRequestMessage(HttpMethod.Get, content);
        again.Headers.IfNoneMatch.Add(etag);
        Assert.Equal(HttpStatusCode.NotModified, (await editor.SendAsync(again)).StatusCode);
    }

    [Fact]
    public async Task Photos_are_turned_upright_lose_their_location_and_get_a_thumbnail()
    {
        var roomId = await system.NewRoomAsync();
        using var editor = system.ClientOf(Actor.Editor);
        var original = Samples.JpegWithExif(200, 100);
        Assert.Contains("Exif", Encoding.ASCII.GetString(original), StringComparison.Ordinal);
        var file = await (await editor.UploadAsync(roomId, original, "現場.jpg")).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(100, file.GetProperty("width").GetInt32());
        Assert.Equal(200, file.GetProperty("height").GetInt32());

        var response = await editor.GetAsync(new Uri(file.GetProperty("content_url").GetString()!, UriKind.Relative));
        Assert.Equal("image/jpeg", response.Content.Headers.ContentType!.MediaType);
        Assert.Equal("inline", response.Content.Headers.ContentDisposition!.DispositionType);
        var served = await response.Content.ReadAsByteArrayAsync();
        Assert.DoesNotContain("Exif", Encoding.ASCII.GetString(served), StringComparison.Ordinal);
        using var picture = SKBitmap.Decode(served);
        Assert.Equal((100, 200), (picture.Width, picture.Height));
        // The blue top-left quarter of the sensor's picture is top-right once turned 90° clockwise.
        Assert.True(IsBlue(picture.GetPixel(75, 50)), $"expected blue, got {picture.GetPixel(75, 50)}");
        Assert.False(IsBlue(picture.GetPixel(25, 150)));

        var thumbnail = await editor.GetAsync(new Uri(file.GetProperty("thumbnail_url").GetString()!, UriKind.Relative));
        Assert.Equal("image/jpeg", thumbnail.Content.Headers.ContentType!.MediaType);
        using var small = SKBitmap.Decode(await thumbnail.Content.ReadAsByteArrayAsync());
        Assert.Equal((100, 200), (small.Width, small.Height)); // already under 320

        var big = await (await editor.UploadAsync(roomId, Samples.Png(1280, 960), "panel.png")).Content.ReadFromJsonAsync<JsonElement>();
        using var bigThumb = SKBitmap.Decode(await editor.GetByteArrayAsync(new Uri(big.GetProperty("thumbnail_url").GetString()!, UriKind.Relative)));
        Assert.Equal((320, 240), (bigThumb.Width, bigThumb.Height));

        var doc = await (await editor.UploadAsync(roomId, Samples.Pdf(), "manual.pdf")).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(JsonValueKind.Null, doc.GetProperty("thumbnail_url").ValueKind);
        Assert.Equal(HttpStatusCode.NotFound, (await editor.GetAsync(new Uri($"/api/files/{doc.GetProperty("file_id").GetGuid()}/thumbnail", UriKind.Relative))).StatusCode);

        static bool IsBlue(SKColor c) => c.Blue > 180 && c.Red < 80;
    }

    [Fact]
    public async Task A_photo_this_server_cannot_convert_is_kept_as_a_document_with_a_note()
    {
        var roomId = await system.NewRoomAsync();
        using var editor = system.ClientOf(Actor.Editor);
        var response = await editor.UploadAsync(roomId, Samples.Heic(), "IMG_0001.HEIC");
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var file = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("document", file.GetProperty("kind").GetString());
        Assert.Equal("image/heic", file.GetProperty("content_type").GetString());
        Assert.Contains("HEIC", file.GetProperty("note").GetString(), StringComparison.Ordinal);
        var download = await editor.GetAsync(new Uri(file.GetProperty("content_url").GetString()!, UriKind.Relative));
        Assert.Equal("attachment", download.Content.Headers.ContentDisposition!.DispositionType);
    }

    [Fact]
    public async Task Deletes_are_for_the_uploader_the_owner_and_admins_and_a_deleted_room_takes_its_objects()
    {
        var roomId = await system.NewRoomAsync();
        using var editor = system.ClientOf(Actor.Editor);
        using var viewer = system.ClientOf(Actor.Viewer);
        using var owner = system.ClientOf(Actor.Owner);
        var first = (await (await editor.UploadAsync(roomId, Samples.Png(), "a.png")).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("file_id").GetGuid();
        var second = (await (await editor.UploadAsync(roomId, Samples.Pdf(), "b.pdf")).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("file_id").GetGuid();

        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.DeleteAsync(new Uri($"/api/files/{first}", UriKind.Relative))).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await editor.DeleteAsync(new Uri($"/api/files/{first}", UriKind.Relative))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await editor.GetAsync(new Uri($"/api/files/{first}/content", UriKind.Relative))).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await owner.DeleteAsync(new Uri($"/api/files/{second}", UriKind.Relative))).StatusCode);
        Assert.Equal(0, (await editor.GetFromJsonAsync<JsonElement>(new Uri($"/api/rooms/{roomId}/files", UriKind.Relative))).GetProperty("total").GetInt32());
        Assert.Equal(3, (await system.ObjectKeysAsync(roomId)).Count); // soft: image, its thumbnail, the PDF stay for the audit trail

        using var admin = system.ClientOf(Actor.Admin);
        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync(new Uri($"/api/rooms/{roomId}/permanent", UriKind.Relative))).StatusCode);
        var roomFiles = new Uri($"/api/rooms/{roomId}/files", UriKind.Relative);
        for (var i = 0; i < 100 && ((await system.ObjectKeysAsync(roomId)).Count > 0 || (await admin.GetAsync(roomFiles)).StatusCode != HttpStatusCode.NotFound); i++)
        {
            await Task.Delay(100);
        }

        Assert.Empty(await system.ObjectKeysAsync(roomId));
        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync(roomFiles)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync(new Uri($"/api/files/{second}", UriKind.Relative))).StatusCode);
    }

    private async Task AssertEmpty(Guid roomId, HttpClient member)
    {
        Assert.Empty(await system.ObjectKeysAsync(roomId));
        var list = await member.GetFromJsonAsync<JsonElement>(new Uri($"/api/rooms/{roomId}/files", UriKind.Relative));
        Assert.Equal(0, list.GetProperty("total").GetInt32());
    }
}
