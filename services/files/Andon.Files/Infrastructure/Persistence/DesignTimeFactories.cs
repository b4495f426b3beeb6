using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Andon.Files.Infrastructure.Persistence;

/// <summary>Lets <c>dotnet ef migrations add</c> build each provider's context without a host.</summary>
internal sealed class PostgresFilesDbFactory : IDesignTimeDbContextFactory<PostgresFilesDb>
{
    public PostgresFilesDb CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<PostgresFilesDb>().UseNpgsql("Host=localhost;Database=andon_files").Options);
}

internal sealed class SqliteFilesDbFactory : IDesignTimeDbContextFactory<SqliteFilesDb>
{
    public SqliteFilesDb CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<SqliteFilesDb>().UseSqlite("Data Source=files.db").Options);
}
