using System.Security.Claims;
using System.Security.Cryptography;
using Andon.BuildingBlocks.Auth;
using Andon.BuildingBlocks.Errors;
using Andon.BuildingBlocks.Outbox;
using Andon.Contracts;
using Andon.Files.Domain;
using Andon.Files.Features.Catalog;
using Andon.Files.Infrastructure.Access;
using Andon.Files.Infrastructure.Inspection;
using Andon.Files.Infrastructure.Persistence;
using Andon.Files.Infrastructure.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Andon.Files.Features.Upload;

/// <summary>
/// <c>POST /api/rooms/{id}/files</c>: read and judge the upload, store its objects, then its row and
/// the <c>FileUploaded</c> event in one transaction. A refused upload writes nothing; a failure after
/// the objects were written removes them again.
/// </summary>
public static class UploadEndpoint
{
    /// <summary>Room in the request body for the multipart envelope and the description.</summary>
    private const long EnvelopeAllowance = 64 * 1024;

    public static IEndpointRouteBuilder MapUploadEndpoint(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/rooms/{id:guid}/files", Upload).RequireAuthorization().WithTags("Files").DisableAntiforgery();
        return app;
    }

    private static async Task<IResult> Upload(
        Guid id,
        HttpContext http,
        ClaimsPrincipal user,
        FilesDb db,
        IObjectStore store,
        IOptions<FilesOptions> options,
        TimeProvider clock,
        ILoggerFactory loggers,
        CancellationToken cancellationToken)
    {
        var (access, refusal) = await RoomAccess.ForRoomAsync(db, id, user, clock, cancellationToken);
        if (refusal is not null)
        {
            return refusal;
        }

        if (!access!.CanUpload)
        {
            return ApiProblem.Create(StatusCodes.Status403Forbidden, ApiProblem.Forbidden, "Viewers cannot upload files.");
        }

        if (access.Room.Status != "active")
        {
            return ApiProblem.Create(StatusCodes.Status409Conflict, ApiProblem.Conflict, $"The room is {access.Room.Status}; files can no longer be added.");
        }

        var settings = options.Value;
        var maxBody = settings.MaxDocumentBytes + EnvelopeAllowance;
        if (http.Request.ContentLength > maxBody)
        {
            return TooLarge($"Documents may be at most {settings.MaxDocumentBytes / (1024 * 1024)} MB and images {settings.MaxImageBytes / (1024 * 1024)} MB.");
        }

        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } bodyLimit)
        {
            bodyLimit.MaxRequestBodySize = maxBody;
        }

        UploadRequest upload;
        try
        {
            upload = await UploadRequest.ReadAsync(http.Request.ContentType, http.Request.Body, settings, cancellationToken);
        }
        catch (InvalidDataException ex)
        {
            return ApiProblem.Validation("file", "The multipart body cannot be read: " + ex.Message);
        }

        await using var _ = upload;
        switch (upload.Stop)
        {
            case UploadStop.TooLarge:
                return TooLarge(upload.StopDetail);
            case UploadStop.Refused:
                return Unsupported(upload.StopDetail);
            case UploadStop.DescriptionTooLong:
                return ApiProblem.Validation("description", upload.StopDetail);
            case UploadStop.NotMultipart or UploadStop.NoFile or UploadStop.SeveralFiles:
                return ApiProblem.Validation("file", upload.StopDetail);
        }

        var inspection = ContentInspector.Inspect(upload.Spool);
        if (inspection.Format is not { } format)
        {
            return Unsupported(inspection.Refusal!);
        }

        ImageResult? image = null;
        string? note = null;
        if (inspection.IsImage)
        {
            image = ImageProcessor.Process(upload.Spool, format, settings);
            if (image.Refusal is not null)
            {
                return image.TooLarge ? TooLarge(image.Refusal) : Unsupported(image.Refusal);
            }

            if (image.KeepAsDocument)
            {
                image = null;
                note = "This server cannot convert HEIC photos; the photo is kept as a document to download.";
            }
            else
            {
                format = image.Format;
            }
        }

        var fileId = Guid.CreateVersion7();
        var (extension, contentType) = ContentInspector.Describe(format, upload.Filename);
        await using Stream stored = image?.Stored is { } bytes ? new MemoryStream(bytes, writable: false) : upload.Spool;
        stored.Position = 0;
        var sha256 = Convert.ToHexStringLower(await SHA256.HashDataAsync(stored, cancellationToken));
        var file = new StoredFile
        {
            FileId = fileId,
            RoomId = id,
            Filename = upload.Filename,
            ContentType = contentType,
            Size = stored.Length,
            Kind = image is null ? StoredFile.Document : StoredFile.Image,
            Width = image?.Width,
            Height = image?.Height,
            Description = upload.Description,
            Note = note,
            UploadedBy = access.UserId,
            UploadedAt = clock.GetUtcNow(),
            ObjectKey = ObjectKeys.For(id, fileId, image is not null, extension),
            ThumbnailKey = image is null ? null : ObjectKeys.Thumbnail(id, fileId),
            Sha256 = sha256,
        };

        var written = new List<string>();
        try
        {
            await store.EnsureReadyAsync(cancellationToken);
            await store.PutAsync(file.ObjectKey, stored, contentType, cancellationToken);
            written.Add(file.ObjectKey);
            if (image is not null)
            {
                await using var thumbnail = new MemoryStream(image.Thumbnail, writable: false);
                await store.PutAsync(file.ThumbnailKey!, thumbnail, "image/jpeg", cancellationToken);
                written.Add(file.ThumbnailKey!);
            }

            db.Files.Add(file);
            db.AddIntegrationEvent(new FileUploaded(Guid.NewGuid(), file.UploadedAt, id, fileId, file.Filename, file.Kind, access.UserId, user.DisplayName()));
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (Exception ex)
        {
            // Nothing half-written: what reached the store goes again (best effort; logged if it cannot).
            var logger = loggers.CreateLogger(typeof(UploadEndpoint));
            foreach (var key in written)
            {
                try
                {
                    await store.DeleteAsync(key, CancellationToken.None);
                }
                catch (Exception cleanup) when (cleanup is ServiceUnavailableException or IOException)
                {
                    logger.LogError(cleanup, "Upload failed ({Reason}) and its object {Key} could not be removed", ex.Message, key);
                }
            }

            throw;
        }

        return TypedResults.Created($"/api/files/{fileId:D}", FileDto.From(file));
    }

    private static IResult TooLarge(string detail) => ApiProblem.Create(StatusCodes.Status413PayloadTooLarge, "file_too_large", detail);

    private static IResult Unsupported(string detail) => ApiProblem.Create(StatusCodes.Status415UnsupportedMediaType, "unsupported_media_type", detail);
}
