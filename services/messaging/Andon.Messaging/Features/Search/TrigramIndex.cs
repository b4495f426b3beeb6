using System.Text;

namespace Andon.Messaging.Features.Search;

/// <summary>
/// SQLite's search index: <c>messages_fts</c>, an FTS5 table with the <c>trigram</c> tokenizer
/// (case-sensitive, over the already lower-cased <c>SearchText</c>) whose rowids are the messages'
/// rowids, kept in step by triggers on <c>messages</c> (migration <c>SearchIndex</c>). It keeps no
/// positions (migration <c>SearchIndexWithoutPositions</c>): it finds the texts that hold every
/// trigram of a term, somewhere, which includes every text that contains the term; the LIKE then
/// decides. Shorter terms (a two-character Chinese word such as 溫度) have no trigram and are
/// searched by LIKE alone.
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

    /// <summary>
    /// An FTS5 query for the lower-cased term: each of its trigrams once, in double quotes (a double
    /// quote doubled; nothing else in them is syntax), all of them required.
    /// </summary>
    public static string Query(string term)
    {
        var runes = term.Trim().ToLowerInvariant().EnumerateRunes().Select(r => r.ToString()).ToArray();
        var trigrams = Enumerable.Range(0, Math.Max(runes.Length - 2, 0))
            .Select(i => string.Concat(runes[i], runes[i + 1], runes[i + 2]))
            .Distinct(StringComparer.Ordinal)
            .Select(t => new StringBuilder("\"").Append(t.Replace("\"", "\"\"", StringComparison.Ordinal)).Append('"').ToString());
        return string.Join(" AND ", trigrams);
    }
}
