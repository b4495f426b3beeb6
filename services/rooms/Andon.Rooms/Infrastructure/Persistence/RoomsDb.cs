using System.Text.Json;
using Andon.BuildingBlocks.Outbox;
using Andon.BuildingBlocks.Persistence;
using Andon.Rooms.Domain;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;

namespace Andon.Rooms.Infrastructure.Persistence;

/// <summary>Rooms' database: rooms, members, templates, the admin audit, known user names, the outbox.</summary>
public abstract class RoomsDb(DbContextOptions options) : DbContext(options)
{
    public DbSet<Room> Rooms => Set<Room>();

    public DbSet<RoomMember> Members => Set<RoomMember>();

    public DbSet<RoomTemplate> Templates => Set<RoomTemplate>();

    public DbSet<AuditEntry> Audit => Set<AuditEntry>();

    public DbSet<KnownUser> KnownUsers => Set<KnownUser>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        ArgumentNullException.ThrowIfNull(modelBuilder);
        modelBuilder.Entity<Room>(e =>
        {
            e.ToTable("rooms");
            e.HasKey(r => r.RoomId);
            e.Property(r => r.Title).HasMaxLength(200);
            e.Property(r => r.IncidentType).HasConversion<string>().HasMaxLength(40);
            e.Property(r => r.Severity).HasConversion<string>().HasMaxLength(20);
            e.Property(r => r.Status).HasConversion<string>().HasMaxLength(20);
            e.Property(r => r.Location).HasMaxLength(200);
            e.Property(r => r.Line).HasMaxLength(100);
            e.Property(r => r.Station).HasMaxLength(100);
            e.Property(r => r.EquipmentId).HasMaxLength(100);
            e.Property(r => r.AlarmCode).HasMaxLength(100);
            e.Property(r => r.Description).HasMaxLength(5000);
            e.Property(r => r.ReasonCode).HasMaxLength(100);
            e.Property(r => r.CreatedBy).HasMaxLength(320);
            e.Property(r => r.Lots).HasConversion(Json<List<string>>()).Metadata.SetValueComparer(ListComparer<string>());
            e.Property(r => r.SearchText);
            e.HasIndex(r => r.LastActivityAt);
            e.HasIndex(r => new { r.EquipmentId, r.AlarmCode, r.Status });
            e.HasMany(r => r.Members).WithOne().HasForeignKey(m => m.RoomId).OnDelete(DeleteBehavior.Cascade);
        });
        modelBuilder.Entity<RoomMember>(e =>
        {
            e.ToTable("room_members");
            e.HasKey(m => new { m.RoomId, m.UserId });
            e.Property(m => m.UserId).HasMaxLength(320);
            e.Property(m => m.Role).HasConversion<string>().HasMaxLength(20);
            e.Property(m => m.AddedBy).HasMaxLength(320);
            e.HasIndex(m => m.UserId);
        });
        modelBuilder.Entity<RoomTemplate>(e =>
        {
            e.ToTable("room_templates");
            e.HasKey(t => t.Name);
            e.Property(t => t.Name).HasMaxLength(100);
            e.Property(t => t.Description).HasMaxLength(500);
            e.Property(t => t.IncidentType).HasConversion<string>().HasMaxLength(40);
            e.Property(t => t.DefaultSeverity).HasConversion<string>().HasMaxLength(20);
            e.Property(t => t.DefaultMembers).HasConversion(Json<List<TemplateMember>>()).Metadata.SetValueComparer(ListComparer<TemplateMember>());
            e.Property(t => t.MetadataFields).HasConversion(Json<List<string>>()).Metadata.SetValueComparer(ListComparer<string>());
        });
        modelBuilder.Entity<AuditEntry>(e =>
        {
            e.ToTable("admin_audit");
            e.HasKey(a => a.Id);
            e.Property(a => a.UserId).HasMaxLength(320);
            e.Property(a => a.Action).HasMaxLength(100);
        });
        modelBuilder.Entity<KnownUser>(e =>
        {
            e.ToTable("known_users");
            e.HasKey(u => u.UserId);
            e.Property(u => u.UserId).HasMaxLength(320);
            e.Property(u => u.DisplayName).HasMaxLength(200);
        });
        modelBuilder.AddOutbox();
    }

    private static Microsoft.EntityFrameworkCore.Storage.ValueConversion.ValueConverter<T, string> Json<T>()
        where T : new() =>
        new(v => JsonSerializer.Serialize(v, JsonSerializerOptions.Default), v => JsonSerializer.Deserialize<T>(v, JsonSerializerOptions.Default) ?? new T());

    private static ValueComparer<List<T>> ListComparer<T>() =>
        new((a, b) => (a ?? new List<T>()).SequenceEqual(b ?? new List<T>()), v => v.Aggregate(0, (h, x) => HashCode.Combine(h, x)), v => v.ToList());
}

public sealed class PostgresRoomsDb(DbContextOptions<PostgresRoomsDb> options) : RoomsDb(options);

public sealed class SqliteRoomsDb(DbContextOptions<SqliteRoomsDb> options) : RoomsDb(options)
{
    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder) =>
        configurationBuilder.StoreDateTimeOffsetsAsNumbers();
}
