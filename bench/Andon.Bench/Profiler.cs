using System.Diagnostics;
using System.Globalization;
using Microsoft.Diagnostics.Tracing;
using Microsoft.Diagnostics.Tracing.Parsers.Clr;

namespace Andon.Bench;

/// <summary>
/// With BENCH_TRACE=1, each measured window of a run is also traced by dotnet-trace (thread-time sampling and runtime events,
/// when the tool is installed) on the server, into /tmp/andon-bench-trace-*.nettrace. With BENCH_TRACE=alloc the trace holds
/// the runtime's allocation ticks instead, and the window's allocation rate and top types are printed when it ends.
/// </summary>
internal sealed class Profiler : IDisposable
{
    private readonly Process? process;
    private readonly string? allocations;

    private Profiler(Process? process, string? allocations = null)
    {
        this.process = process;
        this.allocations = allocations;
    }

    /// <summary>Where <c>dotnet tool install -g dotnet-trace</c> puts the tool.</summary>
    public static string Tool { get; } = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".dotnet/tools/dotnet-trace");

    public static Profiler Start(Server? server, TimeSpan duration)
    {
        var mode = Environment.GetEnvironmentVariable("BENCH_TRACE");
        if (server is null || mode is not ("1" or "alloc"))
        {
            return new Profiler(null);
        }

        if (!File.Exists(Tool))
        {
            return new Profiler(null);
        }

        var output = $"/tmp/andon-bench-trace-{server.Name}-{DateTime.UtcNow:HHmmss}.nettrace";
        Console.WriteLine($"   tracing {server.Name} into {output}");
        return new Profiler(Collect(server.Pid, mode == "alloc" ? "gc-verbose" : "dotnet-common,dotnet-sampled-thread-time", duration, output), mode == "alloc" ? output : null);
    }

    /// <summary>Starts <c>dotnet-trace collect</c> on process <paramref name="pid"/> for <paramref name="duration"/>; it exits when done.</summary>
    public static Process Collect(int pid, string profile, TimeSpan duration, string output)
    {
        var start = new ProcessStartInfo(Tool) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        foreach (var a in new[] { "collect", "-p", pid.ToString(CultureInfo.InvariantCulture), "--profile", profile, "--duration", duration.ToString(@"dd\:hh\:mm\:ss", CultureInfo.InvariantCulture), "-o", output })
        {
            start.ArgumentList.Add(a);
        }

        return Process.Start(start)!;
    }

    public void Dispose()
    {
        if (process is null)
        {
            return;
        }

        process.WaitForExit(TimeSpan.FromSeconds(30));
        process.Dispose();
        if (allocations is not null && File.Exists(allocations))
        {
            var (total, byType, seconds) = AllocationTicks(allocations);
            var top = byType.OrderByDescending(t => t.Value).Take(8).Select(t => $"{ShortType(t.Key)} {t.Value / seconds / 1e6:F1}");
            Console.WriteLine($"   allocated {total / seconds / 1e6:F1} MB/s over {seconds:F1} s of ticks; MB/s by type: {string.Join(", ", top)}");
        }
    }

    /// <summary>The allocation ticks of a gc-verbose trace: their sum, their sum by type, and the seconds from the first to the last.</summary>
    public static (long Total, Dictionary<string, long> ByType, double Seconds) AllocationTicks(string file)
    {
        var byType = new Dictionary<string, long>(StringComparer.Ordinal);
        long total = 0;
        double first = double.MaxValue, last = 0;
        using var source = new EventPipeEventSource(file);
        source.Clr.GCAllocationTick += (GCAllocationTickTraceData tick) =>
        {
            var type = tick.TypeName ?? "?";
            byType[type] = byType.GetValueOrDefault(type) + tick.AllocationAmount64;
            total += tick.AllocationAmount64;
            first = Math.Min(first, tick.TimeStampRelativeMSec);
            last = Math.Max(last, tick.TimeStampRelativeMSec);
        };
        source.Process();
        return (total, byType, Math.Max(0.001, (last - first) / 1000));
    }

    /// <summary>The type's own name: <c>Dictionary</c> for a generic dictionary, <c>Byte[]</c> for a byte array.</summary>
    public static string ShortType(string type)
    {
        var end = type.Length;
        for (var i = 0; i < type.Length; i++)
        {
            if (type[i] == '`' || (type[i] == '[' && i + 1 < type.Length && type[i + 1] != ']'))
            {
                end = i;
                break;
            }
        }

        var name = type[..end];
        name = name[(name.LastIndexOf('.') + 1)..];
        name = type.EndsWith("[]", StringComparison.Ordinal) && !name.EndsWith("[]", StringComparison.Ordinal) ? name + "[]" : name;
        return name.Replace("|", "\\|", StringComparison.Ordinal);
    }
}
