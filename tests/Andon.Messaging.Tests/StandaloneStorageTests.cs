using System.Text.Json;
using Andon.Testing;
using Microsoft.Data.Sqlite;
using static Andon.Testing.StandaloneSystem;

namespace Andon.Messaging.Tests;

/// <summary>Standalone keeps messages in SQLite; how it shares the file matters to senders.</summary>
[Collection(StandaloneMessagingMode.Name)]
public sealed class StandaloneStorageTests(StandaloneSystem system)
{
    [Fact]
    public async Task A_long_read_of_the_message_database_does_not_hold_up_a_send()
    {
        var room = await system.ReadyRoomAsync();
        await using var owner = await system.Connect(room, Owner);
        await owner.NextOfTypeAsync("hello");

        // A report or a backup reading messaging's SQLite file inside one long transaction. With a
        // rollback journal its read lock would keep every commit (and so every ack) waiting until it
        // ends; with the write-ahead log readers and the writer do not block each other.
        await using var reader = new SqliteConnection($"Data Source={Path.Combine(system.DataFolder, "messaging.db")}");
        await reader.OpenAsync();
        await using var transaction = reader.BeginTransaction(deferred: true);
        await using (var read = reader.CreateCommand())
        {
            read.Transaction = transaction;
            read.CommandText = "SELECT count(*) FROM messages";
            await read.ExecuteScalarAsync();
        }

        await owner.SendMessageAsync("while-read", "報表讀取中仍可傳送");
        var ack = await owner.NextAsync(f => f.GetProperty("type").GetString() is "ack" or "error", TimeSpan.FromSeconds(10));
        Assert.Equal("ack", ack.GetProperty("type").GetString());
        Assert.Equal("while-read", ack.GetProperty("client_id").GetString());
        await transaction.RollbackAsync();
    }
}
