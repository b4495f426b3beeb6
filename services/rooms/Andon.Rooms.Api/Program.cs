using Andon.BuildingBlocks.Auth;
using Andon.BuildingBlocks.Bus;
using Andon.BuildingBlocks.Hosting;
using Andon.Rooms;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults("rooms");
builder.AddAndonAuthentication();
builder.AddRoomsService();
builder.AddAndonBus("rooms");

var app = builder.Build();

app.UseServiceDefaults();
app.UseAuthentication();
app.UseAuthorization();
app.MapRoomsService();

app.Run();
