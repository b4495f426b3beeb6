using System.Diagnostics;
using System.Globalization;

namespace Andon.Bench;

/// <summary>
/// With BENCH_TRACE=1, each measured window of a run is also traced by dotnet-trace (thread-time sampling and runtime events,
/// when the tool is installed) on the server, into /tmp/andon-bench-trace-*.nettrace.
/// </summary>
internal sealed class Profiler : IDisposable
{
    private readonly Process? process;

    private Profiler(Process? process) => this.process = process;

    /// <summary>Where <c>dotnet tool install -g dotnet-trace</c> puts the tool.</summary>
    public static string Tool { get; } = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".dotnet/tools/dotnet-trace");

    public static Profiler Start(Server? server, TimeSpan duration)
    {
        if (server is null || Environment.GetEnvironmentVariable("BENCH_TRACE") != "1")
        {
            return new Profiler(null);
        }

        if (!File.Exists(Tool))
        {
            return new Profiler(null);
        }

        var output = $"/tmp/andon-bench-trace-{server.Name}-{DateTime.UtcNow:HHmmss}.nettrace";
        var start = new ProcessStartInfo(Tool) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        foreach (var a in new[] { "collect", "-p", server.Pid.ToString(CultureInfo.InvariantCulture), "--profile", "dotnet-common,dotnet-sampled-thread-time", "--duration", duration.ToString(@"dd\:hh\:mm\:ss", CultureInfo.InvariantCulture), "-o", output })
        {
            start.ArgumentList.Add(a);
        }

        Console.WriteLine($"   tracing {server.Name} into {output}");
        return new Profiler(Process.Start(start));
    }

    public void Dispose()
    {
        if (process is null)
        {
            return;
        }

        process.WaitForExit(TimeSpan.FromSeconds(30));
        process.Dispose();
    }
}
