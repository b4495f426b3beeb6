namespace Andon.Testing;

/// <summary>
/// The processes and databases of one distributed test system: hosts are started in order and
/// stopped in reverse, and the databases are dropped after the last host has stopped.
/// </summary>
public sealed class HostGroup : IAsyncDisposable
{
    private readonly List<HostProcess> hosts = [];
    private readonly List<TestDatabase> databases = [];

    /// <summary>A new database (<see cref="TestDatabase.Create"/>), dropped with the group.</summary>
    public TestDatabase Database(string prefix)
    {
        var database = TestDatabase.Create(prefix);
        databases.Add(database);
        return database;
    }

    public async Task<HostProcess> StartAsync(string project, Dictionary<string, string> settings, int? port = null)
    {
        var host = await HostProcess.StartAsync(project, settings, port);
        lock (hosts)
        {
            hosts.Add(host);
        }

        return host;
    }

    /// <summary>What every host printed, for a failure message.</summary>
    public string Logs()
    {
        lock (hosts)
        {
            return string.Join("\n", hosts.Select(h => $"--- {h.Address}\n{h.Output}"));
        }
    }

    public async ValueTask DisposeAsync()
    {
        List<HostProcess> started;
        lock (hosts)
        {
            started = [.. hosts];
        }

        foreach (var host in Enumerable.Reverse(started))
        {
            await host.DisposeAsync();
        }

        foreach (var database in databases)
        {
            await database.DisposeAsync();
        }
    }
}
