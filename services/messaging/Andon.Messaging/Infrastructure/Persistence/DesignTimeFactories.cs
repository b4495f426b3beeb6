using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Andon.Messaging.Infrastructure.Persistence;

/// <summary>Lets <c>dotnet ef migrations add</c> build each provider's context without a host.</summary>
internal sealed class PostgresMessagingDbFactory : IDesignTimeDbContextFactory<PostgresMessagingDb>
{
    public PostgresMessagingDb CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<PostgresMessagingDb>().UseNpgsql("Host=localhost;Database=andon_messaging").Options);
}

internal sealed class SqliteMessagingDbFactory : IDesignTimeDbContextFactory<SqliteMessagingDb>
{
    public SqliteMessagingDb CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<SqliteMessagingDb>().UseSqlite("Data Source=messaging.db").Options);
}
