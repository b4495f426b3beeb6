using Andon.BuildingBlocks.Auth;
using Andon.BuildingBlocks.Bus;
using Andon.BuildingBlocks.Hosting;
using Andon.Messaging;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults("messaging");
builder.AddAndonAuthentication();
builder.AddMessagingService();
builder.AddAndonBus("messaging");

var app = builder.Build();

app.UseServiceDefaults();
app.UseWebSockets();
app.UseAuthentication();
app.UseAuthorization();
app.MapMessagingService();

app.Run();
