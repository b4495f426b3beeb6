using Andon.BuildingBlocks.Outbox;
using Andon.BuildingBlocks.Persistence;
using Andon.Files.Domain;
using Microsoft.EntityFrameworkCore;

namespace Andon.Files.Infrastructure.Persistence;

/// <summary>The files service's database: file rows (the bytes are in the object store) and copies of rooms and members.</summary>
public abstract class FilesDb(DbContextOptions options) : DbContext(options)
{
    public DbSet<StoredFile> Files => Set<StoredFile>();

    public DbSet<RoomCopy> Rooms => Set<RoomCopy>();

    public DbSet<MemberCopy> Members => Set<MemberCopy>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        ArgumentNullException.ThrowIfNull(modelBuilder);
        modelBuilder.Entity<StoredFile>(e =>
        {
            e.ToTable("files");
            e.HasKey(f => f.FileId);
            e.Property(f => f.Filename).HasMaxLength(255);
            e.Property(f => f.ContentType).HasMaxLength(100);
            e.Property(f => f.Kind).HasMaxLength(20);
            e.Property(f => f.Description).HasMaxLength(1000);
            e.Property(f => f.Note).HasMaxLength(500);
            e.Property(f => f.UploadedBy).HasMaxLength(320);
            e.Property(f => f.DeletedBy).HasMaxLength(320);
            e.Property(f => f.ObjectKey).HasMaxLength(200);
            e.Property(f => f.ThumbnailKey).HasMaxLength(200);
            e.Property(f => f.Sha256).HasMaxLength(64);
            e.HasIndex(f => new { f.RoomId, f.UploadedAt });
        });
        modelBuilder.Entity<RoomCopy>(e =>
        {
            e.ToTable("rooms");
            e.HasKey(r => r.RoomId);
            e.Property(r => r.Status).HasMaxLength(20);
        });
        modelBuilder.Entity<MemberCopy>(e =>
        {
            e.ToTable("room_members");
            e.HasKey(m => new { m.RoomId, m.UserId });
            e.Property(m => m.UserId).HasMaxLength(320);
            e.Property(m => m.Role).HasMaxLength(20);
        });
        modelBuilder.AddOutbox();
    }
}

public sealed class PostgresFilesDb(DbContextOptions<PostgresFilesDb> options) : FilesDb(options);

public sealed class SqliteFilesDb(DbContextOptions<SqliteFilesDb> options) : FilesDb(options)
{
    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder) =>
        configurationBuilder.StoreDateTimeOffsetsAsNumbers();
}
