using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace Andon.Messaging.Infrastructure.Persistence;

/// <summary>
/// One <c>INSERT</c> of an entity's row, built from the context's model (table, columns, value
/// conversions and parameter types, exactly as <c>SaveChanges</c> would write them), prepared once
/// and run once a row inside the context's transaction. SQLite parses every statement of a
/// <c>SaveChanges</c> batch anew; for a message row, with its indexes and search trigger, that parse
/// cost more than the insert (docs/decisions/0015-prepared-inserts-for-the-room-writer.md).
/// Integer keys the database numbers are left to the database.
/// </summary>
internal sealed class PreparedInsert<T> : IDisposable
    where T : class
{
    private readonly DbCommand command;
    private readonly (IClrPropertyGetter Getter, DbParameter Parameter, ValueConverter? Converter)[] columns;

    public PreparedInsert(DbContext db)
    {
        var entity = db.Model.FindEntityType(typeof(T)) ?? throw new InvalidOperationException($"{typeof(T).Name} is not in the model.");
        var table = StoreObjectIdentifier.Table(entity.GetTableName()!, entity.GetSchema());
        var sql = db.GetService<ISqlGenerationHelper>();
        command = db.Database.GetDbConnection().CreateCommand();
        command.Transaction = db.Database.CurrentTransaction?.GetDbTransaction();
        var properties = entity.GetProperties().Where(p => !(p.ValueGenerated.HasFlag(ValueGenerated.OnAdd) && p.ClrType == typeof(long))).ToList();
        columns = [.. properties.Select((p, i) =>
        {
            var mapping = (RelationalTypeMapping)p.GetRelationalTypeMapping();
            var parameter = mapping.CreateParameter(command, $"@p{i}", null, p.IsNullable);
            command.Parameters.Add(parameter);
            return (p.GetGetter(), parameter, mapping.Converter);
        })];
        var names = string.Join(", ", properties.Select(p => sql.DelimitIdentifier(p.GetColumnName(table)!)));
        var values = string.Join(", ", columns.Select(c => c.Parameter.ParameterName));
        command.CommandText = $"INSERT INTO {sql.DelimitIdentifier(table.Name, table.Schema)} ({names}) VALUES ({values})";
    }

    public async Task InsertAsync(T row, CancellationToken cancellationToken)
    {
        foreach (var (getter, parameter, converter) in columns)
        {
            var value = getter.GetClrValueUsingContainingEntity(row);
            parameter.Value = (value is null ? null : converter is null ? value : converter.ConvertToProvider(value)) ?? DBNull.Value;
        }

        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public void Dispose() => command.Dispose();
}
