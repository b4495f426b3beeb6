using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Andon.Messaging.Infrastructure.Persistence.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class Search : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "SearchText",
                table: "messages",
                type: "text",
                nullable: false,
                defaultValue: "");

            // Written by hand: a trigram index so substring search (Chinese included) does not scan every message.
            migrationBuilder.Sql("CREATE EXTENSION IF NOT EXISTS pg_trgm;");
            migrationBuilder.Sql("CREATE INDEX ix_messages_search_text_trgm ON messages USING gin (\"SearchText\" gin_trgm_ops);");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("DROP INDEX IF EXISTS ix_messages_search_text_trgm;");
            migrationBuilder.DropColumn(
                name: "SearchText",
                table: "messages");
        }
    }
}
