using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Andon.Identity.Infrastructure.Persistence;

/// <summary>Lets <c>dotnet ef migrations add</c> build each provider's context without a host.</summary>
internal sealed class PostgresIdentityDbFactory : IDesignTimeDbContextFactory<PostgresIdentityDb>
{
    public PostgresIdentityDb CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<PostgresIdentityDb>().UseNpgsql("Host=localhost;Database=andon_identity").Options);
}

internal sealed class SqliteIdentityDbFactory : IDesignTimeDbContextFactory<SqliteIdentityDb>
{
    public SqliteIdentityDb CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<SqliteIdentityDb>().UseSqlite("Data Source=identity.db").Options);
}
