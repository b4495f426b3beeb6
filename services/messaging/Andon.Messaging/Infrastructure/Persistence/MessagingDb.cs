using System.Text.Json;
using Andon.BuildingBlocks.Outbox;
using Andon.BuildingBlocks.Persistence;
using Andon.Messaging.Domain;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace Andon.Messaging.Infrastructure.Persistence;

/// <summary>Messaging's database: messages, their edits and reactions, the room event log and counters, copies of rooms and members.</summary>
public abstract class MessagingDb(DbContextOptions options) : DbContext(options)
{
    public DbSet<Message> Messages => Set<Message>();

    public DbSet<MessageEdit> Edits => Set<MessageEdit>();

    public DbSet<Reaction> Reactions => Set<Reaction>();

    public DbSet<RoomEvent> RoomEvents => Set<RoomEvent>();

    public DbSet<RoomCounter> Counters => Set<RoomCounter>();

    public DbSet<RoomCopy> Rooms => Set<RoomCopy>();

    public DbSet<MemberCopy> Members => Set<MemberCopy>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        ArgumentNullException.ThrowIfNull(modelBuilder);
        modelBuilder.Entity<Message>(e =>
        {
            e.ToTable("messages");
            e.HasKey(m => m.MessageId);
            e.Property(m => m.SenderId).HasMaxLength(320);
            e.Property(m => m.SenderName).HasMaxLength(200);
            e.Property(m => m.MessageType).HasConversion<string>().HasMaxLength(20);
            e.Property(m => m.ClientId).HasMaxLength(100);
            e.Property(m => m.Mentions).HasConversion(
                new ValueConverter<List<string>, string>(v => JsonSerializer.Serialize(v, JsonSerializerOptions.Default), v => JsonSerializer.Deserialize<List<string>>(v, JsonSerializerOptions.Default) ?? new List<string>()),
                new ValueComparer<List<string>>((a, b) => (a ?? new List<string>()).SequenceEqual(b ?? new List<string>()), v => v.Aggregate(0, (h, x) => HashCode.Combine(h, x)), v => v.ToList()));
            e.HasIndex(m => new { m.RoomId, m.SequenceNumber }).IsUnique();

            // Unique per sender; client id before sender so that a batch finds its retries by room and
            // client ids in index seeks (with sender second, a lookup without the sender read the whole room).
            e.HasIndex(m => new { m.RoomId, m.ClientId, m.SenderId }).IsUnique();

            // Search across rooms walks this newest first for a frequent term and stops after a page
            // of matches; in one room it walks (RoomId, SequenceNumber) above
            // (docs/decisions/0009-search-capped-total-and-trigram-index.md). Every index keyed by
            // room costs a page write a message when a transaction holds many rooms (ADR 0015).
            e.HasIndex(m => new { m.CreatedAt, m.SequenceNumber });
            e.Property(m => m.SearchText);
        });
        modelBuilder.Entity<MessageEdit>(e =>
        {
            e.ToTable("message_edits");
            e.HasKey(x => x.Id);
            e.Property(x => x.EditedBy).HasMaxLength(320);
            e.HasIndex(x => x.MessageId);
        });
        modelBuilder.Entity<Reaction>(e =>
        {
            e.ToTable("reactions");
            e.HasKey(r => new { r.MessageId, r.UserId, r.Emoji });
            e.Property(r => r.UserId).HasMaxLength(320);
            e.Property(r => r.Emoji).HasMaxLength(64);
        });
        modelBuilder.Entity<RoomEvent>(e =>
        {
            e.ToTable("room_events");
            e.HasKey(x => new { x.RoomId, x.Seq });
        });
        modelBuilder.Entity<RoomCounter>(e =>
        {
            // Written with raw SQL by the room writer: plain lower-case names on both providers.
            e.ToTable("room_counters");
            e.HasKey(c => c.RoomId);
            e.Property(c => c.RoomId).HasColumnName("room_id");
            e.Property(c => c.LastSeq).HasColumnName("last_seq").IsConcurrencyToken();
        });
        modelBuilder.Entity<RoomCopy>(e =>
        {
            e.ToTable("rooms");
            e.HasKey(r => r.RoomId);
            e.Property(r => r.Title).HasMaxLength(200);
            e.Property(r => r.Status).HasMaxLength(20);
            e.Property(r => r.EquipmentId).HasMaxLength(100);
        });
        modelBuilder.Entity<MemberCopy>(e =>
        {
            e.ToTable("room_members");
            e.HasKey(m => new { m.RoomId, m.UserId });
            e.Property(m => m.UserId).HasMaxLength(320);
            e.Property(m => m.Role).HasMaxLength(20);
            e.HasIndex(m => m.UserId);
        });
        modelBuilder.AddOutbox();
    }
}

public sealed class PostgresMessagingDb(DbContextOptions<PostgresMessagingDb> options) : MessagingDb(options);

public sealed class SqliteMessagingDb(DbContextOptions<SqliteMessagingDb> options) : MessagingDb(options)
{
    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder) =>
        configurationBuilder.StoreDateTimeOffsetsAsNumbers();
}
