using System.Net;
using System.Security.Claims;
using System.Text;
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
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace Andon.Messaging.Features.Search;

public sealed record SearchHit(MessageDto Message, Guid RoomId, string RoomTitle, string Highlight);

/// <summary>A page of hits. <c>total</c> counts every match up to <see cref="SearchEndpoint.TotalCap"/>; past it, <c>total_capped</c> is true and <c>total</c> is the cap (there are more).</summary>
public sealed record SearchPage(IReadOnlyList<SearchHit> Items, int Total, bool TotalCapped);

/// <summary>
/// <c>GET /api/messages/search?q=&amp;room_id=&amp;limit=&amp;offset=</c>: messages containing the
/// term (any language), from the caller's rooms only (all rooms for admins), newest first, with each
/// hit wrapped in <c>&lt;mark&gt;</c> and the rest HTML-escaped.
/// </summary>
/// <remarks>
/// Two queries (docs/decisions/0009-search-capped-total-and-trigram-index.md). First the keys of at most
/// <see cref="TotalCap"/> + 1 matches, in no order, which stops as soon as that many are found; on
/// SQLite a term of three or more characters is looked up in the trigram index (<c>messages_fts</c>,
/// in its own file, filled behind the writer by <see cref="SearchIndexer"/>) and only its
/// candidates, with the messages the indexer has not reached yet, are read. If that found no more
/// than the cap, the page is cut from those keys. If it found more, the page is the newest of the
/// index's candidates when there are at most <see cref="SortCandidatesUpTo"/> of them, and otherwise
/// (a frequent term, or no index) comes from walking the messages newest first by the (room,
/// created) or (created) index, which stops after offset + limit matches.
/// </remarks>
public static class SearchEndpoint
{
    /// <summary>The most matches counted; a search with more answers <c>total</c> = this and <c>total_capped</c> = true.</summary>
    public const int TotalCap = 1000;

    /// <summary>Up to this many trigram-index candidates, a page past the cap is sorted from them rather than walked for.</summary>
    private const int SortCandidatesUpTo = 50_000;

    /// <summary>How many times its even-spread estimate a walk is assumed to cost when choosing it over a sort.</summary>
    private const long WalkDistrust = 50;

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

        // On SQLite a term of three or more characters is looked up in the trigram index, whose file is
        // attached to this request's connection for the request and detached before it goes back to
        // the pool (TrigramIndex.AttachAsync says why).
        var indexFile = db is SqliteMessagingDb ? TrigramIndex.FileFor(db.Database.GetConnectionString()) : null;
        if (indexFile is null || !TrigramIndex.Covers(q!))
        {
            return await FindAsync(db, q!, roomId, take, skip, user, indexed: false, cancellationToken);
        }

        await db.Database.OpenConnectionAsync(cancellationToken);
        var connection = db.Database.GetDbConnection();
        try
        {
            await TrigramIndex.AttachAsync(connection, indexFile, cancellationToken);
            return await FindAsync(db, q!, roomId, take, skip, user, indexed: true, cancellationToken);
        }
        finally
        {
            try
            {
                // Also after an attach that threw: it may have attached before it was cancelled.
                await TrigramIndex.DetachAsync(connection);
            }
            catch (SqliteException)
            {
                // Whether the file is still attached is unknown, and the writer must not get this
                // connection: closing it clears it from the pool instead of returning it.
                SqliteConnection.ClearPool((SqliteConnection)connection);
            }

            await db.Database.CloseConnectionAsync();
        }
    }

    private static async Task<IResult> FindAsync(MessagingDb db, string q, Guid? roomId, int take, int skip, ClaimsPrincipal user, bool indexed, CancellationToken cancellationToken)
    {
        var pattern = LikePattern.Containing(q);
        var me = user.UserId();
        var admin = user.IsAdmin();
        IQueryable<Message> Matching(IQueryable<Message> source)
        {
            var hits = source.Where(m => m.DeletedAt == null && EF.Functions.Like(m.SearchText, pattern, LikePattern.Escape));
            if (!admin)
            {
                hits = hits.Where(m => db.Members.Any(member => member.RoomId == m.RoomId && member.UserId == me));
            }

            return roomId is { } room ? hits.Where(m => m.RoomId == room) : hits;
        }

        // Candidates from the trigram index where there is one for the term, and every message the
        // indexer has not reached yet (stored or edited past search.indexed): a search sees every
        // message stored before it, however far behind the indexer is. The LIKE above still decides,
        // so the index only narrows what is read. CROSS JOIN keeps the candidates as the outer loop
        // (SQLite would otherwise walk the room's messages and probe the index for each).
        var phrase = TrigramIndex.Phrase(q);
        var candidates = indexed
            ? db.Messages.FromSql($"""
                SELECT messages.* FROM (
                    SELECT rowid AS r FROM search.messages_fts WHERE messages_fts MATCH {phrase}
                    UNION SELECT rowid FROM messages WHERE rowid > (SELECT message_rowid FROM search.indexed)
                    UNION SELECT m.rowid FROM message_edits e JOIN messages m ON m.MessageId = e.MessageId WHERE e.Id > (SELECT edit_id FROM search.indexed)
                ) AS c CROSS JOIN messages ON messages.rowid = c.r
                """)
            : db.Messages;
        var keys = await Matching(candidates.AsNoTracking())
            .Select(m => new MatchKey(m.MessageId, m.CreatedAt, m.SequenceNumber))
            .Take(TotalCap + 1)
            .ToListAsync(cancellationToken);
        var capped = keys.Count > TotalCap;
        List<Message> page;
        if (!capped)
        {
            // Every match is known: cut the page from the keys.
            var newest = roomId is null
                ? keys.OrderByDescending(k => k.CreatedAt).ThenByDescending(k => k.SequenceNumber)
                : keys.OrderByDescending(k => k.SequenceNumber);
            var ids = newest.Skip(skip).Take(take).Select(k => k.MessageId).ToList();
            var rows = await db.Messages.AsNoTracking().Where(m => ids.Contains(m.MessageId)).ToDictionaryAsync(m => m.MessageId, cancellationToken);
            page = ids.Where(rows.ContainsKey).Select(id => rows[id]).ToList();
        }
        else
        {
            // More than the cap. Sorting the index's candidates costs one read each, at most
            // SortCandidatesUpTo. Walking the messages newest first costs one read for every message
            // passed until the page is full: about (offset + limit) × messages ÷ candidates if the
            // matches were spread evenly, far more when they are bunched in the past (an incident's
            // words come in bursts). So the walk is taken only for a term too frequent to sort, or
            // when even a much larger estimate of it is cheaper than the sort.
            var sortCandidates = false;
            if (indexed)
            {
                var found = await db.Database
                    .SqlQuery<long>($"SELECT COUNT(*) AS \"Value\" FROM (SELECT rowid FROM search.messages_fts WHERE messages_fts MATCH {phrase} LIMIT {SortCandidatesUpTo + 1})")
                    .SingleAsync(cancellationToken);
                var stored = await db.Database.SqlQuery<long>($"SELECT COALESCE(MAX(rowid), 0) AS \"Value\" FROM messages").SingleAsync(cancellationToken);
                sortCandidates = found <= SortCandidatesUpTo && found < WalkDistrust * (skip + take) * stored / Math.Max(found, 1);
            }

            page = await NewestFirst(Matching((sortCandidates ? candidates : db.Messages).AsNoTracking()), roomId)
                .Skip(skip).Take(take).ToListAsync(cancellationToken);
        }

        var roomIds = page.Select(m => m.RoomId).Distinct().ToList();
        var titles = await db.Rooms.AsNoTracking().Where(r => roomIds.Contains(r.RoomId)).ToDictionaryAsync(r => r.RoomId, r => r.Title, cancellationToken);
        var pageIds = page.Select(m => m.MessageId).ToList();
        var reactions = (await db.Reactions.AsNoTracking().Where(r => pageIds.Contains(r.MessageId)).ToListAsync(cancellationToken)).ToLookup(r => r.MessageId);
        var items = page.Select(m => new SearchHit(MessageDto.From(m, reactions[m.MessageId]), m.RoomId, titles.GetValueOrDefault(m.RoomId, ""), Highlight(m.Content, q.Trim()))).ToList();
        return TypedResults.Ok(new SearchPage(items, capped ? TotalCap : keys.Count, capped));
    }

    /// <summary>
    /// Newest first: in one room by its numbers (the room's own order, rising with time, and walked by
    /// its (room, sequence number) index), across rooms by time.
    /// </summary>
    internal static IOrderedQueryable<Message> NewestFirst(IQueryable<Message> messages, Guid? roomId) =>
        roomId is null
            ? messages.OrderByDescending(m => m.CreatedAt).ThenByDescending(m => m.SequenceNumber)
            : messages.OrderByDescending(m => m.SequenceNumber);

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

    private sealed record MatchKey(Guid MessageId, DateTimeOffset CreatedAt, long SequenceNumber);
}
