using Andon.BuildingBlocks.Errors;
using Andon.Identity;
using Andon.Identity.Infrastructure.Directory;
using Andon.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Andon.Identity.Tests;

/// <summary>The LDAP directory against slapd loaded with the test directory (zh-TW names, an admin group, a disabled account).</summary>
public sealed class LdapDirectoryTests
{
    private static LdapDirectory Directory(int? port = null)
    {
        var settings = TestServers.LdapDirectorySettings(TestServers.Ldap.Host, port ?? TestServers.Ldap.Port);
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(settings.ToDictionary(kv => kv.Key.Replace("__", ":", StringComparison.Ordinal), kv => (string?)kv.Value))
            .Build();
        var directory = new DirectoryOptions();
        ConfigurationBinder.Bind(configuration.GetSection("Directory"), directory);
        var identity = new IdentityOptions();
        ConfigurationBinder.Bind(configuration.GetSection("Identity"), identity);
        return new LdapDirectory(new Fixed<DirectoryOptions>(directory), new Fixed<IdentityOptions>(identity), NullLogger<LdapDirectory>.Instance);
    }

    [Theory]
    [InlineData("op.lin")]
    [InlineData("op.lin@andon.test")]
    [InlineData("OP.LIN@ANDON.TEST")]
    public async Task Signs_in_by_any_login_attribute_with_the_chinese_display_name(string login)
    {
        var user = await Directory().AuthenticateAsync(login, TestServers.LdapPassword, default);

        Assert.NotNull(user);
        Assert.Equal("op.lin@andon.test", user.UserId);
        Assert.Equal("林作業", user.DisplayName);
        Assert.Equal("作業員", user.JobTitle);
        Assert.Equal("Line 3", user.Office);
        Assert.Equal("製造部", user.Department);
        Assert.False(user.IsAdmin);
    }

    [Fact]
    public async Task Members_of_the_admin_group_are_admins()
    {
        var user = await Directory().AuthenticateAsync("admin.chen", TestServers.LdapPassword, default);

        Assert.NotNull(user);
        Assert.True(user.IsAdmin);
    }

    [Theory]
    [InlineData("op.lin", "wrong-password")]
    [InlineData("op.lin", "")]
    [InlineData("nobody.here", "andon-test")]
    [InlineData("gone.lee", "andon-test")]
    [InlineData("*", "andon-test")]
    [InlineData("op.lin)(uid=*", "andon-test")]
    public async Task Wrong_password_unknown_disabled_and_filter_injection_are_all_refused(string login, string password)
    {
        Assert.Null(await Directory().AuthenticateAsync(login, password, default));
    }

    [Fact]
    public async Task A_disabled_account_is_not_found()
    {
        var directory = Directory();

        Assert.Null(await directory.FindAsync("gone.lee@andon.test", default));
        Assert.NotNull(await directory.FindAsync("mt.wang@andon.test", default));
    }

    [Fact]
    public async Task Search_finds_chinese_names_and_departments_but_not_disabled_accounts()
    {
        var directory = Directory();

        var byName = await directory.SearchAsync("王維", 10, default);
        var byDepartment = await directory.SearchAsync("品保", 10, default);
        var everyone = await directory.SearchAsync(null, 50, default);

        Assert.Equal(["mt.wang@andon.test"], byName.Select(u => u.UserId));
        Assert.Equal(["qa.huang@andon.test"], byDepartment.Select(u => u.UserId));
        Assert.DoesNotContain(everyone, u => u.UserId == "gone.lee@andon.test");
        Assert.Contains(everyone, u => u.UserId == "admin.chen@andon.test" && u.IsAdmin);
    }

    [Fact]
    public async Task An_unreachable_directory_is_unavailable_not_a_wrong_password()
    {
        using var proxy = new TcpProxy(TestServers.Ldap.Host, TestServers.Ldap.Port);
        var directory = Directory(proxy.Port);
        Assert.NotNull(await directory.AuthenticateAsync("op.lin", TestServers.LdapPassword, default));

        proxy.Stop();

        await Assert.ThrowsAsync<ServiceUnavailableException>(() => directory.AuthenticateAsync("op.lin", TestServers.LdapPassword, default));
        await Assert.ThrowsAsync<ServiceUnavailableException>(() => directory.FindAsync("op.lin@andon.test", default));
        await Assert.ThrowsAsync<ServiceUnavailableException>(() => directory.CheckAsync(default));
    }

    private sealed class Fixed<T>(T value) : IOptionsMonitor<T>
    {
        public T CurrentValue => value;

        public T Get(string? name) => value;

        public IDisposable? OnChange(Action<T, string?> listener) => null;
    }
}
