using System.Collections.Concurrent;
using System.Data.Common;
using System.Text;
using Microsoft.Data.Sqlite;

namespace Andon.Messaging.Features.Search;

/// <summary>
/// SQLite's search index: <c>messages_fts</c>, a contentless FTS5 table with the <c>trigram</c>
/// tokenizer (case-sensitive, over the already lower-cased <c>SearchText</c>) whose rowids are the
/// messages' rowids. It lives in a file of its own beside <c>messaging.db</c>
/// (<c>messaging-search.db</c>), attached as <c>search</c>, and <see cref="SearchIndexer"/> fills it
/// behind the room writer; <c>search.indexed</c> says how far (docs/decisions/0018-search-index-behind-the-writer.md).
/// A phrase of three or more characters matches exactly the texts that contain it; shorter terms (a
/// two-character Chinese word such as 溫度) have no trigram and are searched by LIKE alone.
/// </summary>
internal static class TrigramIndex
{
    /// <summary>The name the index's file is attached under.</summary>
    public const string Schema = "search";

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

    // A search asks for the file of its context's connection string on every request; it is worked
    // out once a connection string.
    private static readonly ConcurrentDictionary<string, string?> Files = new();

    /// <summary>The index's file for the messages' SQLite connection string: <c>x.db</c> → <c>x-search.db</c> in the same folder; none for a database in memory.</summary>
    public static string? FileFor(string? connectionString) =>
        connectionString is null ? null : Files.GetOrAdd(connectionString, Locate);

    private static string? Locate(string connectionString)
    {
        var sqlite = new SqliteConnectionStringBuilder(connectionString);
        if (string.IsNullOrEmpty(sqlite.DataSource) || sqlite.DataSource == ":memory:" || sqlite.Mode == SqliteOpenMode.Memory)
        {
            return null;
        }

        var path = Path.GetFullPath(sqlite.DataSource);
        return Path.Combine(Path.GetDirectoryName(path)!, Path.GetFileNameWithoutExtension(path) + "-search" + Path.GetExtension(path));
    }

    /// <summary>
    /// Attaches the index's file to an open connection. Whoever attaches it detaches it before the
    /// connection goes back to the pool: the room writer's <c>BEGIN IMMEDIATE</c> would otherwise take
    /// the index's write lock too, and wait for the indexer.
    /// </summary>
    public static async Task AttachAsync(DbConnection connection, string file, CancellationToken cancellationToken)
    {
        await using var attach = connection.CreateCommand();
        attach.CommandText = $"ATTACH DATABASE $file AS {Schema};";
        var parameter = attach.CreateParameter();
        parameter.ParameterName = "$file";
        parameter.Value = file;
        attach.Parameters.Add(parameter);
        await attach.ExecuteNonQueryAsync(cancellationToken);
    }

    public static async Task DetachAsync(DbConnection connection)
    {
        await using var detach = connection.CreateCommand();
        detach.CommandText = $"DETACH DATABASE {Schema};";
        await detach.ExecuteNonQueryAsync();
    }
}
