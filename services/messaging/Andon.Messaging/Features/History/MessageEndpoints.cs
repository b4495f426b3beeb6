using System.Globalization;
using System.Security.Claims;
using System.Text.Json;
using Andon.BuildingBlocks.Auth;
using Andon.BuildingBlocks.Errors;
using Andon.BuildingBlocks.Persistence;
using Andon.Messaging.Domain;
using Andon.Messaging.Infrastructure.Hub;
using Andon.Messaging.Infrastructure.Persistence;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Andon.Messaging.Features.History;

public sealed record MessagePage(IReadOnlyList<MessageDto> Messages, bool HasMore);

public sealed record EditDto(string PreviousContent, DateTimeOffset EditedAt, string EditedBy);

public sealed record PresenceDto(IReadOnlyList<string> Online);

/// <summary>
/// Messages over REST: history by keyset (newest first, <c>before_seq</c> or <c>before</c>), catch-up
/// after a sequence number (oldest first), the send for integrations, edit history and presence.
/// </summary>
public static class MessageEndpoints
{
    // The page, the catch-up and the reactions of a page are compiled queries: on a warm server EF's
    // translation of the LINQ on every request cost more than SQLite's answer (bench/README.md point
    // 17's profile); end to end the difference was inside the machine's spread (point 18).
    private static readonly Func<MessagingDb, Guid, long, int, IAsyncEnumerable<Message>> Before =
        EF.CompileAsyncQuery((MessagingDb db, Guid roomId, long beforeSeq, int take) =>
            db.Messages.AsNoTracking().Where(m => m.RoomId == roomId && m.SequenceNumber < beforeSeq).OrderByDescending(m => m.SequenceNumber).Take(take));

    private static readonly Func<MessagingDb, Guid, long, int, IAsyncEnumerable<Message>> After =
        EF.CompileAsyncQuery((MessagingDb db, Guid roomId, long afterSeq, int take) =>
            db.Messages.AsNoTracking().Where(m => m.RoomId == roomId && m.SequenceNumber > afterSeq).OrderBy(m => m.SequenceNumber).Take(take));

    // A page's reactions by the range of its numbers, not by a list of its ids: a list is one SQL
    // parameter a message, and EF builds the statement again for every length (bench/README.md point 20).
    private static readonly Func<MessagingDb, Guid, long, long, IAsyncEnumerable<Reaction>> ReactionsBetween =
        EF.CompileAsyncQuery((MessagingDb db, Guid roomId, long first, long last) =>
            db.Reactions.AsNoTracking().Join(
                db.Messages.Where(m => m.RoomId == roomId && m.SequenceNumber >= first && m.SequenceNumber <= last),
                r => r.MessageId,
                m => m.MessageId,
                (r, m) => r));

    public static IEndpointRouteBuilder MapMessageEndpoints(this IEndpointRouteBuilder app)
    {
        var room = app.MapGroup("/api/rooms/{id:guid}").RequireAuthorization().WithTags("Messages").AddEndpointFilter(OneConnection);
        room.MapGet("/messages", History);
        room.MapPost("/messages", Send);
        room.MapGet("/messages/{message_id}/edits", Edits);
        room.MapGet("/presence", Presence);
        return app;
    }

    /// <summary>
    /// On SQLite a request's lookups and queries share one open connection: each opening of a pooled
    /// connection registers EF's functions again, a tenth of a page request's allocations when every
    /// query opened its own (bench/README.md point 20). Not on PostgreSQL, where each query takes a
    /// connection from the pool and gives it back: a request that held one while it waited (for the
    /// room writer's commit, for the copy of a room made just now) would empty the pool the writer
    /// and the room copies are written through.
    /// </summary>
    private static async ValueTask<object?> OneConnection(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var db = context.HttpContext.RequestServices.GetRequiredService<MessagingDb>();
        if (!db.OnSqlite())
        {
            return await next(context);
        }

        await db.Database.OpenConnectionAsync(context.HttpContext.RequestAborted);
        try
        {
            return await next(context);
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    private static async Task<IResult?> Refuse(Guid id, ClaimsPrincipal user, MessagingDb db, TimeProvider clock, CancellationToken cancellationToken)
    {
        if (await RoomLookups.RoomAsync(db, id, clock, cancellationToken) is null)
        {
            return ApiProblem.Create(StatusCodes.Status404NotFound, ApiProblem.NotFound, "Room not found.");
        }

        return user.IsAdmin() || await RoomLookups.MemberAsync(db, id, user.UserId(), cancellationToken) is not null
            ? null
            : ApiProblem.Create(StatusCodes.Status403Forbidden, ApiProblem.Forbidden, "You are not a member of this room.");
    }

    private static async Task<IResult> History(
        Guid id,
        int? limit,
        [FromQuery(Name = "before_seq")] long? beforeSeq,
        string? before,
        [FromQuery(Name = "after_seq")] long? afterSeq,
        ClaimsPrincipal user,
        MessagingDb db,
        TimeProvider clock,
        CancellationToken cancellationToken)
    {
        if (await Refuse(id, user, db, clock, cancellationToken) is { } refused)
        {
            return refused;
        }

        var take = limit ?? 50;
        var errors = new Dictionary<string, string[]>();
        if (take is < 1 or > 200)
        {
            errors["limit"] = ["limit must be between 1 and 200."];
        }

        DateTimeOffset beforeTime = default;
        if (before is not null && !DateTimeOffset.TryParse(before, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out beforeTime))
        {
            errors["before"] = ["before must be an ISO-8601 time."];
        }

        if (afterSeq is not null && (beforeSeq is not null || before is not null))
        {
            errors["after_seq"] = ["after_seq cannot be combined with before_seq or before."];
        }

        if (errors.Count > 0)
        {
            return ApiProblem.Validation(errors);
        }

        List<Message> page;
        if (afterSeq is { } after)
        {
            page = await After(db, id, after, take + 1).ToListAsync(cancellationToken);
        }
        else if (before is null)
        {
            page = await Before(db, id, beforeSeq ?? long.MaxValue, take + 1).ToListAsync(cancellationToken);
        }
        else
        {
            var messages = db.Messages.AsNoTracking().Where(m => m.RoomId == id && m.CreatedAt < beforeTime);
            if (beforeSeq is { } seq)
            {
                messages = messages.Where(m => m.SequenceNumber < seq);
            }

            page = await messages.OrderByDescending(m => m.SequenceNumber).Take(take + 1).ToListAsync(cancellationToken);
        }

        var hasMore = page.Count > take;
        page = page.Take(take).ToList();
        return TypedResults.Ok(new MessagePage(await ToDtos(db, page, cancellationToken), hasMore));
    }

    private static async Task<IResult> Send(Guid id, JsonElement body, ClaimsPrincipal user, MessagingDb db, RoomWriter writer, SendRateLimiter limiter, TimeProvider clock, CancellationToken cancellationToken)
    {
        if (await Refuse(id, user, db, clock, cancellationToken) is { } refused)
        {
            return refused;
        }

        if (body.ValueKind != JsonValueKind.Object)
        {
            return ApiProblem.Validation("body", "The body is a JSON object like the message frame.");
        }

        if (!MessageInput.IsValidUnicode(body))
        {
            return ApiProblem.Validation("body", "The body holds a string that is not valid Unicode (a lone surrogate).");
        }

        var (input, code, error) = MessageInput.Parse(body, Guid.NewGuid().ToString());
        if (input is null)
        {
            return code == "too_large"
                ? ApiProblem.Create(StatusCodes.Status413PayloadTooLarge, "too_large", error!)
                : ApiProblem.Validation("message", error!);
        }

        if (!limiter.TryTake(user.UserId()))
        {
            return ApiProblem.Create(StatusCodes.Status429TooManyRequests, ApiProblem.RateLimited, "At most 10 messages a second; slow down.");
        }

        var result = await writer.SubmitAsync(new PostMessage(id, new Actor(user.UserId(), user.DisplayName(), user.IsAdmin()), input));
        return result switch
        {
            { Ok: true, Value: Message message } => TypedResults.Created($"/api/rooms/{id}/messages/{message.MessageId}", (await ToDtos(db, [message], cancellationToken))[0]),
            { ErrorCode: "insufficient_permissions" } => ApiProblem.Create(StatusCodes.Status403Forbidden, ApiProblem.Forbidden, result.ErrorMessage!),
            { ErrorCode: "room_closed" } => ApiProblem.Create(StatusCodes.Status409Conflict, "room_closed", result.ErrorMessage!),
            { ErrorCode: "not_found" } => ApiProblem.Create(StatusCodes.Status404NotFound, ApiProblem.NotFound, result.ErrorMessage!),
            _ => ApiProblem.Unavailability(result.ErrorMessage ?? "Try again."),
        };
    }

    private static async Task<IResult> Edits(Guid id, [FromRoute(Name = "message_id")] Guid messageId, ClaimsPrincipal user, MessagingDb db, TimeProvider clock, CancellationToken cancellationToken)
    {
        if (await Refuse(id, user, db, clock, cancellationToken) is { } refused)
        {
            return refused;
        }

        if (!await db.Messages.AnyAsync(m => m.MessageId == messageId && m.RoomId == id, cancellationToken))
        {
            return ApiProblem.Create(StatusCodes.Status404NotFound, ApiProblem.NotFound, "Message not found.");
        }

        var edits = await db.Edits.AsNoTracking().Where(e => e.MessageId == messageId).OrderBy(e => e.Id).ToListAsync(cancellationToken);
        return TypedResults.Ok(edits.Select(e => new EditDto(e.PreviousContent, e.EditedAt, e.EditedBy)).ToList());
    }

    private static async Task<IResult> Presence(Guid id, ClaimsPrincipal user, MessagingDb db, RoomHub hub, TimeProvider clock, CancellationToken cancellationToken) =>
        await Refuse(id, user, db, clock, cancellationToken) ?? TypedResults.Ok(new PresenceDto(hub.Online(id)));

    private static async Task<List<MessageDto>> ToDtos(MessagingDb db, List<Message> page, CancellationToken cancellationToken)
    {
        if (page.Count == 0)
        {
            return [];
        }

        var reactions = await ReactionsBetween(db, page[0].RoomId, page.Min(m => m.SequenceNumber), page.Max(m => m.SequenceNumber)).ToListAsync(cancellationToken);
        var byMessage = reactions.ToLookup(r => r.MessageId);
        return page.Select(m => MessageDto.From(m, byMessage[m.MessageId])).ToList();
    }
}
