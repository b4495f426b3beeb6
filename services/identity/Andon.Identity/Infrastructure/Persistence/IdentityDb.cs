using Andon.BuildingBlocks.Outbox;
using Andon.Identity.Domain;
using Microsoft.EntityFrameworkCore;

namespace Andon.Identity.Infrastructure.Persistence;

/// <summary>Identity's database: the user cache, OpenIddict's applications and tokens, the outbox.</summary>
public abstract class IdentityDb(DbContextOptions options) : DbContext(options)
{
    public DbSet<User> Users => Set<User>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        ArgumentNullException.ThrowIfNull(modelBuilder);
        modelBuilder.Entity<User>(e =>
        {
            e.ToTable("users");
            e.HasKey(u => u.UserId);
            e.Property(u => u.UserId).HasMaxLength(320);
            e.Property(u => u.DisplayName).HasMaxLength(200);
            e.Property(u => u.JobTitle).HasMaxLength(200);
            e.Property(u => u.Office).HasMaxLength(200);
            e.Property(u => u.Department).HasMaxLength(200);
        });
        modelBuilder.UseOpenIddict();
        modelBuilder.AddOutbox();
    }
}

public sealed class PostgresIdentityDb(DbContextOptions<PostgresIdentityDb> options) : IdentityDb(options);

public sealed class SqliteIdentityDb(DbContextOptions<SqliteIdentityDb> options) : IdentityDb(options);
