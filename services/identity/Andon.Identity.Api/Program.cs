using Andon.BuildingBlocks.Auth;
using Andon.BuildingBlocks.Bus;
using Andon.BuildingBlocks.Hosting;
using Andon.Identity;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults("identity");
builder.AddAndonAuthentication();
builder.AddIdentityService();
builder.AddAndonBus("identity");

var app = builder.Build();

app.UseServiceDefaults();
app.UseAuthentication();
app.UseAuthorization();
app.MapIdentityService();

app.Run();
