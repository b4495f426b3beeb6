using Andon.Messaging.Infrastructure.Persistence;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Andon.Messaging.Features.Search;

/// <summary>
/// Fills SQLite's trigram index (<see cref="TrigramIndex"/>) behind the room writer, in the index's
/// own file: every 100 ms while messages come (the pause doubling up to 2 s while none do), or at
/// once after a full batch, the messages stored since the last batch (by rowid) and those edited
/// since (by <c>message_edits</c>' id), up to <see cref="BatchSize"/>, in one transaction that also
/// moves <c>search.indexed</c> on. The writer's transactions no longer
/// write trigrams, and never wait for this: it reads <c>messaging.db</c> at a snapshot and locks
/// only the index's file. A search stays exact meanwhile by also reading what is past
/// <c>search.indexed</c> (<see cref="SearchEndpoint"/>). The index's file is synced less than the
/// messages (<c>synchronous=NORMAL</c>): it can be built again from them, and its mark rolls back
/// with it (docs/decisions/0018-search-index-behind-the-writer.md).
/// </summary>
internal sealed class SearchIndexer(IServiceScopeFactory scopes, ILogger<SearchIndexer> logger) : BackgroundService
{
    /// <summary>The most messages one batch indexes.</summary>
    public const int BatchSize = 2000;

    private static readonly TimeSpan Pause = TimeSpan.FromMilliseconds(100);

    // A quiet server reads messaging.db for new messages every 2 s, not 10 times a second; a search
    // meanwhile reads the few messages past the mark itself.
    private static readonly TimeSpan IdlePause = TimeSpan.FromSeconds(2);

    private SqliteConnection? connection;

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        string? messages;
        await using (var scope = scopes.CreateAsyncScope())
        {
            messages = scope.ServiceProvider.GetRequiredService<MessagingDb>().Database.GetConnectionString();
        }

        // Made before the host serves, so a search finds the index's tables from the first request.
        if (TrigramIndex.FileFor(messages) is { } file)
        {
            connection = await OpenAsync(messages!, file, cancellationToken);
        }

        await base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (connection is null)
        {
            return;
        }

        var pause = Pause;
        while (!stoppingToken.IsCancellationRequested)
        {
            var indexed = 0;
            try
            {
                indexed = await IndexNextAsync(connection, stoppingToken);
            }
#pragma warning disable CA1031 // A failed batch is logged and tried again; the index must not stop for good.
            catch (Exception ex) when (ex is not OperationCanceledException)
#pragma warning restore CA1031
            {
                logger.LogError(ex, "Search index: a batch failed; trying again");
            }

            if (indexed < BatchSize)
            {
                pause = indexed > 0 ? Pause : TimeSpan.FromTicks(Math.Min(pause.Ticks * 2, IdlePause.Ticks));
                try
                {
                    await Task.Delay(pause, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    public override void Dispose()
    {
        connection?.Dispose();
        base.Dispose();
    }

    /// <summary>
    /// The indexer's connection: the messages' database with the index's file attached, its tables
    /// made if missing. An index whose mark is past the messages (messaging.db restored from an older
    /// copy, or renumbered by a VACUUM) is emptied and built again: its rowids no longer name those
    /// messages, and new messages would be numbered below its mark, never indexed.
    /// </summary>
    internal static async Task<SqliteConnection> OpenAsync(string messages, string file, CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder(messages) { Pooling = false }.ToString());
        try
        {
            await connection.OpenAsync(cancellationToken);
            await TrigramIndex.AttachAsync(connection, file, cancellationToken);
            await using var create = connection.CreateCommand();
            create.CommandText = """
                PRAGMA search.journal_mode = WAL;
                PRAGMA search.synchronous = NORMAL;
                CREATE VIRTUAL TABLE IF NOT EXISTS search.messages_fts USING fts5(SearchText, content='', contentless_delete=1, tokenize='trigram case_sensitive 1');
                CREATE TABLE IF NOT EXISTS search.indexed (id INTEGER PRIMARY KEY CHECK (id = 1), message_rowid INTEGER NOT NULL, edit_id INTEGER NOT NULL);
                INSERT OR IGNORE INTO search.indexed VALUES (1, 0, 0);
                """;
            await create.ExecuteNonQueryAsync(cancellationToken);
            create.CommandText = """
                SELECT message_rowid > (SELECT COALESCE(MAX(rowid), 0) FROM main.messages)
                    OR edit_id > (SELECT COALESCE(MAX(Id), 0) FROM main.message_edits)
                FROM search.indexed;
                """;
            if (Convert.ToInt64(await create.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture) == 1)
            {
                create.CommandText = """
                    INSERT INTO search.messages_fts (messages_fts) VALUES ('delete-all');
                    UPDATE search.indexed SET message_rowid = 0, edit_id = 0;
                    """;
                await create.ExecuteNonQueryAsync(cancellationToken);
            }

            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>One batch: returns how many stored messages it indexed (edits not counted).</summary>
    internal static async Task<int> IndexNextAsync(SqliteConnection connection, CancellationToken cancellationToken)
    {
        // Deferred, not Microsoft.Data.Sqlite's default BEGIN IMMEDIATE, which would take the write
        // lock of every attached file, messaging.db's too: here the first write takes the index's alone.
        await using var transaction = connection.BeginTransaction(deferred: true);
        long from, edits, to, lastEdit, count;
        await using (var read = Command(connection, transaction, """
            SELECT message_rowid, edit_id FROM search.indexed;
            SELECT COUNT(*), COALESCE(MAX(rowid), 0) FROM (SELECT rowid FROM main.messages WHERE rowid > (SELECT message_rowid FROM search.indexed) ORDER BY rowid LIMIT $batch);
            SELECT COALESCE(MAX(Id), 0) FROM main.message_edits;
            """))
        {
            read.Parameters.AddWithValue("$batch", BatchSize);
            await using var reader = await read.ExecuteReaderAsync(cancellationToken);
            await reader.ReadAsync(cancellationToken);
            (from, edits) = (reader.GetInt64(0), reader.GetInt64(1));
            await reader.NextResultAsync(cancellationToken);
            await reader.ReadAsync(cancellationToken);
            (count, to) = (reader.GetInt64(0), reader.GetInt64(1));
            await reader.NextResultAsync(cancellationToken);
            await reader.ReadAsync(cancellationToken);
            lastEdit = reader.GetInt64(0);
        }

        if (count == 0 && lastEdit == edits)
        {
            return 0;
        }

        // New messages with their text as it stands; then the messages indexed before this batch and
        // edited since, their text replaced (a message past `from` is indexed with its edits already).
        const string Edited = "SELECT m.rowid FROM main.message_edits e JOIN main.messages m ON m.MessageId = e.MessageId WHERE e.Id > $edits AND e.Id <= $lastEdit AND m.rowid <= $from";
        await using var write = Command(connection, transaction, $"""
            INSERT INTO search.messages_fts (rowid, SearchText) SELECT rowid, SearchText FROM main.messages WHERE rowid > $from AND rowid <= $to;
            DELETE FROM search.messages_fts WHERE rowid IN ({Edited});
            INSERT INTO search.messages_fts (rowid, SearchText) SELECT rowid, SearchText FROM main.messages WHERE rowid IN ({Edited});
            UPDATE search.indexed SET message_rowid = max(message_rowid, $to), edit_id = $lastEdit;
            """);
        write.Parameters.AddWithValue("$from", from);
        write.Parameters.AddWithValue("$to", to);
        write.Parameters.AddWithValue("$edits", edits);
        write.Parameters.AddWithValue("$lastEdit", lastEdit);
        await write.ExecuteNonQueryAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return (int)count;
    }

    private static SqliteCommand Command(SqliteConnection connection, SqliteTransaction transaction, string sql)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        return command;
    }
}
