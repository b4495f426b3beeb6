using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Andon.Messaging.Infrastructure.Persistence.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class RetryLookupIndex : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_messages_RoomId_SenderId_ClientId",
                table: "messages");

            migrationBuilder.CreateIndex(
                name: "IX_messages_RoomId_ClientId_SenderId",
                table: "messages",
                columns: new[] { "RoomId", "ClientId", "SenderId" },
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_messages_RoomId_ClientId_SenderId",
                table: "messages");

            migrationBuilder.CreateIndex(
                name: "IX_messages_RoomId_SenderId_ClientId",
                table: "messages",
                columns: new[] { "RoomId", "SenderId", "ClientId" },
                unique: true);
        }
    }
}
