using System.Security.Claims;
using Andon.BuildingBlocks.Errors;
using Andon.Files.Domain;
using Andon.Files.Infrastructure.Access;
using Andon.Files.Infrastructure.Persistence;
using Andon.Files.Infrastructure.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Net.Http.Headers;

namespace Andon.Files.Features.Download;

/// <summary>
/// Downloads through the service, never from a public bucket: images inline, everything else as an
/// attachment, always <c>nosniff</c> and a sandboxing CSP; a <c>Content-Disposition</c> whose name is
/// safe for any name the user gave (RFC 6266 <c>filename*</c> for Chinese); ETag and range requests
/// answered by ASP.NET Core over a seekable view of the object.
/// </summary>
public static class DownloadEndpoints
{
    public static IEndpointRouteBuilder MapDownloadEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/files/{fileId:guid}/content", Content).RequireAuthorization().WithTags("Files");
        app.MapGet("/api/files/{fileId:guid}/thumbnail", Thumbnail).RequireAuthorization().WithTags("Files");
        return app;
    }

    private static async Task<IResult> Content(Guid fileId, HttpContext http, ClaimsPrincipal user, FilesDb db, IObjectStore store, CancellationToken cancellationToken)
    {
        var (file, _, refusal) = await RoomAccess.ForFileAsync(db, fileId, user, cancellationToken);
        if (refusal is not null)
        {
            return refusal;
        }

        var disposition = new ContentDispositionHeaderValue(file!.Kind == StoredFile.Image ? "inline" : "attachment");
        disposition.SetHttpFileName(file.Filename);
        return await Serve(http, store, file.ObjectKey, file.Size, file.ContentType, file.Sha256, file.UploadedAt, disposition.ToString(), cancellationToken);
    }

    private static async Task<IResult> Thumbnail(Guid fileId, HttpContext http, ClaimsPrincipal user, FilesDb db, IObjectStore store, CancellationToken cancellationToken)
    {
        var (file, _, refusal) = await RoomAccess.ForFileAsync(db, fileId, user, cancellationToken);
        if (refusal is not null)
        {
            return refusal;
        }

        if (file!.ThumbnailKey is null)
        {
            return ApiProblem.Create(StatusCodes.Status404NotFound, ApiProblem.NotFound, "Only images have thumbnails.");
        }

        return await Serve(http, store, file.ThumbnailKey, length: null, "image/jpeg", file.Sha256 + "-t", file.UploadedAt, "inline", cancellationToken);
    }

    private static async Task<IResult> Serve(HttpContext http, IObjectStore store, string key, long? length, string contentType, string tag, DateTimeOffset modified, string disposition, CancellationToken cancellationToken)
    {
        Stream content;
        try
        {
            content = length is { } size
                ? new SeekableObjectStream(store, key, size, await store.ReadAsync(key, 0, size, cancellationToken))
                : await BufferedAsync(store, key, cancellationToken);
        }
        catch (ObjectMissingException)
        {
            return ApiProblem.Create(StatusCodes.Status404NotFound, ApiProblem.NotFound, "The file's content is missing from the store.");
        }

        var headers = http.Response.Headers;
        headers.XContentTypeOptions = "nosniff";
        headers.ContentSecurityPolicy = "default-src 'none'; style-src 'unsafe-inline'; sandbox";
        headers.ContentDisposition = disposition;
        headers.CacheControl = "private, max-age=86400";
        return TypedResults.Stream(content, contentType, lastModified: modified, entityTag: new EntityTagHeaderValue($"\"{tag}\""), enableRangeProcessing: true);
    }

    /// <summary>Thumbnails are small and their size is not recorded: read them whole.</summary>
    private static async Task<Stream> BufferedAsync(IObjectStore store, string key, CancellationToken cancellationToken)
    {
        var memory = new MemoryStream();
        await using (var source = await store.ReadAsync(key, 0, 0, cancellationToken))
        {
            await source.CopyToAsync(memory, cancellationToken);
        }

        memory.Position = 0;
        return memory;
    }
}
