using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Andon.Messaging.Infrastructure.Persistence.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class SearchIndex : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateIndex(
                name: "IX_messages_CreatedAt_SequenceNumber",
                table: "messages",
                columns: new[] { "CreatedAt", "SequenceNumber" });

            migrationBuilder.CreateIndex(
                name: "IX_messages_RoomId_CreatedAt_SequenceNumber",
                table: "messages",
                columns: new[] { "RoomId", "CreatedAt", "SequenceNumber" });

            // Written by hand: a trigram index for substring search (FTS5 with external content: it keeps
            // the index only, not a second copy of the text). Case-sensitive because SearchText
            // is lower-cased already, so a phrase matches exactly the texts that contain it. Its rowids
            // are the messages' rowids; triggers keep it in step with every insert, update and delete,
            // whoever writes (the service, or sqlite3 as the history benchmark does). A VACUUM may
            // renumber the messages' rowids: run INSERT INTO messages_fts(messages_fts) VALUES('rebuild') after one.
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

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("DROP TRIGGER IF EXISTS messages_fts_update;");
            migrationBuilder.Sql("DROP TRIGGER IF EXISTS messages_fts_delete;");
            migrationBuilder.Sql("DROP TRIGGER IF EXISTS messages_fts_insert;");
            migrationBuilder.Sql("DROP TABLE IF EXISTS messages_fts;");

            migrationBuilder.DropIndex(
                name: "IX_messages_CreatedAt_SequenceNumber",
                table: "messages");

            migrationBuilder.DropIndex(
                name: "IX_messages_RoomId_CreatedAt_SequenceNumber",
                table: "messages");
        }
    }
}
