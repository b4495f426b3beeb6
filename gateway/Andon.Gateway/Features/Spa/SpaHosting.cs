using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Hosting;

namespace Andon.Gateway.Features.Spa;

/// <summary>Serves the built SPA when its files exist: assets as they are, index.html for every client-side route.</summary>
internal static class SpaHosting
{
    public static void MapSpa(this WebApplication app, string spaRoot)
    {
        // A relative SpaRoot is looked up under the content root, then beside the host's assembly:
        // `dotnet run` uses the project folder as content root, while the build copies the SPA to
        // wwwroot in the output folder.
        var root = new[] { app.Environment.ContentRootPath, AppContext.BaseDirectory }
            .Select(folder => Path.GetFullPath(spaRoot, folder))
            .FirstOrDefault(folder => File.Exists(Path.Combine(folder, "index.html")));
        if (root is null)
        {
            return;
        }

        var files = new PhysicalFileProvider(root);
        app.UseDefaultFiles(new DefaultFilesOptions { FileProvider = files });
        app.UseStaticFiles(new StaticFileOptions { FileProvider = files });
        // "nonfile": a path that names a file (/assets/app.js) is left to the static files above;
        // a fallback matching it would be chosen by routing first and the file never served.
        app.MapFallback("{*path:nonfile}", async context =>
        {
            var path = context.Request.Path;
            if (path.StartsWithSegments("/api") || path.StartsWithSegments("/ws") || path.StartsWithSegments("/connect") || path.StartsWithSegments("/health"))
            {
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return;
            }

            context.Response.ContentType = "text/html; charset=utf-8";
            await context.Response.SendFileAsync(files.GetFileInfo("index.html"));
        });
    }
}
