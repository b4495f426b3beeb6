using System.Text.Json;
using Andon.BuildingBlocks.Bus;
using Andon.BuildingBlocks.Persistence;
using Andon.Files;
using Andon.Gateway;
using Andon.Identity;
using Andon.Identity.Infrastructure.Directory;
using Andon.Messaging;
using Andon.Rooms;

namespace Andon.Deployment.Tests;

/// <summary>What each host can be configured with through its environment.</summary>
public static class HostSettings
{
    public const string IdentityAppSettings = "services/identity/Andon.Identity.Api/appsettings.json";
    public const string RoomsAppSettings = "services/rooms/Andon.Rooms.Api/appsettings.json";
    public const string MessagingAppSettings = "services/messaging/Andon.Messaging.Api/appsettings.json";
    public const string FilesAppSettings = "services/files/Andon.Files.Api/appsettings.json";
    public const string GatewayAppSettings = "gateway/Andon.Gateway.Api/appsettings.json";

    /// <summary>The identity host: its module's options, the bus, the database switch and its connection strings.</summary>
    public static OptionKeys Identity()
    {
        var keys = Common()
            .Options("Identity", typeof(IdentityOptions))
            .Options("Directory", typeof(DirectoryOptions))
            .Options("Bus", typeof(BusOptions))
            .Key("Database__Provider", typeof(DatabaseProvider))
            .Key("Auth__Authority")
            // libldap's own settings, e.g. LDAPTLS_CACERT for a company CA (docs/operations.md).
            .Prefix("LDAPTLS_");
        foreach (var name in JsonKeys(IdentityAppSettings, "ConnectionStrings"))
        {
            keys.Key($"ConnectionStrings__{name}");
        }

        return keys;
    }

    /// <summary>The rooms host: its module's options, the bus, the database switch, the token authority and its connection strings.</summary>
    public static OptionKeys Rooms() => Service(RoomsAppSettings)
        .Options("Rooms", typeof(RoomsOptions));

    /// <summary>The messaging host: its module's options, the bus, the database switch, the token authority and its connection strings.</summary>
    public static OptionKeys Messaging() => Service(MessagingAppSettings)
        .Options("Messaging", typeof(MessagingOptions));

    /// <summary>The files host: its module's options (S3 included), the bus, the database switch, the token authority and its connection strings.</summary>
    public static OptionKeys Files() => Service(FilesAppSettings)
        .Options("Files", typeof(FilesOptions));

    /// <summary>The gateway host: the session options and YARP's ReverseProxy section.</summary>
    public static OptionKeys Gateway() => Common()
        .Options("Gateway", typeof(GatewayOptions))
        .Key("ReverseProxy__**");

    /// <summary>The YARP clusters the gateway host defines in its appsettings.json.</summary>
    public static IReadOnlyList<string> GatewayClusters() => JsonKeys(GatewayAppSettings, "ReverseProxy", "Clusters");

    /// <summary>Checks a variable of <paramref name="host"/> ("identity", "rooms", "messaging", "files" or "gateway"); null when it is fine.</summary>
    public static string? Check(string host, string name, string? value)
    {
        ArgumentNullException.ThrowIfNull(name);
        var problem = host switch
        {
            "identity" => Identity().Check(name, value),
            "rooms" => Rooms().Check(name, value),
            "messaging" => Messaging().Check(name, value),
            "files" => Files().Check(name, value),
            "gateway" => Gateway().Check(name, value),
            _ => throw new ArgumentOutOfRangeException(nameof(host), host, "identity, rooms, messaging, files or gateway"),
        };
        if (problem is null && host == "gateway" && name.Split("__") is ["ReverseProxy", "Clusters", var cluster, ..])
        {
            var clusters = GatewayClusters();
            if (!clusters.Contains(cluster, StringComparer.OrdinalIgnoreCase))
            {
                problem = $"{name}: the gateway has no cluster '{cluster}' (its appsettings.json defines {string.Join(", ", clusters)})";
            }
        }

        return problem;
    }

    /// <summary>What every service host behind the gateway reads besides its own section: bus, database, token authority, connection strings.</summary>
    private static OptionKeys Service(string appSettings)
    {
        var keys = Common()
            .Options("Bus", typeof(BusOptions))
            .Key("Database__Provider", typeof(DatabaseProvider))
            .Key("Auth__Authority");
        foreach (var name in JsonKeys(appSettings, "ConnectionStrings"))
        {
            keys.Key($"ConnectionStrings__{name}");
        }

        return keys;
    }

    private static OptionKeys Common() => new OptionKeys()
        .Prefix("ASPNETCORE_")
        .Prefix("OTEL_")
        .Key("Logging__**")
        .Key("AllowedHosts");

    private static List<string> JsonKeys(string file, params string[] path)
    {
        using var json = JsonDocument.Parse(Repository.ReadAllText(file), new JsonDocumentOptions
        {
            CommentHandling = JsonCommentHandling.Skip,
            AllowTrailingCommas = true,
        });
        var element = json.RootElement;
        foreach (var key in path)
        {
            if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(key, out element))
            {
                return [];
            }
        }

        return element.ValueKind == JsonValueKind.Object ? element.EnumerateObject().Select(p => p.Name).ToList() : [];
    }
}
