using System.Data.Common;
using System.Runtime.CompilerServices;
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
/// <c>SaveChanges</c> batch anew; for a message row, with its indexes (and then a search trigger), that parse
/// cost more than the insert (docs/decisions/0015-prepared-inserts-for-the-room-writer.md).
/// Integer keys the database numbers are left to the database. It stays prepared while its
/// connection is open (<see cref="PreparedInserts"/>).
/// </summary>
internal sealed class PreparedInsert<T> : IDisposable
    where T : class
{
    // The statement and its columns, worked out once a model (the writer builds an insert a table a
    // transaction; walking the model and writing the SQL each time was most of what that allocated).
    private static readonly ConditionalWeakTable<IModel, Shape> Shapes = [];

    private readonly DbCommand command;
    private readonly (IClrPropertyGetter Getter, DbParameter Parameter, ValueConverter? Converter)[] columns;

    public PreparedInsert(DbContext db)
    {
        if (!Shapes.TryGetValue(db.Model, out var shape))
        {
            shape = Shape.Of(db);
            Shapes.AddOrUpdate(db.Model, shape);
        }

        command = db.Database.GetDbConnection().CreateCommand();
        Join(db);
        command.CommandText = shape.Sql;
        columns = new (IClrPropertyGetter, DbParameter, ValueConverter?)[shape.Columns.Length];
        for (var i = 0; i < columns.Length; i++)
        {
            var column = shape.Columns[i];
            var parameter = column.Mapping.CreateParameter(command, column.Parameter, null, column.Nullable);
            command.Parameters.Add(parameter);
            columns[i] = (column.Getter, parameter, column.Mapping.Converter);
        }
    }

    /// <summary>Runs the next inserts in <paramref name="db"/>'s current transaction (on the same connection).</summary>
    public void Join(DbContext db) => command.Transaction = db.Database.CurrentTransaction?.GetDbTransaction();

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

    private sealed record Column(string Parameter, IClrPropertyGetter Getter, RelationalTypeMapping Mapping, bool Nullable);

    private sealed record Shape(string Sql, Column[] Columns)
    {
        public static Shape Of(DbContext db)
        {
            var entity = db.Model.FindEntityType(typeof(T)) ?? throw new InvalidOperationException($"{typeof(T).Name} is not in the model.");
            var table = StoreObjectIdentifier.Table(entity.GetTableName()!, entity.GetSchema());
            var sql = db.GetService<ISqlGenerationHelper>();
            var properties = entity.GetProperties().Where(p => !(p.ValueGenerated.HasFlag(ValueGenerated.OnAdd) && p.ClrType == typeof(long))).ToList();
            Column[] columns = [.. properties.Select((p, i) => new Column($"@p{i}", p.GetGetter(), (RelationalTypeMapping)p.GetRelationalTypeMapping(), p.IsNullable))];
            var names = string.Join(", ", properties.Select(p => sql.DelimitIdentifier(p.GetColumnName(table)!)));
            var values = string.Join(", ", columns.Select(c => c.Parameter));
            return new Shape($"INSERT INTO {sql.DelimitIdentifier(table.Name, table.Schema)} ({names}) VALUES ({values})", columns);
        }
    }
}

/// <summary>
/// The inserts prepared on one open connection, one a table, kept from one transaction to the next
/// (the room writer's on SQLite, ADR 0022). Preparing them again each transaction cost its
/// allocations and SQLite's parse of each statement.
/// </summary>
internal sealed class PreparedInserts : IDisposable
{
    private readonly Dictionary<Type, IDisposable> byTable = [];

    /// <summary>The insert of <typeparamref name="T"/> on <paramref name="db"/>'s connection, in its current transaction.</summary>
    public PreparedInsert<T> For<T>(DbContext db)
        where T : class
    {
        if (byTable.TryGetValue(typeof(T), out var kept))
        {
            var insert = (PreparedInsert<T>)kept;
            insert.Join(db);
            return insert;
        }

        var prepared = new PreparedInsert<T>(db);
        byTable[typeof(T)] = prepared;
        return prepared;
    }

    public void Dispose()
    {
        foreach (var insert in byTable.Values)
        {
            insert.Dispose();
        }

        byTable.Clear();
    }
}
