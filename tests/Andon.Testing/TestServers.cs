namespace Andon.Testing;

/// <summary>
/// The real servers the tests use, found through the variables that scripts/test-env.sh exports.
/// A test fails with a clear message when one is missing: never silently skipped.
/// </summary>
public static class TestServers
{
    public static string Postgres => Require("ANDON_TEST_POSTGRES");

    public static Uri RabbitMq => new(Require("ANDON_TEST_RABBITMQ"));

    /// <summary>
    /// A RabbitMQ virtual host of its own, so that the services of one test fixture never consume
    /// another fixture's events (they share queue names, as replicas of one service do). It is
    /// deleted when the test process ends: a node recovers every virtual host it holds when it
    /// starts, and hundreds left behind made that take minutes.
    /// </summary>
    public static Uri NewRabbitMqVirtualHost()
    {
        var name = "andon-test-" + Guid.NewGuid().ToString("N")[..12];
        lock (VirtualHosts)
        {
            if (VirtualHosts.Count == 0)
            {
                AppDomain.CurrentDomain.ProcessExit += (_, _) => DeleteVirtualHosts();
            }

            VirtualHosts.Add(name);
        }

        RabbitMqCtl("add_vhost", name);
        RabbitMqCtl("set_permissions", "-p", name, RabbitMq.UserInfo.Split(':')[0], ".*", ".*", ".*");
        return new UriBuilder(RabbitMq) { Path = "/" + name }.Uri;
    }

    private static readonly List<string> VirtualHosts = [];

    /// <summary>All of this process's virtual hosts in one rabbitmqctl call (each call starts an Erlang VM).</summary>
    private static void DeleteVirtualHosts()
    {
        string names;
        lock (VirtualHosts)
        {
            names = string.Join(", ", VirtualHosts.Select(name => $"<<\"{name}\">>"));
        }

        try
        {
            RabbitMqCtl("eval", $"[rabbit_vhost:delete(V, <<\"andon-tests\">>) || V <- [{names}]].");
        }
        catch (InvalidOperationException)
        {
            // The node is gone or the host already deleted: scripts/test-env.sh deletes what is left
            // when it next starts the node.
        }
    }

    private static void RabbitMqCtl(params string[] arguments)
    {
        var start = new System.Diagnostics.ProcessStartInfo("rabbitmqctl") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = System.Diagnostics.Process.Start(start) ?? throw new InvalidOperationException("rabbitmqctl did not start.");
        var error = process.StandardError.ReadToEndAsync();
        process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(60_000) || process.ExitCode != 0)
        {
            throw new InvalidOperationException($"rabbitmqctl {string.Join(' ', arguments)} failed: {error.Result}");
        }
    }

    public static Uri Ldap => new(Require("ANDON_TEST_LDAP"));

    public static Uri S3 => new(Require("ANDON_TEST_S3"));

    /// <summary>s3rver's access key, which is also its secret.</summary>
    public const string S3AccessKey = "S3RVER";

    /// <summary>The test directory loaded from tests/fixtures/ldap/directory.ldif.</summary>
    public const string LdapBase = "dc=andon,dc=test";
    public const string LdapPeople = "ou=people,dc=andon,dc=test";
    public const string LdapAdminDn = "cn=admin,dc=andon,dc=test";
    public const string LdapAdminPassword = "andon-test-admin";
    public const string LdapServiceDn = "cn=andon-svc,dc=andon,dc=test";
    public const string LdapServicePassword = "andon-svc-pw";
    public const string LdapAdminGroup = "cn=andon-admins,ou=groups,dc=andon,dc=test";
    public const string LdapPassword = "andon-test";

    /// <summary>Configuration that points the identity service at the test directory on <paramref name="host"/>:<paramref name="port"/>.</summary>
    public static Dictionary<string, string> LdapDirectorySettings(string host, int port) => new()
    {
        ["Directory__Provider"] = "Ldap",
        ["Directory__Ldap__Host"] = host,
        ["Directory__Ldap__Port"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Directory__Ldap__BindDn"] = LdapServiceDn,
        ["Directory__Ldap__BindPassword"] = LdapServicePassword,
        ["Directory__Ldap__SearchBase"] = LdapPeople,
        ["Directory__Ldap__LoginAttributes__0"] = "uid",
        ["Directory__Ldap__LoginAttributes__1"] = "mail",
        ["Directory__Ldap__UserFilter"] = "(objectClass=inetOrgPerson)",
        ["Directory__Ldap__EnabledFilter"] = "(!(employeeType=disabled))",
        ["Directory__Ldap__DepartmentAttribute"] = "ou",
        ["Directory__Ldap__TimeoutSeconds"] = "3",
        ["Identity__AdminGroup"] = LdapAdminGroup,
    };

    private static string Require(string name) =>
        Environment.GetEnvironmentVariable(name) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException($"{name} is not set. Run the tests with scripts/test.sh, which starts the test servers and sets it.");
}
