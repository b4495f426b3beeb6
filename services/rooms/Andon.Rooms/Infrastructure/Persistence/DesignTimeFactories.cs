using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Andon.Rooms.Infrastructure.Persistence;

/// <summary>Lets <c>dotnet ef migrations add</c> build each provider's context without a host.</summary>
internal sealed class PostgresRoomsDbFactory : IDesignTimeDbContextFactory<PostgresRoomsDb>
{
    public PostgresRoomsDb CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<PostgresRoomsDb>().UseNpgsql("Host=localhost;Database=andon_rooms").Options);
}

internal sealed class SqliteRoomsDbFactory : IDesignTimeDbContextFactory<SqliteRoomsDb>
{
    public SqliteRoomsDb CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<SqliteRoomsDb>().UseSqlite("Data Source=rooms.db").Options);
}
