using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Andon.Messaging.Infrastructure.Persistence.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class SearchIndexInItsOwnFile : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // Written by hand: the trigram index leaves messaging.db for a file of its own, filled behind
            // the room writer (Features/Search/SearchIndexer.cs, ADR 0018). Its triggers go with it: a
            // stored message no longer writes its trigrams in the writer's transaction. The indexer
            // builds the new file from the messages on its first start.
            migrationBuilder.Sql("DROP TRIGGER IF EXISTS messages_fts_update;");
            migrationBuilder.Sql("DROP TRIGGER IF EXISTS messages_fts_delete;");
            migrationBuilder.Sql("DROP TRIGGER IF EXISTS messages_fts_insert;");
            migrationBuilder.Sql("DROP TABLE IF EXISTS messages_fts;");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("CREATE VIRTUAL TABLE messages_fts USING fts5(SearchText, content='messages', content_rowid='rowid', tokenize='trigram case_sensitive 1');");
            migrationBuilder.Sql("INSERT INTO messages_fts(messages_fts) VALUES('rebuild');");
            migrationBuilder.Sql("""
                CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
                    INSERT INTO messages_fts(rowid, SearchText) VALUES (new.rowid, new.SearchText);
                END;
                """);
            migrationBuilder.Sql("""
                CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
                    INSERT INTO messages_fts(messages_fts, rowid, SearchText) VALUES ('delete', old.rowid, old.SearchText);
                END;
                """);
            migrationBuilder.Sql("""
                CREATE TRIGGER messages_fts_update AFTER UPDATE OF SearchText ON messages BEGIN
                    INSERT INTO messages_fts(messages_fts, rowid, SearchText) VALUES ('delete', old.rowid, old.SearchText);
                    INSERT INTO messages_fts(rowid, SearchText) VALUES (new.rowid, new.SearchText);
                END;
                """);
        }
    }
}
