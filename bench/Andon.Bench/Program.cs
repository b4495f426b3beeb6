using Andon.Bench;

// bench/run.sh [scenario|all] [--quick]: each scenario starts the servers it needs, measures, and
// writes bench/results/<scenario>.json and .md. See bench/README.md.
var quick = args.Contains("--quick");
var positional = args.Where(a => !a.StartsWith("--", StringComparison.Ordinal)).ToList();
var scenario = positional.Count > 0 ? positional[0] : "floors";
if (scenario == "frames")
{
    // bench/run.sh frames <trace.nettrace>: where a BENCH_TRACE=alloc trace's bytes were allocated, again (Profiler).
    if (positional.Count < 2 || !File.Exists(positional[1]))
    {
        Console.Error.WriteLine("usage: bench/run.sh frames <trace.nettrace> (a trace of BENCH_TRACE=alloc, /tmp/andon-bench-trace-*.nettrace)");
        return 2;
    }

    foreach (var line in Profiler.AllocationFrames(positional[1]).Lines())
    {
        Console.WriteLine(line);
    }

    return 0;
}

var resultsDir = Path.Combine(Server.Root, "bench/results");
var scenarios = new Dictionary<string, Func<Task<int>>>(StringComparer.Ordinal)
{
    ["fanout"] = () => Fanout.RunAsync(quick, resultsDir),
    ["hotroom"] = () => HotRoom.RunAsync(quick, resultsDir),
    ["idle"] = () => Idle.RunAsync(quick, resultsDir),
    ["history"] = () => History.RunAsync(quick, resultsDir),
    ["alloc"] = () => Allocations.RunAsync(quick, resultsDir),
    ["reconnect"] = () => Reconnect.RunAsync(quick, resultsDir),
    ["slow"] = () => SlowConsumer.RunAsync(quick, resultsDir),
    ["gateway"] = () => Gateway.RunAsync(quick, resultsDir),
    ["replicas"] = () => Replicas.RunAsync(quick, resultsDir),
    ["floors"] = async () =>
    {
        await using var andon = await Server.StandaloneAsync();
        return await Floors.RunAsync(andon.Url, quick, resultsDir);
    },
};

if (scenario == "all")
{
    var failed = 0;
    foreach (var (name, run) in scenarios)
    {
        Console.WriteLine($"== {name}");
        try
        {
            failed += await run() == 0 ? 0 : 1;
        }
        catch (Exception ex) when (ex is InvalidOperationException or TimeoutException or HttpRequestException or IOException)
        {
            Console.Error.WriteLine($"{name} failed: {ex}");
            failed++;
        }
    }

    return failed == 0 ? 0 : 1;
}

if (!scenarios.TryGetValue(scenario, out var chosen))
{
    Console.Error.WriteLine($"unknown scenario '{scenario}'; known: {string.Join(", ", scenarios.Keys)}, all");
    return 2;
}

return await chosen();
