using System.Text.RegularExpressions;
using Andon.BuildingBlocks.Auth;
using Andon.BuildingBlocks.Bus;
using Andon.BuildingBlocks.Hosting;
using Andon.Files;
using Andon.Gateway;
using Andon.Identity;
using Andon.Messaging;
using Andon.Rooms;
using Andon.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Andon.Security.Tests;

/// <summary>
/// The route table standalone really maps: its modules composed in the order of its
/// <c>Program.cs</c> (with its own appsettings.json and built SPA), read from the endpoint data
/// sources as <c>"METHOD /pattern"</c>. A WebSocket or any-method endpoint reads as <c>ANY</c>.
/// </summary>
internal static partial class AccessRouteTable
{
    /// <summary>The calls standalone's Program.cs makes to compose and map the system; <see cref="Routes"/> makes the same.</summary>
    public static readonly string[] ProgramCalls =
    [
        "builder.AddServiceDefaults", "builder.AddAndonAuthentication", "builder.AddGatewaySession", "builder.AddIdentityService",
        "builder.AddRoomsService", "builder.AddMessagingService", "builder.AddFilesService", "builder.AddAndonBus",
        "app.UseServiceDefaults", "app.UseWebSockets", "app.UseGatewaySession", "app.UseAuthentication", "app.UseAuthorization",
        "app.MapIdentityService", "app.MapRoomsService", "app.MapMessagingService", "app.MapFilesService", "app.MapGatewaySession",
        "app.MapOpenApi",
    ];

    private static readonly Lazy<IReadOnlySet<string>> Table = new(Compose);

    public static IReadOnlySet<string> Routes => Table.Value;

    /// <summary>The composition calls (<c>builder.Add…</c>, <c>app.Use…</c>, <c>app.Map…</c>) in standalone's Program.cs, in order.</summary>
    public static IReadOnlyList<string> CallsInProgram()
    {
        var source = File.ReadAllText(Path.Combine(HostProcess.RepositoryRoot(), "standalone", "Andon.Standalone", "Program.cs"));
        return CompositionCall().Matches(source).Select(m => m.Groups[1].Value).ToList();
    }

    private static HashSet<string> Compose()
    {
        var root = HostProcess.RepositoryRoot();
        var data = AndonHosts.TemporaryFolder();
        var builder = WebApplication.CreateBuilder();
        builder.Configuration.AddJsonFile(Path.Combine(root, "standalone", "Andon.Standalone", "appsettings.json"));
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:Identity"] = $"Data Source={Path.Combine(data, "identity.db")}",
            ["ConnectionStrings:Rooms"] = $"Data Source={Path.Combine(data, "rooms.db")}",
            ["ConnectionStrings:Messaging"] = $"Data Source={Path.Combine(data, "messaging.db")}",
            ["ConnectionStrings:Files"] = $"Data Source={Path.Combine(data, "files.db")}",
            ["Files:DiskPath"] = Path.Combine(data, "objects"),
            ["Identity:KeysPath"] = Path.Combine(data, "keys", "identity"),
            ["Gateway:KeysPath"] = Path.Combine(data, "keys", "gateway"),
            ["Gateway:SpaRoot"] = SpaRoot(),
        });

        builder.AddServiceDefaults("andon-standalone");
        builder.AddAndonAuthentication();
        builder.AddGatewaySession();
        builder.AddIdentityService();
        builder.AddRoomsService();
        builder.AddMessagingService();
        builder.AddFilesService();
        builder.AddAndonBus("standalone");
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

        return ((IEndpointRouteBuilder)app).DataSources
            .SelectMany(d => d.Endpoints)
            .OfType<RouteEndpoint>()
            .SelectMany(e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["ANY"])
                .Select(m => $"{m} /{e.RoutePattern.RawText!.Trim('/')}"))
            .ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>The SPA standalone serves: the one copied into its build output.</summary>
    public static string SpaRoot() =>
        Path.Combine(HostProcess.RepositoryRoot(), "standalone", "Andon.Standalone", "bin", Configuration, "net10.0", "wwwroot");

    private static string Configuration =>
        AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";

    [GeneratedRegex(@"^\s*((?:builder|app)\.(?:Add|Use|Map)\w+)\(", RegexOptions.Multiline)]
    private static partial Regex CompositionCall();
}
