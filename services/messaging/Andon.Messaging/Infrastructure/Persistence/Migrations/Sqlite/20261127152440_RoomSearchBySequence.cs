using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Andon.Messaging.Infrastructure.Persistence.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class RoomSearchBySequence : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_messages_RoomId_CreatedAt_SequenceNumber",
                table: "messages");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateIndex(
                name: "IX_messages_RoomId_CreatedAt_SequenceNumber",
                table: "messages",
                columns: new[] { "RoomId", "CreatedAt", "SequenceNumber" });
        }
    }
}
