using Andon.BuildingBlocks.Auth;
using Andon.BuildingBlocks.Bus;
using Andon.BuildingBlocks.Hosting;
using Andon.Files;
using Andon.Gateway;
using Andon.Identity;
using Andon.Messaging;
using Andon.Rooms;

// The whole of Andon in one process: every service's module behind the gateway's session logic,
// on SQLite under ./data, the in-process bus, a local object store and the development directory.
var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults("andon-standalone");
builder.AddAndonAuthentication();
builder.AddGatewaySession();
builder.AddIdentityService();
builder.AddRoomsService();
builder.AddMessagingService();
builder.AddFilesService();
builder.AddAndonBus("standalone");

// Every endpoint's description at /openapi/v1.json, for signed-in callers (the REST fuzzer of
// tests/Andon.Security.Tests reads it).
builder.Services.AddOpenApi();

var app = builder.Build();

app.UseServiceDefaults();
app.UseWebSockets();
app.UseGatewaySession();
app.UseAuthentication();
app.UseAuthorization();
app.MapIdentityService();
app.MapRoomsService();
app.MapMessagingService();
app.MapFilesService();
app.MapGatewaySession();
app.MapOpenApi().RequireAuthorization();

app.Run();
