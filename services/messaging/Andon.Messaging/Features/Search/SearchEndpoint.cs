using System.Net;
using System.Security.Claims;
using System.Text;
using Andon.BuildingBlocks.Auth;
using Andon.BuildingBlocks.Errors;
using Andon.BuildingBlocks.Persistence;

using Andon.Messaging.Infrastructure.Hub;
using Andon.Messaging.Infrastructure.Persistence;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;

namespace Andon.Messaging.Features.Search;

public sealed record SearchHit(MessageDto Message, Guid RoomId, string RoomTitle, string Highlight);

public sealed record SearchPage(IReadOnlyList<SearchHit> Items, int Total);

/// <summary>
/// <c>GET /api/messages/search?q=&amp;room_id=&amp;limit=&amp;offset=</c>: messages containing the
/// term (any language), from the caller's rooms only (all rooms for admins), newest first, with each
/// hit wrapped in <c>&lt;mark&gt;</c> and the rest HTML-escaped.
/// </summary>
public static class SearchEndpoint
{
    public static IEndpointRouteBuilder MapSearchEndpoint(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/messages/search", Search).RequireAuthorization().WithTags("Messages");
        return app;
    }

    private static async Task<IResult> Search(
        string? q,
        [FromQuery(Name = "room_id")] Guid? roomId,
        int? limit,
        int? offset,
        ClaimsPrincipal user,
        MessagingDb db,
        CancellationToken cancellationToken)
    {
        var take = limit ?? 20;
        var skip = offset ?? 0;
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(q) || q.Trim().Length > 200)
        {
            errors["q"] = ["q must be 1 to 200 characters."];
        }
        else if (!LikePattern.IsSearchable(q))
        {
            errors["q"] = ["q must not contain NUL characters."];
        }

        if (take is < 1 or > 100)
        {
            errors["limit"] = ["limit must be between 1 and 100."];
        }

        if (skip < 0)
        {
            errors["offset"] = ["offset must be 0 or more."];
        }

        if (errors.Count > 0)
        {
            return ApiProblem.Validation(errors);
        }

        var pattern = LikePattern.Containing(q!);
        var me = user.UserId();
        var hits = db.Messages.AsNoTracking().Where(m => m.DeletedAt == null && EF.Functions.Like(m.SearchText, pattern, LikePattern.Escape));
        if (!user.IsAdmin())
        {
            hits = hits.Where(m => db.Members.Any(member => member.RoomId == m.RoomId && member.UserId == me));
        }

        if (roomId is { } room)
        {
            hits = hits.Where(m => m.RoomId == room);
        }

        var total = await hits.CountAsync(cancellationToken);
        var page = await hits.OrderByDescending(m => m.CreatedAt).ThenByDescending(m => m.SequenceNumber).Skip(skip).Take(take).ToListAsync(cancellationToken);
        var roomIds = page.Select(m => m.RoomId).Distinct().ToList();
        var titles = await db.Rooms.AsNoTracking().Where(r => roomIds.Contains(r.RoomId)).ToDictionaryAsync(r => r.RoomId, r => r.Title, cancellationToken);
        var ids = page.Select(m => m.MessageId).ToList();
        var reactions = (await db.Reactions.AsNoTracking().Where(r => ids.Contains(r.MessageId)).ToListAsync(cancellationToken)).ToLookup(r => r.MessageId);
        var items = page.Select(m => new SearchHit(MessageDto.From(m, reactions[m.MessageId]), m.RoomId, titles.GetValueOrDefault(m.RoomId, ""), Highlight(m.Content, q!.Trim()))).ToList();
        return TypedResults.Ok(new SearchPage(items, total));
    }

    /// <summary>The content HTML-escaped, with every occurrence of the term (any case) in <c>&lt;mark&gt;</c>.</summary>
    internal static string Highlight(string content, string term)
    {
        var result = new StringBuilder(content.Length + 32);
        var at = 0;
        while (at < content.Length)
        {
            var hit = content.IndexOf(term, at, StringComparison.OrdinalIgnoreCase);
            if (hit < 0)
            {
                break;
            }

            result.Append(WebUtility.HtmlEncode(content[at..hit])).Append("<mark>").Append(WebUtility.HtmlEncode(content.Substring(hit, term.Length))).Append("</mark>");
            at = hit + term.Length;
        }

        return result.Append(WebUtility.HtmlEncode(content[at..])).ToString();
    }
}
