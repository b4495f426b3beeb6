using System.Text;

namespace Andon.Messaging.Features.Search;

/// <summary>
/// SQLite's search index: <c>messages_fts</c>, an FTS5 table with the <c>trigram</c> tokenizer
/// (case-sensitive, over the already lower-cased <c>SearchText</c>) whose rowids are the messages'
/// rowids, kept in step by triggers on <c>messages</c> (migration <c>SearchIndex</c>). A phrase of
/// three or more characters matches exactly the texts that contain it; shorter terms (a
/// two-character Chinese word such as 溫度) have no trigram and are searched by LIKE alone.
/// </summary>
internal static class TrigramIndex
{
    /// <summary>Whether the index can narrow a search for <paramref name="term"/>: three or more characters (Unicode scalar values, as SQLite counts them).</summary>
    public static bool Covers(string term)
    {
        var count = 0;
        foreach (var _ in term.Trim().EnumerateRunes())
        {
            if (++count >= 3)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>An FTS5 query for the lower-cased term as one phrase: in double quotes, a double quote doubled; nothing else in it is syntax.</summary>
    public static string Phrase(string term) =>
        new StringBuilder("\"").Append(term.Trim().ToLowerInvariant().Replace("\"", "\"\"", StringComparison.Ordinal)).Append('"').ToString();
}
