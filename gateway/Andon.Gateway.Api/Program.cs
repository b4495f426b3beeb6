using Andon.BuildingBlocks.Hosting;
using Andon.Gateway;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults("gateway");
builder.AddGatewaySession();
builder.Services.AddReverseProxy().LoadFromConfig(builder.Configuration.GetSection("ReverseProxy"));

var app = builder.Build();

app.UseServiceDefaults();
app.UseWebSockets();
app.UseGatewaySession();
app.MapGatewaySession();
app.MapReverseProxy();

app.Run();
