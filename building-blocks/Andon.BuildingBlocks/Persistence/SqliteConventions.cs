using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace Andon.BuildingBlocks.Persistence;

public static class SqliteConventions
{
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
}
