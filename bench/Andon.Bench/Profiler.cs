using System.Diagnostics;
using System.Globalization;
using Microsoft.Diagnostics.Tracing;
using Microsoft.Diagnostics.Tracing.Etlx;
using Microsoft.Diagnostics.Tracing.Parsers.Clr;

namespace Andon.Bench;

/// <summary>
/// With BENCH_TRACE=1, each measured window of a run is also traced by dotnet-trace (thread-time sampling and runtime events,
/// when the tool is installed) on the server, into /tmp/andon-bench-trace-*.nettrace. With BENCH_TRACE=alloc the trace holds
/// the runtime's allocation ticks instead, and the window's allocation rate and top types are printed when it ends. With
/// BENCH_TRACE=gc it holds only the GC's own events (light enough not to move the run), and each collection's generation,
/// pause (the threads suspended to restarted) and work (the collection itself) are summarised when it ends.
/// </summary>
internal sealed class Profiler : IDisposable
{
    private readonly Process? process;
    private readonly string? allocations;
    private readonly string? collections;

    private Profiler(Process? process, string? allocations = null, string? collections = null)
    {
        this.process = process;
        this.allocations = allocations;
        this.collections = collections;
    }

    /// <summary>Where <c>dotnet tool install -g dotnet-trace</c> puts the tool.</summary>
    public static string Tool { get; } = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".dotnet/tools/dotnet-trace");

    public static Profiler Start(Server? server, TimeSpan duration)
    {
        var mode = Environment.GetEnvironmentVariable("BENCH_TRACE");
        if (server is null || mode is not ("1" or "alloc" or "gc"))
        {
            return new Profiler(null);
        }

        if (!File.Exists(Tool))
        {
            return new Profiler(null);
        }

        var output = $"/tmp/andon-bench-trace-{server.Name}-{DateTime.UtcNow:HHmmss}.nettrace";
        Console.WriteLine($"   tracing {server.Name} into {output}");
        return mode switch
        {
            "alloc" => new Profiler(Collect(server.Pid, "gc-verbose", duration, output), allocations: output),
            // The runtime provider's GC keyword (0x1) at the informational level: starts, ends, suspensions, heap sizes.
            "gc" => new Profiler(Collect(server.Pid, null, duration, output, "Microsoft-Windows-DotNETRuntime:0x1:4"), collections: output),
            _ => new Profiler(Collect(server.Pid, "dotnet-common,dotnet-sampled-thread-time", duration, output)),
        };
    }

    /// <summary>Starts <c>dotnet-trace collect</c> on process <paramref name="pid"/> for <paramref name="duration"/>; it exits when done.</summary>
    public static Process Collect(int pid, string? profile, TimeSpan duration, string output, string? providers = null)
    {
        var start = new ProcessStartInfo(Tool) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        foreach (var a in new[] { "collect", "-p", pid.ToString(CultureInfo.InvariantCulture), "--duration", duration.ToString(@"dd\:hh\:mm\:ss", CultureInfo.InvariantCulture), "-o", output })
        {
            start.ArgumentList.Add(a);
        }

        foreach (var (option, value) in new[] { ("--profile", profile), ("--providers", providers) })
        {
            if (value is not null)
            {
                start.ArgumentList.Add(option);
                start.ArgumentList.Add(value);
            }
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
        if (process.HasExited && process.ExitCode != 0)
        {
            // B0 is a Node process, which dotnet-trace cannot attach to.
            Console.WriteLine($"   no trace: dotnet-trace exited with code {process.ExitCode}");
        }

        process.Dispose();
        if (allocations is not null && File.Exists(allocations))
        {
            var (total, byType, seconds) = AllocationTicks(allocations);
            var top = byType.OrderByDescending(t => t.Value).Take(8).Select(t => $"{ShortType(t.Key)} {t.Value / seconds / 1e6:F1}");
            Console.WriteLine($"   allocated {total / seconds / 1e6:F1} MB/s over {seconds:F1} s of ticks; MB/s by type: {string.Join(", ", top)}");
            var frames = AllocationFrames(allocations);
            var report = Path.ChangeExtension(allocations, ".frames.txt");
            File.WriteAllLines(report, frames.Lines());
            Console.WriteLine($"   bytes by the first Andon or MassTransit frame from the allocation up (all in {report}):");
            foreach (var line in AllocationSplit.Lines(frames.First.Take(12), ""))
            {
                Console.WriteLine($"   {line}");
            }
        }

        if (collections is not null && File.Exists(collections))
        {
            var all = Collections(collections);
            foreach (var generation in all.GroupBy(c => c.Generation).OrderBy(g => g.Key))
            {
                var pauses = generation.Select(c => c.PauseMs).Order().ToList();
                var works = generation.Select(c => c.WorkMs).Order().ToList();
                Console.WriteLine($"   gen{generation.Key} collections {pauses.Count}: pause p50 {pauses[pauses.Count / 2]:F1} max {pauses[^1]:F1} sum {pauses.Sum():F0} ms; work p50 {works[works.Count / 2]:F1} max {works[^1]:F1} ms; promoted p50 {generation.Select(c => c.PromotedMb).Order().ElementAt(pauses.Count / 2):F1} MB");
            }

            Console.WriteLine($"   collections: {string.Join(" ", all.Select(c => $"{c.AtSeconds:F1}s:gen{c.Generation}/{c.PauseMs:F1}"))}");
        }
    }

    /// <summary>Each collection of a trace of the GC keyword: when (seconds from the trace's start), its generation, its pause
    /// (the runtime suspending the threads to restarting them), its work (start to end) and what it promoted. A background
    /// collection (generation 2 running beside the program) is not handled apart: its figures here are not to be trusted.</summary>
    public static List<(double AtSeconds, int Generation, double PauseMs, double WorkMs, double PromotedMb)> Collections(string file)
    {
        var found = new List<(double, int, double, double, double)>();
        double suspended = -1, started = -1, work = 0;
        var generation = -1;
        using var source = new EventPipeEventSource(file);
        source.Clr.GCSuspendEEStart += e => suspended = e.TimeStampRelativeMSec;
        source.Clr.GCStart += e => (started, generation) = (e.TimeStampRelativeMSec, e.Depth);
        source.Clr.GCStop += e => work = started < 0 ? 0 : e.TimeStampRelativeMSec - started;
        source.Clr.GCHeapStats += e =>
        {
            if (generation >= 0 && suspended >= 0)
            {
                found.Add((suspended / 1000, generation, 0, work, (e.TotalPromotedSize0 + e.TotalPromotedSize1 + e.TotalPromotedSize2) / 1e6));
            }
        };
        source.Clr.GCRestartEEStop += e =>
        {
            if (generation >= 0 && suspended >= 0 && found.Count > 0)
            {
                found[^1] = found[^1] with { Item3 = e.TimeStampRelativeMSec - suspended };
            }

            (suspended, started, generation) = (-1, -1, -1);
        };
        source.Process();
        return found;
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

    /// <summary>
    /// Where a trace's allocation ticks were made, from their stacks (method names from the trace's rundown): each tick's bytes
    /// go to the first frame from the allocation up whose method is Andon's or MassTransit's (what the program can change), to
    /// that frame with the method it called (what it allocated through), and to every distinct method on its stack (inclusive).
    /// </summary>
    public static AllocationSplit AllocationFrames(string file)
    {
        var first = new Dictionary<string, long>(StringComparer.Ordinal);
        var inclusive = new Dictionary<string, long>(StringComparer.Ordinal);
        var via = new Dictionary<string, long>(StringComparer.Ordinal);
        long total = 0;
        var etlx = TraceLog.CreateFromEventPipeDataFile(file);
        try
        {
            using var log = new TraceLog(etlx);
            var source = log.Events.GetSource();
            var seen = new HashSet<string>(StringComparer.Ordinal);
            source.Clr.GCAllocationTick += (GCAllocationTickTraceData tick) =>
            {
                var amount = tick.AllocationAmount64;
                total += amount;
                string? owner = null, callee = null, below = null;
                seen.Clear();
                for (var frame = tick.CallStack(); frame is not null; frame = frame.Caller)
                {
                    var name = frame.CodeAddress.FullMethodName;
                    if (string.IsNullOrEmpty(name) || !seen.Add(name))
                    {
                        continue;
                    }

                    inclusive[name] = inclusive.GetValueOrDefault(name) + amount;
                    if (owner is null && (name.StartsWith("Andon.", StringComparison.Ordinal) || name.StartsWith("MassTransit.", StringComparison.Ordinal)))
                    {
                        (owner, callee) = (name, below);
                    }

                    below = name;
                }

                owner ??= "(no Andon or MassTransit frame)";
                first[owner] = first.GetValueOrDefault(owner) + amount;
                var pair = $"{owner}  ->  {callee ?? "(allocates itself)"}";
                via[pair] = via.GetValueOrDefault(pair) + amount;
            };
            source.Process();
        }
        finally
        {
            File.Delete(etlx);
        }

        var all = (double)Math.Max(1, total);
        List<(string Frame, double Share)> Shares(Dictionary<string, long> bytes, int most) =>
            [.. bytes.OrderByDescending(f => f.Value).Take(most).Select(f => (f.Key, f.Value / all))];
        return new AllocationSplit(Shares(first, int.MaxValue), Shares(via, 200), Shares(inclusive, 300));
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

/// <summary>
/// A trace's allocated bytes as shares, largest first: by the first Andon or MassTransit frame above each allocation, by that
/// frame and the method it called ("via"), and by every method on the stacks (inclusive, "all").
/// </summary>
internal sealed record AllocationSplit(List<(string Frame, double Share)> First, List<(string Frame, double Share)> Via, List<(string Frame, double Share)> All)
{
    /// <summary>All three, one line a frame: the first ones as they are, then "via …" and "all …" (the layout of <c>*.frames.txt</c>).</summary>
    public IEnumerable<string> Lines() => Lines(First, "").Concat(Lines(Via, "via ")).Concat(Lines(All, "all "));

    public static IEnumerable<string> Lines(IEnumerable<(string Frame, double Share)> shares, string prefix) =>
        shares.Select(f => $"{f.Share,6:P1}  {prefix}{f.Frame}");
}
