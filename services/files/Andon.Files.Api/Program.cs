using Andon.BuildingBlocks.Auth;
using Andon.BuildingBlocks.Bus;
using Andon.BuildingBlocks.Hosting;
using Andon.Files;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults("files");
builder.AddAndonAuthentication();
builder.AddFilesService();
builder.AddAndonBus("files");

var app = builder.Build();

app.UseServiceDefaults();
app.UseAuthentication();
app.UseAuthorization();
app.MapFilesService();

app.Run();
