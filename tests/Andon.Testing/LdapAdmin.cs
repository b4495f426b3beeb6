using System.DirectoryServices.Protocols;
using System.Net;

namespace Andon.Testing;

/// <summary>Changes the test directory as its administrator would: a person added, disabled, removed.</summary>
public static class LdapAdmin
{
    public static string Dn(string uid) => $"uid={uid},{TestServers.LdapPeople}";

    public static void AddPerson(string uid, string displayName, string password)
    {
        using var connection = Connect();
        connection.SendRequest(new AddRequest(
            Dn(uid),
            new DirectoryAttribute("objectClass", "inetOrgPerson"),
            new DirectoryAttribute("uid", uid),
            new DirectoryAttribute("cn", uid),
            new DirectoryAttribute("sn", uid),
            new DirectoryAttribute("mail", $"{uid}@andon.test"),
            new DirectoryAttribute("displayName", displayName),
            new DirectoryAttribute("employeeType", "active"),
            new DirectoryAttribute("userPassword", password)));
    }

    public static void Disable(string uid)
    {
        using var connection = Connect();
        connection.SendRequest(new ModifyRequest(Dn(uid), DirectoryAttributeOperation.Replace, "employeeType", "disabled"));
    }

    public static void Remove(string uid)
    {
        using var connection = Connect();
        try
        {
            connection.SendRequest(new DeleteRequest(Dn(uid)));
        }
        catch (DirectoryOperationException ex) when (ex.Response?.ResultCode == ResultCode.NoSuchObject)
        {
            // Already gone.
        }
    }

    private static LdapConnection Connect()
    {
        var server = TestServers.Ldap;
        var connection = new LdapConnection(new LdapDirectoryIdentifier(server.Host, server.Port), new NetworkCredential(TestServers.LdapAdminDn, TestServers.LdapAdminPassword), AuthType.Basic);
        connection.SessionOptions.ProtocolVersion = 3;
        connection.Bind();
        return connection;
    }
}
