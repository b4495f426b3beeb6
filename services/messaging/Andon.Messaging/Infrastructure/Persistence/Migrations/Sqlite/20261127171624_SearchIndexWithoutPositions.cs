using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Andon.Messaging.Infrastructure.Persistence.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class SearchIndexWithoutPositions : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // Written by hand: the trigram index without positions (detail=none) or column sizes
            // (columnsize=0). It answers which messages hold every trigram of a term, not where, so a
            // term is looked up as its trigrams together (TrigramIndex.Query) and the LIKE decides, as
            // before. Storing a message's trigrams costs the room writer about a third less this way
            // (docs/decisions/0009-search-capped-total-and-trigram-index.md). The triggers stay: they
            // name the table, which is made again under the same name and filled from the messages.
            migrationBuilder.Sql("DROP TABLE messages_fts;");
            migrationBuilder.Sql("CREATE VIRTUAL TABLE messages_fts USING fts5(SearchText, content='messages', content_rowid='rowid', tokenize='trigram case_sensitive 1', detail=none, columnsize=0);");
            migrationBuilder.Sql("INSERT INTO messages_fts(messages_fts) VALUES('rebuild');");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("DROP TABLE messages_fts;");
            migrationBuilder.Sql("CREATE VIRTUAL TABLE messages_fts USING fts5(SearchText, content='messages', content_rowid='rowid', tokenize='trigram case_sensitive 1');");
            migrationBuilder.Sql("INSERT INTO messages_fts(messages_fts) VALUES('rebuild');");
        }
    }
}
