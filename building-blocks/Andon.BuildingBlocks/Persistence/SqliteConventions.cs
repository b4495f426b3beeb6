using System.Text.Json;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace Andon.BuildingBlocks.Persistence;

public static class SqliteConventions
{
    /// <summary>
    /// Whether <paramref name="db"/> is on SQLite, without allocating: EF Core's <c>IsSqlite()</c> reads
    /// the provider's assembly name anew each time (two <c>AssemblyName</c>s a call), and the room
    /// writer and the outbox ask a few times a transaction (3.1% of the server's bytes in fan-out
    /// <c>500x20@1</c>, bench/README.md point 35).
    /// </summary>
    public static bool OnSqlite(this DbContext db)
    {
        ArgumentNullException.ThrowIfNull(db);
        return db.Database.GetDbConnection() is SqliteConnection;
    }

    /// <summary>
    /// SQLite has no date type, and EF Core cannot order or compare <see cref="DateTimeOffset"/> text there:
    /// store them as a sortable 64-bit number instead. For the SQLite subclass of a service's context.
    /// </summary>
    public static void StoreDateTimeOffsetsAsNumbers(this ModelConfigurationBuilder configurationBuilder)
    {
        ArgumentNullException.ThrowIfNull(configurationBuilder);
        configurationBuilder.Properties<DateTimeOffset>().HaveConversion<DateTimeOffsetToBinaryConverter>();
        configurationBuilder.Properties<DateTimeOffset?>().HaveConversion<DateTimeOffsetToBinaryConverter>();
    }

    private static readonly DateTimeOffsetToBinaryConverter Times = new();

    /// <summary>
    /// Rows as one JSON array, for one statement over many rows through <c>json_each</c> (ADR 0012,
    /// ADR 0019), each value as EF Core stores it on SQLite in a context with
    /// <see cref="StoreDateTimeOffsetsAsNumbers"/>: a <see cref="Guid"/> as upper-case text, a
    /// <see cref="DateTimeOffset"/> as its number, anything else as it is.
    /// </summary>
    public static string JsonRows(IEnumerable<object[]> rows) =>
        JsonSerializer.Serialize(rows.Select(row => row.Select(value => value switch
        {
            Guid id => id.ToString().ToUpperInvariant(),
            DateTimeOffset at => Times.ConvertToProvider(at),
            _ => value,
        })));
}
