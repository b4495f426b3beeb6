using System.Security.Claims;
using Andon.BuildingBlocks.Errors;
using Andon.BuildingBlocks.Outbox;
using Andon.Contracts;
using Andon.Files.Domain;
using Andon.Files.Infrastructure.Access;
using Andon.Files.Infrastructure.Persistence;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;

namespace Andon.Files.Features.Catalog;

public sealed record FilePage(IReadOnlyList<FileDto> Items, int Total);

/// <summary>A room's files, one file's metadata, and the (soft) delete.</summary>
public static class CatalogEndpoints
{
    public static IEndpointRouteBuilder MapCatalogEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/rooms/{id:guid}/files", List).RequireAuthorization().WithTags("Files");
        app.MapGet("/api/files/{fileId:guid}", Get).RequireAuthorization().WithTags("Files");
        app.MapDelete("/api/files/{fileId:guid}", Delete).RequireAuthorization().WithTags("Files");
        return app;
    }

    private static async Task<IResult> List(Guid id, string? kind, int? limit, int? offset, ClaimsPrincipal user, FilesDb db, TimeProvider clock, CancellationToken cancellationToken)
    {
        var (_, refusal) = await RoomAccess.ForRoomAsync(db, id, user, clock, cancellationToken);
        if (refusal is not null)
        {
            return refusal;
        }

        var errors = new Dictionary<string, string[]>();
        if (kind is not null and not StoredFile.Image and not StoredFile.Document)
        {
            errors["kind"] = ["kind must be image or document."];
        }

        if (limit is < 1 or > 100)
        {
            errors["limit"] = ["limit must be between 1 and 100."];
        }

        if (offset is < 0)
        {
            errors["offset"] = ["offset cannot be negative."];
        }

        if (errors.Count > 0)
        {
            return ApiProblem.Validation(errors);
        }

        var query = db.Files.AsNoTracking().Where(f => f.RoomId == id && f.DeletedAt == null);
        if (kind is not null)
        {
            query = query.Where(f => f.Kind == kind);
        }

        var total = await query.CountAsync(cancellationToken);
        var page = await query
            .OrderByDescending(f => f.UploadedAt).ThenByDescending(f => f.FileId)
            .Skip(offset ?? 0).Take(limit ?? 20)
            .ToListAsync(cancellationToken);
        return TypedResults.Ok(new FilePage(page.Select(FileDto.From).ToList(), total));
    }

    private static async Task<IResult> Get(Guid fileId, ClaimsPrincipal user, FilesDb db, CancellationToken cancellationToken)
    {
        var (file, _, refusal) = await RoomAccess.ForFileAsync(db, fileId, user, cancellationToken);
        return refusal ?? TypedResults.Ok(FileDto.From(file!));
    }

    private static async Task<IResult> Delete(Guid fileId, ClaimsPrincipal user, FilesDb db, TimeProvider clock, CancellationToken cancellationToken)
    {
        var (file, access, refusal) = await RoomAccess.ForFileAsync(db, fileId, user, cancellationToken);
        if (refusal is not null)
        {
            return refusal;
        }

        if (!access!.CanDelete(file!))
        {
            return ApiProblem.Create(StatusCodes.Status403Forbidden, ApiProblem.Forbidden, "Only the uploader, the room's owner or an admin can delete a file.");
        }

        file!.DeletedAt = clock.GetUtcNow();
        file.DeletedBy = access.UserId;
        db.AddIntegrationEvent(new FileDeleted(Guid.NewGuid(), file.DeletedAt.Value, file.RoomId, file.FileId, access.UserId));
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.NoContent();
    }
}
