using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;

namespace Andon.Testing;

/// <summary>Configuration of Andon's hosts for the distributed mode on the test servers.</summary>
public static class AndonHosts
{
    public const string GatewaySecret = "gateway-test-secret";
    public const string PlantFloorSecret = "plant-floor-test-secret";

    /// <summary>Identity on its own PostgreSQL database and RabbitMQ, signing in against the test directory at <paramref name="ldapPort"/>.</summary>
    public static Dictionary<string, string> Identity(TestDatabase database, int ldapPort, int port, string keysPath, Uri? bus = null)
    {
        var settings = TestServers.LdapDirectorySettings(TestServers.Ldap.Host, ldapPort);
        settings["Database__Provider"] = "Postgres";
        settings["ConnectionStrings__Identity"] = database.ConnectionString;
        settings["Bus__Transport"] = "RabbitMq";
        settings["Bus__RabbitMqUrl"] = (bus ?? TestServers.RabbitMq).ToString();
        settings["Identity__Issuer"] = $"http://127.0.0.1:{port}/";
        settings["Identity__KeysPath"] = keysPath;
        settings["Identity__Clients__0__ClientId"] = "andon-gateway";
        settings["Identity__Clients__0__ClientSecret"] = GatewaySecret;
        settings["Identity__Clients__0__Grants__0"] = "password";
        settings["Identity__Clients__0__Grants__1"] = "refresh_token";
        settings["Identity__Clients__1__ClientId"] = "andon-scripts";
        settings["Identity__Clients__1__Grants__0"] = "password";
        settings["Identity__Clients__1__Grants__1"] = "refresh_token";
        settings["Identity__Clients__2__ClientId"] = "plant-floor";
        settings["Identity__Clients__2__ClientSecret"] = PlantFloorSecret;
        settings["Identity__Clients__2__DisplayName"] = "Line 3 PLC bridge";
        settings["Identity__Clients__2__Grants__0"] = "client_credentials";
        return settings;
    }

    public static Dictionary<string, string> Gateway(Uri identity, string keysPath) => new()
    {
        ["Gateway__IdentityUrl"] = identity.ToString(),
        ["Gateway__ClientId"] = "andon-gateway",
        ["Gateway__ClientSecret"] = GatewaySecret,
        ["Gateway__KeysPath"] = keysPath,
        ["ReverseProxy__Clusters__identity__Destinations__identity__Address"] = identity.ToString(),
    };

    /// <summary>Rooms on its own PostgreSQL database and RabbitMQ, validating tokens against <paramref name="identity"/>.</summary>
    public static Dictionary<string, string> Rooms(TestDatabase database, Uri identity, Uri bus) => new()
    {
        ["Database__Provider"] = "Postgres",
        ["ConnectionStrings__Rooms"] = database.ConnectionString,
        ["Bus__Transport"] = "RabbitMq",
        ["Bus__RabbitMqUrl"] = bus.ToString(),
        ["Auth__Authority"] = identity.ToString(),
        ["Rooms__TemplateMembers__equipment_failure__0__UserId"] = "mt.wang@andon.test",
        ["Rooms__TemplateMembers__equipment_failure__0__Role"] = "owner",
    };

    /// <summary>Messaging on its own PostgreSQL database and RabbitMQ, validating tokens against <paramref name="identity"/>.</summary>
    public static Dictionary<string, string> Messaging(TestDatabase database, Uri identity, Uri bus) => new()
    {
        ["Database__Provider"] = "Postgres",
        ["ConnectionStrings__Messaging"] = database.ConnectionString,
        ["Bus__Transport"] = "RabbitMq",
        ["Bus__RabbitMqUrl"] = bus.ToString(),
        ["Auth__Authority"] = identity.ToString(),
    };

    /// <summary>Files on its own PostgreSQL database and RabbitMQ, storing objects in <paramref name="bucket"/> of the S3 server at <paramref name="s3Endpoint"/> (<c>host:port</c>).</summary>
    public static Dictionary<string, string> Files(TestDatabase database, Uri identity, Uri bus, string s3Endpoint, string bucket) => new()
    {
        ["Database__Provider"] = "Postgres",
        ["ConnectionStrings__Files"] = database.ConnectionString,
        ["Bus__Transport"] = "RabbitMq",
        ["Bus__RabbitMqUrl"] = bus.ToString(),
        ["Auth__Authority"] = identity.ToString(),
        ["Files__Storage"] = "S3",
        ["Files__S3__Endpoint"] = s3Endpoint,
        ["Files__S3__AccessKey"] = TestServers.S3AccessKey,
        ["Files__S3__SecretKey"] = TestServers.S3AccessKey,
        ["Files__S3__Bucket"] = bucket,
        ["Files__S3__TimeoutSeconds"] = "5",
    };

    /// <summary>
    /// An in-process host that only talks to RabbitMQ at <paramref name="bus"/> (a recorder of events,
    /// a plant-floor system): warnings only, and Kestrel on a free loopback port, never the default
    /// 5000 that another test assembly's host, running at the same time, may hold.
    /// </summary>
    public static WebApplicationBuilder BusClient(Uri bus)
    {
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Configuration["Bus:Transport"] = "RabbitMq";
        builder.Configuration["Bus:RabbitMqUrl"] = bus.ToString();
        return builder;
    }

    public static string TemporaryFolder()
    {
        var folder = Path.Combine(Path.GetTempPath(), "andon-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        return folder;
    }
}
