namespace Andon.BuildingBlocks.Persistence;

/// <summary>Substring search with SQL LIKE that behaves the same on PostgreSQL and SQLite, for any language.</summary>
public static class LikePattern
{
    /// <summary>The escape character to pass to <c>EF.Functions.Like</c> with <see cref="Containing"/>.</summary>
    public const string Escape = "\\";

    /// <summary>
    /// Whether <paramref name="term"/> can be searched for: it holds no NUL character, which SQLite
    /// takes as the end of a LIKE pattern (so it would match everything) and PostgreSQL refuses in text.
    /// </summary>
    public static bool IsSearchable(string term) => !term.Contains('\0', StringComparison.Ordinal);

    /// <summary>A pattern matching <paramref name="term"/> anywhere, lower-cased, with <c>%</c>, <c>_</c> and <c>\</c> taken literally.</summary>
    public static string Containing(string term)
    {
        ArgumentNullException.ThrowIfNull(term);
        var escaped = term.Trim().ToLowerInvariant()
            .Replace("\\", "\\\\", StringComparison.Ordinal)
            .Replace("%", "\\%", StringComparison.Ordinal)
            .Replace("_", "\\_", StringComparison.Ordinal);
        return "%" + escaped + "%";
    }
}
